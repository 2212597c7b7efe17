/**
 * Licences. Every probe sends a chat body that is invalid (no messages): a deployment that checks the
 * licence first answers 401, one that accepted the licence answers 400, and nothing is generated.
 */
import type { ConformanceClient, Exchange } from '../client.js';
import { envelopeProblem, fail } from '../expect.js';
import type { Check } from '../types.js';

const INVALID_CHAT = { model: 'sora_image', messages: [] };

function probe(client: ConformanceClient, auth: Parameters<ConformanceClient['request']>[0]['auth'], mistake: boolean): Promise<Exchange> {
  return client.request({ path: '/chat/completions', json: INVALID_CHAT, auth, mistake });
}

async function expectRefused(client: ConformanceClient, auth: 'none' | { header: string }, what: string): Promise<void> {
  const exchange = await probe(client, auth, true);
  if (exchange.status !== 401) fail(`${what}: expected 401, got ${exchange.status}`, exchange);
  const problem = envelopeProblem(exchange);
  if (problem) fail(`${what}: the 401 is not an error envelope: ${problem}`, exchange);
}

async function expectAccepted(client: ConformanceClient, auth: 'raw' | 'bearer', what: string): Promise<void> {
  const exchange = await probe(client, auth, true);
  if (exchange.status === 401 || exchange.status === 403) fail(`${what}: the licence was refused (${exchange.status}); expected the request to reach validation (400)`, exchange);
  if (exchange.status !== 400) fail(`${what}: expected 400 for the empty messages, got ${exchange.status}`, exchange);
}

export const authChecks: Check[] = [
  {
    id: 'auth.missing-license',
    group: 'auth',
    severity: 'must',
    purpose: 'A request without Authorization is refused with 401 and an error envelope.',
    rule: 'seed: 调用示例 (--header Authorization: <你的许可证>); specs/mock.md#licences',
    run: ({ client }) => expectRefused(client, 'none', 'no Authorization header'),
  },
  {
    id: 'auth.unknown-license',
    group: 'auth',
    severity: 'must',
    purpose: 'A request with a licence the deployment does not know is refused with 401.',
    rule: 'seed: 调用示例 (Authorization: <你的许可证>); specs/mock.md#licences',
    run: ({ client }) => expectRefused(client, { header: 'sk-sora-conformance-unknown-licence' }, 'unknown licence'),
  },
  {
    id: 'auth.raw-license',
    group: 'auth',
    severity: 'must',
    purpose: "The seed's form `Authorization: <licence>` is accepted.",
    rule: 'seed: 调用示例 (Authorization: <你的许可证>)',
    run: ({ client }) => expectAccepted(client, 'raw', 'Authorization: <licence>'),
  },
  {
    id: 'auth.bearer-license',
    group: 'auth',
    severity: 'should',
    purpose: 'The OpenAI SDK form `Authorization: Bearer <licence>` is accepted.',
    rule: 'OpenAI: Authorization: Bearer; specs/mock.md#licences',
    run: ({ client }) => expectAccepted(client, 'bearer', 'Authorization: Bearer <licence>'),
  },
];
