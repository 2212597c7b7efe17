/**
 * Mutants: deployments generated from the items of the contract (src/conformance/contract-items.ts),
 * each the clean mock behind an altering proxy (`Deviation`). Broken ones break one item in one way
 * (a field dropped, of the wrong type, out of range, inconsistent with the request, another field or
 * another operation; a parameter ignored, replaced by its default, refused when valid) and name the
 * checks of the coverage matrix expected to kill them. Legitimate ones change only what the contract
 * leaves open (an optional field absent, a nullable one null, extra fields, ids in another format,
 * reworded messages, OpenAI's own answer shapes: whole-answer-mutants.ts) and must pass.
 *
 * The hand-written faults.ts and variants.ts stay: they hold the subtle cases no generator derives.
 */
import { contractItems, itemKey, type ContractItem } from '../../../src/conformance/contract-items.js';
import { judgedOf } from '../../../src/conformance/coverage.js';
import { parseModelName } from '../../../src/spec/model.js';
import { OPERATIONS, type OperationId } from '../../../src/spec/operations.js';
import { editVideos, envelope, isVideoObject, jsonBody, queryOf, withJson } from './gateway.js';
import { editAnswers, fieldDeviation, operationOfRequest, type Mutant } from './mutant-edits.js';
import { editFields, editForm, type Deviation, type ProxyRequest, type ProxyResponse } from './proxy.js';
import { wholeAnswerMutants } from './whole-answer-mutants.js';

export { operationOfRequest, type Mutant };

/** A value of another JSON type than the item's. */
function wrongType(item: ContractItem): unknown {
  switch (item.type) {
    case 'string':
    case 'enum':
      return 12345;
    case 'number':
      return '12';
    case 'boolean':
      return 'true';
    case 'literal':
      return typeof item.values?.[0] === 'string' ? 7 : 'true';
    case 'object':
      return 'an object';
    case 'array':
      return { not: 'an array' };
    case 'null':
      return 'not null';
    default:
      return undefined;
  }
}

/** A value of the right type outside what the schema allows, with its description. */
function outOfRange(item: ContractItem): { value: unknown; what: string } | undefined {
  if (item.type === 'number' && item.max !== undefined) return { value: item.max + 1, what: `${item.max + 1}, over ${item.max}` };
  if (item.type === 'number' && item.min !== undefined) return { value: item.min - 1, what: `${item.min - 1}, under ${item.min}` };
  if (item.type === 'enum') return { value: 'not_an_allowed_value', what: `'not_an_allowed_value', outside ${item.values!.join('|')}` };
  if (item.type === 'literal') {
    const v = item.values![0];
    return typeof v === 'string' ? { value: `${v}_other`, what: `'${v}_other', not '${v}'` } : { value: !v, what: `${String(!v)}, not ${String(v)}` };
  }
  return undefined;
}

/* Relations: a valid value that disagrees with the request, another field or another operation. */

interface Relation {
  what: string;
  /** Other operations whose checks see it (the whole-run relations). */
  also?: OperationId[];
  /** The items it means something for (default: every item of that name). */
  applies?: (item: ContractItem) => boolean;
  deviation: (item: ContractItem) => Deviation;
}

const other = <T>(values: readonly T[], value: T): T => values.find((v) => v !== value) ?? values[0];
const otherModel = (name: unknown) => (typeof name === 'string' && parseModelName(name).ok && name.startsWith('sora_image') ? 'sora_video2' : 'sora_image');

