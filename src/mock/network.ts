/**
 * Network faults: what happens to the connection rather than to the answer. `reset` cuts the
 * connection partway through the answer's body, `latency` holds the answer back before it starts,
 * `bandwidth` trickles its body. The mock decides (Prefer header, run-time faults, config faults; see
 * faults.ts) and records the decision, with its numbers resolved, on the journal entry (`network`);
 * the adapter that owns the transport enacts it: the Node server on the socket itself, msw with what
 * a Fetch `Response` can do (`shapeResponse` below). This table is the one place the kinds live: the
 * fault input, the `Prefer` syntax, the inspector and specs/mock.md derive from it.
 */
import { describeValue } from '../spec/rules.js';
import { sleep } from '../util/index.js';
import { badRequest } from './http.js';

/** `reset` without `bytes` cuts at this fraction of a declared Content-Length. */
export const RESET_AT = 0.6;
/** `reset` without `bytes` on an answer of unknown length (a stream) cuts after this many bytes. */
export const RESET_UNKNOWN_LENGTH_BYTES = 1024;
export const DEFAULT_LATENCY_MS = 2000;
export const DEFAULT_BANDWIDTH = 256 * 1024;

const NETWORK_TABLE = {
  reset: {
    param: 'bytes',
    effect: `the connection is destroyed after \`bytes\` bytes of the answer's body (default ${RESET_AT * 100} % of its Content-Length, ${RESET_UNKNOWN_LENGTH_BYTES} bytes of a stream)`,
  },
  latency: { param: 'ms', effect: `the answer starts after \`ms\` milliseconds (default ${DEFAULT_LATENCY_MS}, divided by the speed)` },
  bandwidth: {
    param: 'bytesPerSecond',
    effect: `the answer's body is sent at \`bytesPerSecond\` (default ${DEFAULT_BANDWIDTH / 1024} KiB/s, times the speed)`,
  },
} as const;

export type NetworkKind = keyof typeof NETWORK_TABLE;
export const NETWORK_KINDS = Object.keys(NETWORK_TABLE) as [NetworkKind, ...NetworkKind[]];
/** The numeric parameter of each kind, as the fault input and `Prefer` name it. */
export type NetworkParam = (typeof NETWORK_TABLE)[NetworkKind]['param'];
export const NETWORK_PARAMS = NETWORK_KINDS.map((k) => NETWORK_TABLE[k].param);

export const networkParam = (kind: NetworkKind): NetworkParam => NETWORK_TABLE[kind].param;
export const networkEffect = (kind: NetworkKind): string => NETWORK_TABLE[kind].effect;
export const isNetworkKind = (s: string): s is NetworkKind => Object.hasOwn(NETWORK_TABLE, s);

/** A network fault as chosen, before its numbers are resolved for one answer. */
export interface NetworkChoice {
  kind: NetworkKind;
  /** The kind's parameter when given (bytes, ms or bytesPerSecond). */
  value?: number;
}

/** What the adapter enacts, with every number resolved (defaults, speed). */
export type NetworkFault =
  | { kind: 'reset'; bytes: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'bandwidth'; bytesPerSecond: number };

/** The numbers of a chosen fault for one answer: the defaults filled in, time scaled by the mock's speed. */
export function resolveNetwork(choice: NetworkChoice, speed: number, contentLength: number | undefined): NetworkFault {
  switch (choice.kind) {
    case 'reset':
      return {
        kind: 'reset',
        bytes: choice.value ?? (contentLength === undefined ? RESET_UNKNOWN_LENGTH_BYTES : Math.floor(contentLength * RESET_AT)),
      };
    case 'latency':
      return { kind: 'latency', ms: (choice.value ?? DEFAULT_LATENCY_MS) / speed };
    case 'bandwidth':
      return { kind: 'bandwidth', bytesPerSecond: Math.max(1, Math.round((choice.value ?? DEFAULT_BANDWIDTH) * speed)) };
  }
}

