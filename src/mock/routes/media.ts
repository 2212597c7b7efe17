/** `GET <basePath>/files/<recipe>.<signature>.<ext>`: the signed, stateless media links every answer carries. */
import { decodeRecipe } from '../../media/index.js';
import { VARIANT_OF_EXTENSION, type RequestContext } from '../context.js';
import { HttpError } from '../http.js';
import { SIGNATURE_LENGTH } from '../links.js';
import { serveMedia } from '../serve-media.js';

function refused(message: string): HttpError {
  return new HttpError(403, message, { type: 'permission_error', param: null, code: 'invalid_signature' });
}

function notFound(message: string): HttpError {
  return new HttpError(404, message, { type: 'invalid_request_error', param: null, code: 'file_not_found' });
}

/**
 * No licence needed, like a CDN's signed URL (`<img src>` cannot send headers); the signature is what
 * the mock checks instead, before anything is decoded or generated: a link it did not issue (edited,
 * hand-written, or signed with another media secret) is a 403.
 */
export async function filesRoute(ctx: RequestContext, params: Record<string, string>): Promise<Response> {
  const name = params.name;
  const dot = name.lastIndexOf('.');
  const extension = dot < 0 ? '' : name.slice(dot + 1);
  const sigDot = dot < 0 ? -1 : name.lastIndexOf('.', dot - 1);
  const signature = sigDot < 0 ? '' : name.slice(sigDot + 1, dot);
  const recipeText = sigDot < 0 ? '' : name.slice(0, sigDot);
  const variant = VARIANT_OF_EXTENSION[extension];
  if (!variant || !/^[A-Za-z0-9_-]+$/.test(signature) || signature.length !== SIGNATURE_LENGTH || recipeText === '') {
    throw refused(
      `'${name.slice(0, 80)}${name.length > 80 ? '…' : ''}' is not a signed media link: media links are <recipe>.<signature>.<png|mp4|webp|jpg> ` +
        `with a ${SIGNATURE_LENGTH}-character signature, as this server issues them; they cannot be written by hand.`,
    );
  }
  if (!ctx.signer.verify(variant, recipeText, signature)) {
    throw refused(
      `The signature of this media link does not match its recipe and .${extension} extension: the link was edited, ` +
        'or issued by a server with another media secret (mediaSecret, --media-secret).',
    );
  }
  // Signed by this secret: only a server of another recipe version could have issued what fails here.
  const decoded = decodeRecipe(recipeText);
  if (!decoded.ok) throw notFound(`No such file: ${decoded.message}`);
  const kindOk = decoded.recipe.kind === 'image' ? variant === 'image' || variant === 'thumbnail' : variant !== 'image';
  if (!kindOk) throw notFound(`No such file: a ${decoded.recipe.kind} has no .${extension} variant.`);
  return serveMedia(ctx, decoded.recipe, variant, { cacheControl: 'public, max-age=31536000, immutable' });
}
