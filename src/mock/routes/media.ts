/** `GET <basePath>/files/<recipe>.<ext>`: the stateless media links every answer carries. */
import { decodeRecipe } from '../../media/index.js';
import { VARIANT_OF_EXTENSION, type RequestContext } from '../context.js';
import { HttpError } from '../http.js';
import { serveMedia } from '../serve-media.js';

/** `GET <basePath>/files/<recipe>.<ext>`: no licence needed, like a signed URL - `<img src>` cannot send headers. */
export async function filesRoute(ctx: RequestContext, params: Record<string, string>): Promise<Response> {
  const name = params.name;
  const dot = name.lastIndexOf('.');
  const extension = dot < 0 ? '' : name.slice(dot + 1);
  const variant = VARIANT_OF_EXTENSION[extension];
  if (!variant) {
    throw new HttpError(404, `No such file '${name.slice(0, 80)}': media files end in .png, .mp4, .webp or .jpg.`, {
      type: 'invalid_request_error',
      param: null,
      code: 'file_not_found',
    });
  }
  const decoded = decodeRecipe(name.slice(0, dot));
  if (!decoded.ok) {
    throw new HttpError(404, `No such file: ${decoded.message}`, { type: 'invalid_request_error', param: null, code: 'file_not_found' });
  }
  const kindOk = decoded.recipe.kind === 'image' ? variant === 'image' || variant === 'thumbnail' : variant !== 'image';
  if (!kindOk) {
    throw new HttpError(404, `No such file: a ${decoded.recipe.kind} has no .${extension} variant.`, {
      type: 'invalid_request_error',
      param: null,
      code: 'file_not_found',
    });
  }
  return serveMedia(ctx, decoded.recipe, variant, { cacheControl: 'public, max-age=31536000, immutable' });
}
