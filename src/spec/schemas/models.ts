/** `GET /models`: OpenAI's model list, one entry per canonical model name of the grammar. */
import { z } from 'zod';
import { UnixSeconds } from './common.js';

export const ModelObject = z
  .object({
    id: z.string().meta({ examples: ['sora_video2-landscape-hd'] }),
    object: z.literal('model'),
    created: UnixSeconds,
    owned_by: z.string(),
  })
  .meta({ id: 'Model' });

export const ModelList = z
  .object({ object: z.literal('list'), data: z.array(ModelObject) })
  .meta({ id: 'ModelList' });

export type ModelObject = z.infer<typeof ModelObject>;
export type ModelList = z.infer<typeof ModelList>;
