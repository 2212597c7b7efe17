/**
 * The traffic judge: the registry's judgments (registry.ts) applied to exchanges someone else made
 * (the validating proxy's client, a recording). It keeps no rule of its own: it reads an observed
 * exchange into the registry's shape (the operation of its URL, the fields of its body) and reports
 * what the registry finds, with the registry's severities. It cannot choose its requests, so a
 * request the rules refuse is judged as the mistake it is, whoever made it.
 */
import { operationOfUrl as matchOperationOfUrl } from '../spec/paths.js';
import { normalizeBaseUrl } from './base-url.js';
import { fieldsOf, type JudgedExchange, type ObservedExchange, type TrafficJudge, type Violation } from './exchange.js';
import { severityOf } from './judgment-checks.js';
import { JudgeMemory, judgeWithRegistry } from './registry.js';
import type { OperationId } from '../spec/operations.js';

export interface TrafficJudgeOptions {
  /** The deployment: its root or its API root, as for a conformance run. */
  target: string;
  /** The clock, for timestamp plausibility (tests). */
  now?: () => number;
}

const decoder = new TextDecoder();

/** A request body as the rules read it, from its bytes: JSON, or a multipart form; never throws on a peer's bytes. */
export async function observedFields(request: ObservedExchange['request'], op: OperationId | undefined): Promise<Record<string, unknown> | undefined> {
  if (request.body.length === 0) return undefined;
  const type = request.headers.get('content-type') ?? '';
  try {
    if (/json/i.test(type)) return fieldsOf(op, { json: JSON.parse(decoder.decode(request.body)) as unknown });
    if (/multipart\/form-data/i.test(type)) {
      const form = await new Request('http://judge.invalid/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(request.body) }).formData();
      return fieldsOf(op, { form });
    }
  } catch {
    // not JSON, or a form that does not parse: the rules read nothing from it
  }
  return undefined;
}

export function createTrafficJudge(options: TrafficJudgeOptions): TrafficJudge {
  const apiRoot = normalizeBaseUrl(options.target);
  const memory = new JudgeMemory(options.now);
  return {
    async observe({ request, response, timing }) {
      const op = matchOperationOfUrl(request.method, request.url, apiRoot);
      const exchange: JudgedExchange = {
        method: request.method,
        url: request.url,
        op,
        request: { headers: request.headers, fields: await observedFields(request, op?.id) },
        status: response.status,
        headers: response.headers,
        contentType: response.headers.get('content-type') ?? '',
        body: response.body,
        ...(timing ? { timing } : {}),
      };
      return (await judgeWithRegistry(exchange, memory)).map(
        (f): Violation => ({ check: f.check, severity: severityOf(f.check), method: request.method, url: request.url, message: f.message }),
      );
    },
  };
}
