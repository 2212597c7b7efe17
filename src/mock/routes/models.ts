/** `GET /models`: every base model and every option combination, in canonical spelling (OpenAI list shape). */
import { allCanonicalModelNames } from '../../spec/model.js';
import type { ModelList } from '../../spec/schemas/index.js';
import { authorize } from '../auth.js';
import type { RequestContext } from '../context.js';
import { json } from '../http.js';
import { rejectReadByScenario } from '../outcomes.js';

/** A fixed date, so the list is byte-identical across runs (2025-10-06, when sora-2 was announced). */
const MODELS_CREATED = 1759708800;

export function listModels(ctx: RequestContext): Response {
  authorize(ctx.request, ctx.options.licenses, 'chat');
  rejectReadByScenario(ctx);
  const body: ModelList = {
    object: 'list',
    data: allCanonicalModelNames().map((id) => ({ id, object: 'model', created: MODELS_CREATED, owned_by: 'sora-platform' })),
  };
  return json(body);
}
