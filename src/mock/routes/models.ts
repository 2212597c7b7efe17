/** `GET /models`: every base model and every option combination, in canonical spelling (OpenAI list shape). */
import { allCanonicalModelNames } from '../../spec/model.js';
import type { ModelList } from '../../spec/schemas/index.js';
import { json } from '../http.js';
import type { OperationHandler, OperationHandlers } from '../pipeline.js';

/** A fixed date, so the list is byte-identical across runs (2025-10-06, when sora-2 was announced). */
const MODELS_CREATED = 1759708800;

export const listModels: OperationHandler<'listModels'> = {
  handle() {
    const body: ModelList = {
      object: 'list',
      data: allCanonicalModelNames().map((id) => ({ id, object: 'model', created: MODELS_CREATED, owned_by: 'sora-platform' })),
    };
    return json(body);
  },
};

/** This module's operations, by id (the app collects every module's). */
export const modelHandlers = { listModels } satisfies Partial<OperationHandlers>;