/** Per field name (the last step of its path), the inconsistencies a deployment could answer. */
const FIELD_RELATIONS: Record<string, Relation[]> = {
  model: [{ what: 'another platform model than the one asked for', deviation: (item) => fieldDeviation(item, (o, k) => (o[k] = k in o ? otherModel(o[k]) : o[k])) }],
  size: [
    {
      what: 'another allowed size than the one the request gives',
      deviation: (item) => fieldDeviation(item, (o, k) => void (typeof o[k] === 'string' && item.values ? (o[k] = other(item.values, o[k])) : undefined)),
    },
  ],
  seconds: [{ what: 'another allowed duration than the one the request gives', deviation: (item) => fieldDeviation(item, (o, k) => void (typeof o[k] === 'string' ? (o[k] = other(item.values!, o[k])) : undefined)) }],
  output_format: [{ what: 'a format other than the bytes are', deviation: (item) => fieldDeviation(item, (o) => void (o.output_format = o.output_format === 'webp' ? 'png' : 'webp')) }],
  created: [{ what: 'milliseconds instead of unix seconds', deviation: (item) => fieldDeviation(item, (o, k) => void (typeof o[k] === 'number' ? (o[k] = (o[k] as number) * 1000) : undefined)) }],
  created_at: [{ what: 'after completed_at', deviation: (item) => fieldDeviation(item, (o) => void (typeof o.completed_at === 'number' ? (o.created_at = o.completed_at + 30) : undefined)) }],
  completed_at: [{ what: 'before created_at', deviation: (item) => fieldDeviation(item, (o) => void (typeof o.completed_at === 'number' ? (o.completed_at = (o.created_at as number) - 30) : undefined)) }],
  expires_at: [{ what: 'before created_at', deviation: (item) => fieldDeviation(item, (o) => void (typeof o.created_at === 'number' ? (o.expires_at = (o.created_at as number) - 30) : undefined)) }],
  progress: [{ what: 'under 100 on a completed job', deviation: (item) => fieldDeviation(item, (o) => void (o.status === 'completed' ? (o.progress = 50) : undefined)) }],
  status: [{ what: "'completed' while the progress is under 100", deviation: (item) => fieldDeviation(item, (o) => void ((o.progress as number) < 100 ? (o.status = 'completed') : undefined)) }],
  prompt: [{ what: 'another prompt than the one sent', deviation: (item) => fieldDeviation(item, (o) => void (typeof o.prompt === 'string' ? (o.prompt = `${o.prompt} (rewritten)`) : undefined)) }],
  remixed_from_video_id: [
    {
      what: 'a source on a job that is no remix, or another source on a remix',
      deviation: (item) => fieldDeviation(item, (o) => void (o.object === 'video' ? (o.remixed_from_video_id = o.remixed_from_video_id ? `${o.remixed_from_video_id as string}x` : (o.id as string)) : undefined)),
    },
  ],
  error: [{ what: 'an error on a job that did not fail', deviation: (item) => fieldDeviation(item, (o) => void (o.status !== 'failed' ? (o.error = { code: 'internal_error', message: 'failed' }) : undefined)) }],
  // A chat completion's id names nothing the client asked about (the chunks sharing one id is framing's).
  id: [{ what: 'another id than the one asked about', applies: (item) => item.operationId !== 'createChatCompletion', deviation: (item) => fieldDeviation(item, (o, k) => void (typeof o[k] === 'string' ? (o[k] = `${o[k] as string}0`) : undefined)) }],
  index: [{ what: 'not the position of the choice', deviation: (item) => fieldDeviation(item, (o) => void (o.index = 3)) }],
  total_tokens: [{ what: 'not prompt_tokens + completion_tokens', deviation: (item) => fieldDeviation(item, (o) => void (typeof o.total_tokens === 'number' ? (o.total_tokens = o.total_tokens + 7) : undefined)) }],
  first_id: [{ what: 'not the first item', deviation: (item) => fieldDeviation(item, (o) => void (Array.isArray(o.data) && o.data.length > 1 ? (o.first_id = (o.data.at(-1) as { id: string }).id) : undefined)) }],
  last_id: [{ what: 'not the last item', deviation: (item) => fieldDeviation(item, (o) => void (Array.isArray(o.data) && o.data.length > 1 ? (o.last_id = (o.data[0] as { id: string }).id) : undefined)) }],
  has_more: [{ what: 'the opposite of whether more items follow', deviation: (item) => fieldDeviation(item, (o) => void (o.has_more = !o.has_more)) }],
};

