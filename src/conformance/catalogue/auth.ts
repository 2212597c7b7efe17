/**
 * Licences. Every probe sends a body that is invalid (no messages, no prompt): a deployment that checks
 * the licence first answers 401, one that accepted the licence refuses the body (400 or 422), and
 * nothing is generated either way.
 */
import type { AuthMode, ConformanceClient, Exchange, RequestSpec } from '../client.js';
import { fail } from '../expect.js';
import { envelopeProblemOf } from '../judge.js';
import { REFUSAL_STATUSES } from '../refusals.js';
import type { Check } from '../check.js';
import { form } from './common.js';
import { JUDGMENT_CHECKS } from '../judgment-checks.js';

const INVALID_CHAT = { model: 'sora_image', messages: [] };

/** One invalid request per kind of endpoint the seed documents: chat, images, videos (create and read). */
const PROBES: Array<{ what: string; spec: RequestSpec }> = [
  { what: 'POST /chat/completions', spec: { path: '/chat/completions', json: INVALID_CHAT } },
  { what: 'POST /images/generations', spec: { path: '/images/generations', form: form({ model: 'sora_image' }) } },
  { what: 'POST /videos', spec: { path: '/videos', json: { model: 'sora_video2' } } },
  { what: 'GET /videos/{id}', spec: { path: '/videos/video_sora_kit_conformance_missing' } },
];

async function expectRefused(client: ConformanceClient, auth: 'none' | { header: string }, what: string): Promise<void> {
  const answers = await Promise.all(PROBES.map(async (p) => ({ p, exchange: await client.request({ ...p.spec, auth, mistake: true }) })));
  for (const { p, exchange } of answers) {
    if (exchange.status !== 401) fail(`${what} on ${p.what}: expected 401, got ${exchange.status}`, exchange, { expected: '401', actual: String(exchange.status) });
    const problem = envelopeProblemOf(exchange);
    if (problem) fail(`${what} on ${p.what}: the 401 is not an error envelope: ${problem}`, exchange);
  }
}

async function expectAccepted(client: ConformanceClient, auth: 'raw' | 'bearer', what: string): Promise<Exchange> {
  const exchange = await client.request({ path: '/chat/completions', json: INVALID_CHAT, auth, mistake: true });
  if (exchange.status === 401 || exchange.status === 403) fail(`${what}: the licence was refused (${exchange.status}); expected the request to reach validation (400 or 422)`, exchange);
  if (!REFUSAL_STATUSES.includes(exchange.status)) fail(`${what}: expected 400 or 422 for the empty messages, got ${exchange.status}`, exchange);
  return exchange;
}

/** Requests of the whole run sent with the licence in this form (not mistakes) that were refused it. */
function refusedInRun(client: ConformanceClient, mode: AuthMode): Exchange[] {
  return client.exchanges.filter((e) => !e.mistake && e.auth === mode && (e.status === 401 || e.status === 403));
}

export const authChecks: Check[] = [
  {
    id: 'auth.missing-license',
    group: 'auth',
    ...JUDGMENT_CHECKS['auth.missing-license'],
    purpose: 'A request without Authorization is refused with 401 and an error envelope, on chat, images and videos.',
    run: ({ client }) => expectRefused(client, 'none', 'no Authorization header'),
  },
  {
    id: 'auth.unknown-license',
    group: 'auth',
    severity: 'must',
    purpose: 'A request with a licence the deployment does not know is refused with 401, on chat, images and videos.',
    rule: 'seed: 调用示例 (Authorization: <你的许可证>); RFC 9110 15.5.2',
    run: ({ client }) => expectRefused(client, { header: 'sk-sora-conformance-unknown-licence' }, 'unknown licence'),
  },
  {
    id: 'auth.raw-license',
    group: 'auth',
    ...JUDGMENT_CHECKS['auth.raw-license'],
    purpose: "The seed's form `Authorization: <licence>` is accepted: by validation, and by every request of the run.",
    // Last: it also judges every request the run sent with the licence.
    final: true,
    async run({ client }) {
      await expectAccepted(client, 'raw', 'Authorization: <licence>');
      const refused = refusedInRun(client, 'raw');
      if (refused.length) {
        const where = [...new Set(refused.map((e) => `${e.request.method} ${new URL(e.request.url).pathname}`))].slice(0, 4).join(', ');
        fail(`the licence was refused (${refused[0].status}) on ${refused.length} request(s) of the run that carried it: ${where}`, refused[0]);
      }
    },
  },
  {
    id: 'auth.bearer-license',
    group: 'auth',
    ...JUDGMENT_CHECKS['auth.bearer-license'],
    purpose: 'The OpenAI SDK form `Authorization: Bearer <licence>` is accepted.',
    run: async ({ client }) => void (await expectAccepted(client, 'bearer', 'Authorization: Bearer <licence>')),
  },
];