/**
 * The network fault a `Prefer` header asks for: `Prefer: network=reset; bytes=4096` (RFC 7240 syntax,
 * a preference with a parameter). Throws 400 for an unknown kind or a parameter that is not a number.
 */
export function networkFromHeader(request: Request): NetworkChoice | undefined {
  const prefer = request.headers.get('prefer');
  if (!prefer || !prefer.includes('network')) return undefined;
  for (const preference of prefer.split(',')) {
    const [first, ...params] = preference.split(';');
    const m = /^\s*network\s*=\s*"?([^"\s]*)"?\s*$/i.exec(first);
    if (!m) continue;
    if (!isNetworkKind(m[1])) {
      throw badRequest(
        `Unknown network fault ${describeValue(m[1])} in the Prefer header; accepted: ${NETWORK_KINDS.join(', ')}.`,
        'Prefer',
        'unknown_network_fault',
      );
    }
    const kind = m[1];
    const param = networkParam(kind);
    for (const p of params) {
      const pm = /^\s*([A-Za-z]+)\s*=\s*"?([^"\s]*)"?\s*$/.exec(p);
      if (!pm || pm[1] !== param) continue;
      const value = Number(pm[2]);
      if (pm[2] === '' || !Number.isFinite(value) || value < 0 || (kind === 'bandwidth' && value < 1)) {
        throw badRequest(
          `Invalid ${param} ${describeValue(pm[2])} for network=${kind} in the Prefer header: expected a ${kind === 'bandwidth' ? 'positive' : 'non-negative'} number.`,
          'Prefer',
          'invalid_network_fault',
        );
      }
      return { kind, value };
    }
    return { kind };
  }
  return undefined;
}

/** Bandwidth is paced in slices of this many milliseconds (a chunk per slice). */
const SLICE_MS = 50;

/**
 * The closest a Fetch `Response` comes to a network fault, for adapters without a socket (msw):
 * `latency` resolves after the delay; `bandwidth` re-chunks the body and paces it; `reset` sends
 * `bytes` of the body and then errors the stream, so the reader gets a short body and an error (with
 * `bytes` 0, a network error: `Response.error()`). Unlike a real reset, the status and headers (a
 * Content-Length the body never reaches) always arrive first.
 */
export async function shapeResponse(response: Response, fault: NetworkFault, signal?: AbortSignal): Promise<Response> {
  if (fault.kind === 'latency') {
    await sleep(fault.ms, signal);
    return response;
  }
  if (fault.kind === 'reset' && fault.bytes === 0) {
    void response.body?.cancel().catch(() => undefined);
    return Response.error();
  }
  if (!response.body) return response;
  const reader = response.body.getReader();
  let pending: Uint8Array = new Uint8Array(0);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending.byteLength === 0) {
        const next = await reader.read();
        if (next.done) return controller.close();
        pending = next.value;
      }
      if (fault.kind === 'reset') {
        // Errored on the pull after the last piece, a task later: erroring a stream drops what is still
        // queued in it, and msw's interceptor passes each piece on a few promise turns behind.
        if (sent >= fault.bytes) {
          void reader.cancel().catch(() => undefined);
          await sleep(0);
          return controller.error(new TypeError(`network fault reset: the connection was cut after ${sent} bytes`));
        }
        const left = fault.bytes - sent;
        const piece = pending.subarray(0, left);
        pending = pending.subarray(piece.byteLength);
        sent += piece.byteLength;
        if (piece.byteLength > 0) controller.enqueue(piece);
        return;
      }
      const size = Math.max(1, Math.floor((fault.bytesPerSecond * SLICE_MS) / 1000));
      const piece = pending.subarray(0, size);
      pending = pending.subarray(piece.byteLength);
      await sleep((piece.byteLength / fault.bytesPerSecond) * 1000, signal);
      controller.enqueue(piece);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const headers = new Headers(response.headers);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
