/**
 * Request bodies: read with a size limit (413 beyond it), then parsed as JSON or multipart form.
 * Every failure is a client error naming what was wrong; nothing here throws anything but HttpError.
 */
import { readLimited } from '../util/index.js';
import { HttpError, badRequest } from './http.js';

export type ParsedBody = { kind: 'json'; value: unknown } | { kind: 'form'; form: FormData };

export interface BodyOptions {
  maxBytes: number;
  /** Which encodings the endpoint accepts. */
  accept: ReadonlyArray<'json' | 'form'>;
  /** Sees the bytes once they are read within the limit, before parsing (the journal keeps a preview). */
  onBytes?: (bytes: Uint8Array) => void;
}

function tooLarge(maxBytes: number, seen: string): HttpError {
  return new HttpError(413, `Request body is ${seen}; this server accepts at most ${maxBytes} bytes.`, {
    type: 'invalid_request_error',
    param: null,
    code: 'request_too_large',
  });
}


export async function readBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  let bytes: Uint8Array | 'too_large';
  try {
    bytes = await readLimited(request, maxBytes);
  } catch (error) {
    throw badRequest(`The request body could not be read: ${(error as Error).message}.`, null, 'invalid_body');
  }
  if (bytes === 'too_large') {
    const declared = request.headers.get('content-length');
    throw tooLarge(maxBytes, declared && Number(declared) > maxBytes ? `${declared} bytes` : `larger than ${maxBytes} bytes`);
  }
  return bytes;
}

/**
 * The seed's own curl examples set `Content-Type: multipart/form-data; boundary=<theirs>` by hand, and
 * curl then appends `; boundary=<its own>` and uses its own. A header with several boundaries is
 * resolved by the one the body actually opens with, so those examples work as written.
 */
function effectiveContentType(header: string, body: Uint8Array): string {
  const boundaries = [...header.matchAll(/boundary\s*=\s*"?([^";,]+)"?/gi)].map((m) => m[1].trim());
  if (boundaries.length < 2) return header;
  const firstLine = new TextDecoder().decode(body.subarray(0, 256)).split(/\r?\n/, 1)[0].trim();
  const used = boundaries.find((b) => firstLine === `--${b}`) ?? boundaries.at(-1);
  return `multipart/form-data; boundary=${used}`;
}

function looksLikeJson(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

function mediaTypeOf(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

export async function readBody(request: Request, options: BodyOptions): Promise<ParsedBody> {
  const type = mediaTypeOf(request);
  const bytes = await readBytes(request, options.maxBytes);
  options.onBytes?.(bytes);
  // `curl -d '{...}'` without `-H 'Content-Type: application/json'` labels JSON as a urlencoded form;
  // a form body can never start with '{' or '[' in practice, so such a body is read as the JSON it is.
  const jsonInDisguise = type === 'application/x-www-form-urlencoded' && options.accept.includes('json') && looksLikeJson(bytes);
  const wantsForm = !jsonInDisguise && (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded');
  const accepted = options.accept.map((a) => (a === 'json' ? 'application/json' : 'multipart/form-data')).join(' or ');
  if (wantsForm) {
    if (!options.accept.includes('form')) {
      throw new HttpError(415, `Content-Type '${type}' is not accepted here; send ${accepted}.`, {
        type: 'invalid_request_error',
        param: null,
        code: 'unsupported_media_type',
      });
    }
    try {
      // Re-wrap the bytes we already bounded: the platform's FormData parser does the multipart work.
      const form = await new Response(bytes as BodyInit, {
        headers: { 'content-type': effectiveContentType(request.headers.get('content-type') ?? type, bytes) },
      }).formData();
      return { kind: 'form', form };
    } catch (error) {
      throw badRequest(
        `The multipart body could not be parsed (${(error as Error).message}); check the boundary in Content-Type and the part headers.`,
        null,
        'invalid_multipart',
      );
    }
  }
  // JSON is the default for a missing Content-Type (fetch with a string body sends text/plain).
  if (!jsonInDisguise && type !== '' && type !== 'application/json' && !type.endsWith('+json') && type !== 'text/plain') {
    throw new HttpError(415, `Content-Type '${type}' is not accepted here; send ${accepted}.`, {
      type: 'invalid_request_error',
      param: null,
      code: 'unsupported_media_type',
    });
  }
  if (!options.accept.includes('json')) {
    throw new HttpError(415, `A JSON body is not accepted here; send ${accepted}.`, {
      type: 'invalid_request_error',
      param: null,
      code: 'unsupported_media_type',
    });
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') throw badRequest('The request body is empty; send a JSON object.', null, 'invalid_json');
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${(error as Error).message}.`, null, 'invalid_json');
  }
}