/** Relations of a whole answer or of the operations together, by item key. */
const ITEM_RELATIONS: Record<string, Relation[]> = {
  'GET /videos field data': [
    {
      what: 'a list that does not show the jobs created',
      deviation: () => editAnswers('listVideos', false, (body) => void (Array.isArray(body.data) ? (body.data = []) : undefined)),
    },
    {
      what: 'a list that still shows a deleted job',
      also: ['deleteVideo'],
      deviation: () => {
        const deleted = new Map<string, unknown>();
        const seen = new Map<string, unknown>();
        return {
          response: (res, req) => {
            const op = operationOfRequest(req);
            const body = jsonBody(res);
            if (res.status === 200 && isVideoObject(body)) seen.set(body.id, body);
            if (op === 'deleteVideo' && res.status === 200 && body?.id && seen.has(body.id)) deleted.set(body.id, seen.get(body.id));
            if (op === 'listVideos' && res.status === 200 && Array.isArray(body?.data) && deleted.size) {
              body.data.unshift(...deleted.values());
              return withJson(res, body);
            }
            return res;
          },
        };
      },
    },
  ],
  'POST /images/generations field data': [
    { what: 'fewer images than n asked for', deviation: () => editAnswers('createImage', false, (body) => void (Array.isArray(body.data) && body.data.length > 1 ? body.data.pop() : undefined)) },
  ],
  'DELETE /videos/{video_id} parameter video_id': [
    {
      what: 'a delete that answers deleted and keeps the job',
      also: ['retrieveVideo'],
      deviation: () => ({
        serve: (req) => {
          if (operationOfRequest(req) !== 'deleteVideo') return undefined;
          const id = decodeURIComponent(req.path.split('?')[0].split('/').pop()!);
          return withJson({ status: 200, headers: {}, body: Buffer.alloc(0) }, { id, object: 'video.deleted', deleted: true });
        },
      }),
    },
  ],
  'POST /videos/{video_id}/remix parameter video_id': [
    {
      what: "a remix that keeps none of its source's size",
      also: ['retrieveVideo'],
      deviation: () => ({
        response: (res, req) => (operationOfRequest(req) === 'remixVideo' || operationOfRequest(req) === 'retrieveVideo' ? editVideos(res, (v) => (v.remixed_from_video_id ? (v.size = v.size === '720x1280' ? '1280x720' : '720x1280') : undefined)) : res),
      }),
    },
  ],
};

/* Parameters. */

