/**
 * Multipart forms and query strings carry only strings and files; these helpers turn them into the
 * plain objects the JSON schemas expect, so ONE schema validates a body however it arrived. They
 * convert, never validate: a value that does not look like a number or boolean stays a string, so the
 * schema rejects it and the client sees exactly what it sent.
 */

type FieldKind = 'string' | 'number' | 'boolean' | 'file' | 'files';

/** The field names an endpoint accepts, with the form names that feed each (`image` <- `image[]`, `image`). */
interface FormLayout {
  [field: string]: { kind: FieldKind; names?: readonly string[] };
}

type Entry = FormDataEntryValue;

const NUMBER = /^-?\d+(\.\d+)?$/;

function convert(value: Entry, kind: FieldKind): unknown {
  if (typeof value !== 'string') return value;
  if (kind === 'number' && NUMBER.test(value.trim())) return Number(value.trim());
  if (kind === 'boolean') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return value;
}

/**
 * Fields not in the layout are copied as strings: the request schemas strip unknown keys, and a
 * repeated scalar field stays an array so the schema reports it instead of one copy winning silently.
 */
function formToObject(form: FormData, layout: FormLayout): Record<string, unknown> {
  const owner = new Map<string, string>();
  for (const [field, spec] of Object.entries(layout)) {
    for (const name of spec.names ?? [field]) owner.set(name, field);
  }
  const result: Record<string, unknown> = {};
  const repeated = new Set<string>();
  for (const [name, value] of form.entries()) {
    const field = owner.get(name) ?? name;
    const kind = layout[field]?.kind ?? 'string';
    if (kind === 'files') {
      const list = (result[field] as unknown[] | undefined) ?? [];
      list.push(value);
      result[field] = list;
      continue;
    }
    const converted = convert(value, kind);
    if (!(field in result)) {
      result[field] = converted;
    } else if (repeated.has(field)) {
      (result[field] as unknown[]).push(converted);
    } else {
      repeated.add(field);
      result[field] = [result[field], converted];
    }
  }
  return result;
}

const IMAGE_GENERATION_LAYOUT: FormLayout = {
  prompt: { kind: 'string' },
  model: { kind: 'string' },
  size: { kind: 'string' },
  n: { kind: 'number' },
  response_format: { kind: 'string' },
};

/** A multipart `POST /images/generations` body, ready for `ImageGenerationRequest`. */
export function imageGenerationFromForm(form: FormData): Record<string, unknown> {
  return formToObject(form, IMAGE_GENERATION_LAYOUT);
}

/** A multipart `POST /images/edits` body: files under `image[]` and `image` collected, in order, as `image`. */
export function imageEditFromForm(form: FormData): Record<string, unknown> {
  return formToObject(form, { ...IMAGE_GENERATION_LAYOUT, image: { kind: 'files', names: ['image[]', 'image'] } });
}

/** A multipart `POST /videos` body, ready for `VideoCreateRequest` (`seconds` stays a string, as the SDK sends it). */
export function videoCreateFromForm(form: FormData): Record<string, unknown> {
  return formToObject(form, {
    prompt: { kind: 'string' },
    model: { kind: 'string' },
    size: { kind: 'string' },
    seconds: { kind: 'string' },
    watermark: { kind: 'boolean' },
    input_reference: { kind: 'file' },
  });
}

/** A multipart `POST /videos/{video_id}/remix` body, ready for `VideoRemixRequest`. */
export function videoRemixFromForm(form: FormData): Record<string, unknown> {
  return formToObject(form, { prompt: { kind: 'string' }, model: { kind: 'string' } });
}

function searchToObject(params: URLSearchParams, numbers: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key).map((v) => convert(v, numbers.includes(key) ? 'number' : 'string'));
    result[key] = values.length === 1 ? values[0] : values;
  }
  return result;
}

/** `GET /videos` query (`after`, `limit`, `order`), ready for `VideoListQuery`. */
export function videoListQueryFromParams(params: URLSearchParams): Record<string, unknown> {
  return searchToObject(params, ['limit']);
}

/** `GET /videos/{video_id}/content` query (`variant`), ready for `VideoContentQuery`. */
export function videoContentQueryFromParams(params: URLSearchParams): Record<string, unknown> {
  return searchToObject(params, []);
}
