/**
 * Mutants of whole answers rather than of one item: legitimate ones (extra fields in every object,
 * ids in another format, reworded messages, OpenAI's own answers to an unknown model or key) and the
 * security ones (the licence echoed back).
 */
import { OPERATIONS, type OperationId } from '../../../src/spec/operations.js';
import { FILE_LINK, envelope, jsonBody, withJson } from './gateway.js';
import { editAnswers, type Mutant } from './mutant-edits.js';
import type { Deviation, ProxyRequest } from './proxy.js';

/** Extra fields OpenAI may add at any time: every object of every answer gets one. */
function addExtra(value: unknown): void {
  if (Array.isArray(value)) value.forEach(addExtra);
  else if (value && typeof value === 'object') {
    for (const child of Object.values(value)) addExtra(child);
    (value as Record<string, unknown>).x_added_by_gateway = { note: 'an unknown field' };
  }
}

const VIDEO_ID = /video_[0-9a-f]{8,}/g;

export function wholeAnswerMutants(): Mutant[] {
  const answering = (Object.keys(OPERATIONS) as OperationId[]).filter((id) => id !== 'retrieveVideoContent');
  const extra = answering.map<Mutant>((op) => ({
    name: `${OPERATIONS[op].method} ${OPERATIONS[op].path}: extra unknown fields in every object`,
    item: `${OPERATIONS[op].method} ${OPERATIONS[op].path}`,
    broken: false,
    alters: 'answer',
    operations: [op],
    expects: [],
    allowedBy: 'OpenAI: objects may gain fields (clients ignore unknown keys)',
    deviation: () => {
      // Chat answers both ways: the JSON completion and every chunk of a stream.
      const json = editAnswers(op, false, (body) => void addExtra(body)).response!;
      const chunks = editAnswers(op, true, (body) => void addExtra(body)).response!;
      return { response: async (res, req) => chunks(await json(res, req), req) };
    },
  }));
  const ids: Mutant = {
    name: 'video ids in another format, consistently (vid-<hex> for video_<hex>)',
    item: 'video ids',
    broken: false,
    alters: 'answer',
    operations: ['createVideo', 'retrieveVideo', 'listVideos', 'remixVideo', 'deleteVideo', 'retrieveVideoContent'],
    expects: [],
    allowedBy: 'OpenAI: ids are opaque strings',
    deviation: () => ({
      request: (req) => ({ ...req, path: req.path.replace(/vid-([0-9a-f]{8,})/g, 'video_$1') }),
      response: (res) => (/json|event-stream/i.test(String(res.headers['content-type'] ?? '')) ? { ...res, body: Buffer.from(res.body.toString('utf8').replace(VIDEO_ID, (id) => `vid-${id.slice(6)}`)) } : res),
    }),
  };
  const reworded: Mutant = {
    name: 'error messages reworded',
    item: 'error messages',
    broken: false,
    alters: 'answer',
    operations: answering,
    expects: [],
    allowedBy: 'OpenAI: error.message is text for people; clients read type, param and code',
    deviation: () => ({
      response: (res) => {
        const body = jsonBody(res);
        if (res.status < 400 || typeof body?.error?.message !== 'string') return res;
        body.error.message = `The request could not be served (${body.error.param ?? 'request'}).`;
        return withJson(res, body);
      },
    }),
  };
  const modelNotFound: Mutant = {
    name: "an unknown model answered as OpenAI does: 404 {type:'invalid_request_error', param:null, code:'model_not_found'}",
    item: 'unknown model',
    broken: false,
    alters: 'answer',
    operations: ['createChatCompletion', 'createVideo', 'createImage'],
    expects: [],
    allowedBy: 'OpenAI: the answer of its own API to a model that does not exist',
    deviation: () => ({
      response: (res) => {
        const body = jsonBody(res);
        if (res.status !== 400 || body?.error?.param !== 'model' || body?.error?.code !== 'invalid_model' || !/unknown|not a|no model|does not exist/i.test(String(body.error.message))) return res;
        return envelope(404, 'The model does not exist or you do not have access to it.', 'invalid_request_error', null, 'model_not_found');
      },
    }),
  };
  const wrongKey: Mutant = {
    name: "a refused licence answered as OpenAI does: 401 {type:'invalid_request_error', param:null, code:'invalid_api_key'}, the key masked",
    item: 'refused licence',
    broken: false,
    alters: 'answer',
    operations: answering,
    expects: [],
    allowedBy: 'OpenAI: the answer of its own API to an API key it does not know',
    deviation: () => ({
      response: (res, req) => {
        if (res.status !== 401) return res;
        const key = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
        const masked = key.length > 8 ? `${key.slice(0, 3)}***${key.slice(-4)}` : '***';
        return envelope(401, `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', null, 'invalid_api_key');
      },
    }),
  };
  const licenceOf = (req: ProxyRequest) => String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  const leaks: Mutant[] = [
    {
      name: 'answers echo the licence in a header',
      deviation: (): Deviation => ({ response: (res, req) => (req.headers.authorization ? { ...res, headers: { ...res.headers, 'x-debug-authorization': licenceOf(req) } } : res) }),
    },
    {
      name: 'media links carry the licence in their query',
      deviation: (): Deviation => ({
        response: (res, req) => {
          if (!req.headers.authorization || !/json|event-stream/i.test(String(res.headers['content-type'] ?? ''))) return res;
          const text = res.body.toString('utf8').replace(FILE_LINK, (link) => `${link}${link.includes('?') ? '&' : '?'}key=${encodeURIComponent(licenceOf(req))}`);
          return { ...res, body: Buffer.from(text) };
        },
      }),
    },
  ].map((m) => ({ ...m, item: 'security: the licence', broken: true, alters: 'answer' as const, operations: answering, expects: ['auth.licence-not-echoed'] }));
  return [...extra, ids, reworded, modelNotFound, wrongKey, ...leaks];
}