/** The fields of a request body as its operation's schema reads them, or undefined (not parsable). */
async function bodyFields(req: ProxyRequest, op: OperationId): Promise<Record<string, unknown> | undefined> {
  const type = String(req.headers['content-type'] ?? '');
  const body = (OPERATIONS[op] as { body?: { fromForm?: (f: FormData) => Record<string, unknown> } }).body;
  try {
    if (/json/i.test(type)) return JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    if (/multipart\/form-data/i.test(type) && body?.fromForm) {
      return body.fromForm(await new Request('http://x/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(req.body) }).formData());
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** The value a request gives the parameter (its schema's input), and whether the whole request is valid. */
async function parameterOf(req: ProxyRequest, item: ContractItem): Promise<{ present: boolean; value?: unknown; valid: boolean }> {
  const op = OPERATIONS[item.operationId] as {
    params?: { safeParse(v: unknown): { success: boolean } };
    query?: { safeParse(v: unknown): { success: boolean } };
    queryFromParams?: (p: URLSearchParams) => Record<string, unknown>;
    body?: { json?: { safeParse(v: unknown): { success: boolean } }; form?: { safeParse(v: unknown): { success: boolean } } };
  };
  if (item.location === 'path') return { present: true, valid: true };
  if (item.location === 'header') {
    const value = req.headers[item.name.toLowerCase()];
    return { present: value !== undefined, value, valid: true };
  }
  if (item.location === 'query') {
    const params = queryOf(req);
    const fields = op.queryFromParams ? op.queryFromParams(params) : Object.fromEntries(params);
    return { present: params.has(item.name), value: fields[item.name], valid: op.query?.safeParse(fields).success ?? true };
  }
  const fields = await bodyFields(req, item.operationId);
  if (!fields) return { present: false, valid: false };
  const json = /json/i.test(String(req.headers['content-type'] ?? ''));
  const schema = json ? op.body?.json : op.body?.form;
  return { present: fields[item.name] !== undefined, value: fields[item.name], valid: schema?.safeParse(fields).success ?? false };
}

/** Rewrite one parameter of a request (undefined removes it). */
async function setParameter(req: ProxyRequest, item: ContractItem, value: unknown): Promise<ProxyRequest> {
  if (item.location === 'query') {
    const [path, query = ''] = req.path.split('?');
    const params = new URLSearchParams(query);
    if (value === undefined) params.delete(item.name);
    else params.set(item.name, String(value));
    const rest = params.toString();
    return { ...req, path: rest ? `${path}?${rest}` : path };
  }
  if (item.location === 'header') {
    const headers = { ...req.headers };
    delete headers[item.name.toLowerCase()];
    return { ...req, headers };
  }
  if (item.type === 'file' || item.elementType === 'file') {
    // Files (image[], input_reference) travel only in multipart: remove every part of that name.
    return editForm(req, (_fields, files) => {
      for (let i = files.length - 1; i >= 0; i--) if (files[i][0].replace(/\[\]$/, '') === item.name) files.splice(i, 1);
    });
  }
  return editFields(req, (fields) => {
    if (value === undefined) delete fields[item.name];
    else fields[item.name] = /json/i.test(String(req.headers['content-type'] ?? '')) ? value : String(value);
  });
}

function refusal(item: ContractItem, value: unknown): ProxyResponse {
  const shown = JSON.stringify(value ?? '(path)').slice(0, 40);
  return envelope(400, `Invalid value for '${item.name}': ${shown} is not supported.`, 'invalid_request_error', item.name, 'invalid_value');
}

function parameterMutants(item: ContractItem, expects: readonly string[], inert: string | undefined): Mutant[] {
  const base = { item: itemKey(item), broken: true, alters: 'request' as const, operations: [item.operationId], expects };
  const label = `${item.operation} parameter ${item.name}`;
  const out: Mutant[] = [];
  const onOp = (req: ProxyRequest) => operationOfRequest(req) === item.operationId;
  // A parameter whose effect the contract leaves open cannot be wrongly ignored or defaulted.
  const effect = !inert;
  if (item.location !== 'path' && effect) {
    out.push({
      ...base,
      name: `${label}: ignored (stripped before forwarding)`,
      deviation: () => ({ request: async (req) => (onOp(req) && (await parameterOf(req, item)).present ? setParameter(req, item, undefined) : req) }),
    });
  }
  if (item.defaultValue !== undefined && effect) {
    out.push({
      ...base,
      name: `${label}: replaced by its default ${JSON.stringify(item.defaultValue)}`,
      deviation: () => ({ request: async (req) => (onOp(req) && (await parameterOf(req, item)).present ? setParameter(req, item, item.defaultValue) : req) }),
    });
  }
  out.push({
    ...base,
    name: `${label}: refused when valid (400)`,
    deviation: () => ({
      serve: async (req) => {
        if (!onOp(req)) return undefined;
        const p = await parameterOf(req, item);
        return p.present && p.valid ? refusal(item, p.value) : undefined;
      },
    }),
  });
  if (item.type === 'number' && item.max !== undefined) {
    out.push({
      ...base,
      name: `${label}: refused at its largest allowed value ${item.max}`,
      deviation: () => ({
        serve: async (req) => {
          if (!onOp(req)) return undefined;
          const p = await parameterOf(req, item);
          return p.present && p.valid && Number(p.value) === item.max ? refusal(item, p.value) : undefined;
        },
      }),
    });
  }
  return out;
}

function fieldMutants(item: ContractItem, expects: readonly string[]): Mutant[] {
  const base = { item: itemKey(item), broken: true, alters: 'answer' as const, operations: [item.operationId], expects };
  const label = `${item.operation} field ${item.name}`;
  const out: Mutant[] = [];
  // A field under a null parent (error.code) is dropped from a parent made for it: present, without the field.
  if (!item.optional) out.push({ ...base, name: `${label}: dropped`, deviation: () => fieldDeviation(item, (o, k) => void delete o[k], true) });
  const wrong = wrongType(item);
  if (wrong !== undefined) out.push({ ...base, name: `${label}: wrong type (${JSON.stringify(wrong)})`, deviation: () => fieldDeviation(item, (o, k) => void (o[k] = wrong), true) });
  const range = outOfRange(item);
  if (range) out.push({ ...base, name: `${label}: out of range (${range.what})`, deviation: () => fieldDeviation(item, (o, k) => void (o[k] = range.value), true) });
  for (const relation of (FIELD_RELATIONS[item.path.at(-1)!] ?? []).filter((r) => r.applies?.(item) ?? true)) out.push({ ...base, name: `${label}: ${relation.what}`, deviation: () => relation.deviation(item) });
  return out;
}

/* Legitimate mutants. */

/**
 * Optional or nullable fields whose absence or null the contract ties to a condition the mock's
 * answers meet, so removing them everywhere is not what a legitimate deployment does.
 */
const CONDITIONAL: Record<string, string> = {
  'data[].url': 'OpenAI: each image has its url (response_format url) or its b64_json',
  'data[].b64_json': 'OpenAI: each image has its url (response_format url) or its b64_json',
  'stream: choices[].delta.role': 'OpenAI: the first chunk carries the role',
  'stream: choices[].delta.content': 'OpenAI: the chunks carry the text of the answer',
  'stream: usage': 'OpenAI: with stream_options.include_usage, the last chunk carries usage',
  'stream: choices[].finish_reason': 'OpenAI: the last choice chunk carries the finish reason',
  'choices[].message.content': 'OpenAI: an answer that is not a refusal has its content',
  completed_at: 'OpenAI: completed_at is set once the job completed',
  remixed_from_video_id: 'OpenAI: a remix names its source',
  'data[].completed_at': 'OpenAI: completed_at is set once the job completed',
  'data[].remixed_from_video_id': 'OpenAI: a remix names its source',
};

function legitimateFieldMutants(item: ContractItem): Mutant[] {
  if (CONDITIONAL[item.name]) return [];
  const base = { item: itemKey(item), broken: false, alters: 'answer' as const, operations: [item.operationId], expects: [] };
  const label = `${item.operation} field ${item.name}`;
  const out: Mutant[] = [];
  if (item.optional) out.push({ ...base, name: `${label}: absent`, allowedBy: 'the schema: an optional field', deviation: () => fieldDeviation(item, (o, k) => void delete o[k]) });
  if (item.nullable) out.push({ ...base, name: `${label}: null`, allowedBy: 'the schema: a nullable field', deviation: () => fieldDeviation(item, (o, k) => void (k in o ? (o[k] = null) : undefined)) });
  return out;
}

/** Every mutant, broken and legitimate, derived from the items and the coverage matrix. */
export function generateMutants(items: readonly ContractItem[] = contractItems()): Mutant[] {
  const mutants: Mutant[] = [];
  for (const item of items) {
    const judged = judgedOf(item);
    const expects = judged && 'checks' in judged ? judged.checks : [];
    if (item.kind === 'parameter') mutants.push(...parameterMutants(item, expects, judged && 'inert' in judged ? judged.inert : undefined));
    else mutants.push(...fieldMutants(item, expects), ...legitimateFieldMutants(item));
    for (const relation of ITEM_RELATIONS[itemKey(item)] ?? []) {
      mutants.push({ name: `${itemKey(item)}: ${relation.what}`, item: itemKey(item), broken: true, alters: 'answer', operations: [item.operationId, ...(relation.also ?? [])], expects, deviation: () => relation.deviation(item) });
    }
  }
  return [...mutants, ...wholeAnswerMutants()];
}
