/**
 * What the judgments of the registry read: one exchange, whoever saw it (the checker's client, the
 * validating proxy, a replayed recording), in one shape. A leaf of `conformance/`: it imports only
 * the spec, so the checker, the proxy and the registry can all depend on it without a cycle.
 */
import { OPERATIONS, type OperationId } from '../spec/operations.js';
import type { OperationMatch } from '../spec/paths.js';

/**
 * How much a failed check weighs, by where its rule comes from:
 * - `must`: the platform document (the seed) says so;
 * - `should`: the OpenAI contract and HTTP semantics clients rely on (statuses, the error envelope,
 *   SSE framing, object schemas, content types);
 * - `info`: sora-kit's own decisions where both are silent, or an answer the contract allows but that
 *   helps no one; reported, never failing a run.
 */
export type Severity = 'must' | 'should' | 'info';
export const SEVERITIES: readonly Severity[] = ['must', 'should', 'info'];

/** One request and its answer, with the operation the request was for (when it was one). */
export interface JudgedExchange {
  method: string;
  url: string;
  /** The operation of the table the request was for, with its decoded path parameters. */
  op?: OperationMatch;
  request: {
    headers: Headers;
    /** The body as the rules read it: a JSON object, or a form through its operation's reading. */
    fields?: Record<string, unknown>;
  };
  status: number;
  headers: Headers;
  contentType: string;
  body: Uint8Array;
  /**
   * The sender meant this as a mistake (the checker knows; a proxy only knows what the rules refuse),
   * and the parameter whose refusal it expects.
   */
  declaredMistake?: { param?: string };
  /** The body was cut at a bound before it was judged: judgments of the whole body are not made. */
  truncated?: boolean;
  /**
   * When the request went out and its answer was in, in ms on one clock per session; without it the
   * exchanges are taken in the order they are judged. Rules that compare exchanges order them by it.
   */
  timing?: { sentAt: number; answeredAt: number };
}

/** What a judgment found: the check it reports, and what was wrong. */
export interface Finding {
  check: string;
  message: string;
}

/** One exchange seen on the wire (the validating proxy's view): request and response, bodies whole. */
export interface ObservedExchange {
  request: { method: string; url: string; headers: Headers; body: Uint8Array };
  response: { status: number; headers: Headers; body: Uint8Array };
  /** When it went out and its answer was in (JudgedExchange.timing). */
  timing?: { sentAt: number; answeredAt: number };
}

/** A rule an observed exchange broke: the check that judges it, and what was wrong. */
export interface Violation {
  check: string;
  severity: Severity;
  method: string;
  url: string;
  message: string;
}

/**
 * Judges traffic passively, with the same judgments the checks make. It keeps state across exchanges
 * (a job's life across its polls), so one judge watches one session of traffic.
 */
export interface TrafficJudge {
  observe(exchange: ObservedExchange): Promise<Violation[]>;
}

/**
 * A request body's fields as the rules read them: a JSON object as it is, a multipart form through
 * its operation's own reading (files included, as the mock reads them), anything else undefined.
 */
export function fieldsOf(op: OperationId | undefined, body: { json?: unknown; form?: FormData }): Record<string, unknown> | undefined {
  if (body.form) {
    const reading = op ? (OPERATIONS[op] as { body?: { fromForm?: (form: FormData) => Record<string, unknown> } }).body?.fromForm : undefined;
    if (reading) return reading(body.form);
    const fields: Record<string, unknown> = {};
    for (const [name, value] of body.form.entries()) if (typeof value === 'string') fields[name] = value;
    return fields;
  }
  const { json } = body;
  return json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
}
