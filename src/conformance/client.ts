/**
 * The runner's HTTP client. Every request has a timeout (a deployment that stops answering must not
 * hang the run), 429s are retried politely honouring `Retry-After` up to a cap, and every exchange is
 * recorded so a failure can show what was sent and what came back, and so the final checks can scan
 * the whole run (no 5xx or HTML for a client mistake).
 */
import { describeBytes, readLimited, sleep } from '../util/index.js';
import { createParser } from 'eventsource-parser';
import pLimit, { type LimitFunction } from 'p-limit';
import { OPERATIONS, type Feature } from '../spec/operations.js';
import { operationOfUrl } from '../spec/paths.js';
import { LICENSE_VARIABLE, headerVariable } from './curl.js';
import { excerpt, jsonOf } from './judge.js';
import { readChatEvents, type ChatEvents } from './sse.js';
import { CheckFailure, CheckSkipped, type MediaEvidence, type RecordedRequest, type ResolvedRunOptions } from './types.js';

export type AuthMode = 'raw' | 'bearer' | 'none' | { header: string };

export interface RequestSpec {
  method?: string;
  /** Relative to the API root (`/videos`), or an absolute URL (media links). */
  path: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: FormData;
  /** A body sent verbatim as `application/json` (invalid JSON probes). */
  rawJson?: string;
  /** How the licence is sent; default the seed's form `Authorization: <licence>`. */
  auth?: AuthMode;
  /** The request is a deliberate client mistake: the deployment should answer 4xx with an envelope. */
  mistake?: boolean;
  /** For a mistake in one parameter: the parameter a refusal's `error.param` should name. */
  param?: string;
  /** The request makes media (an image, a chat stream): it waits for a slot of the run's generation limit. */
  generation?: boolean;
}

export interface Exchange {
  checkId: string;
  mistake: boolean;
  /** The parameter a refusal of this mistake should name (RequestSpec.param). */
  param?: string;
  /** How the licence was sent. */
  auth: AuthMode;
  /** `json` is the JSON body or a form's text fields; `form` the multipart body as sent. */
  request: { method: string; url: string; bodyExcerpt: string; recorded: RecordedRequest; json?: unknown; form?: FormData };
  status: number;
  headers: Headers;
  contentType: string;
  body: Uint8Array;
  durationMs: number;
  /** When the request went out (performance.now()); its answer was in durationMs later. */
  sentAt: number;
}

export interface SseResult {
  exchange: Exchange;
  /** `data:` payloads in order. */
  data: string[];
  /** Comment lines (`: keep-alive`) are counted, not kept. */
  comments: number;
}

/** No response at all: refused, reset, timed out. Fails the check that asked. */
export class TransportError extends CheckFailure {}

/** An answer larger than the run reads: its message says which cap, and that the rest was not read. */
export class BodyLimitError extends Error {
  override readonly name = 'BodyLimitError';
}

/** How much of one body a run reads: the cap and the flag that sets it, for the message. */
export interface BodyLimit {
  maxBytes: number;
  flag: string;
  /** `the answer`, `the stream`. */
  what: string;
}

/** The cap of an answer read whole (`maxBodyBytes`). */
export const answerLimit = (maxBytes: number): BodyLimit => ({ maxBytes, flag: '--max-body-bytes', what: 'the answer' });

/**
 * A response's body as it arrives, after fetch decompressed it, up to `limit.maxBytes`: past that the
 * rest is cancelled (the connection closes, nothing more is inflated) and BodyLimitError says so. A
 * deployment's gzip bomb or endless stream costs the run at most the cap.
 */
export async function readBody(response: Response, limit: BodyLimit, onChunk?: (chunk: Uint8Array) => void): Promise<Uint8Array> {
  const body = await readLimited(response, limit.maxBytes, onChunk);
  if (body !== 'too_large') return body;
  const inflated = response.headers.has('content-encoding') ? ' after decompression' : '';
  throw new BodyLimitError(
    `${response.status} ${response.headers.get('content-type') ?? '(no content-type)'}: ${limit.what} exceeded ${describeBytes(limit.maxBytes)}${inflated} (${limit.flag}); sora-kit stops reading there`,
  );
}

/**
 * Why a request got no HTTP answer, in words: a refused connection (nothing listens there) is told
 * apart from a timeout (something listens but does not answer) and from the rest (DNS, resets, TLS).
 */
export function noAnswer(error: unknown, url: string, timeoutMs: number): string {
  // undici's `fetch failed` carries the socket's error as its cause (an AggregateError when several addresses were tried).
  const cause = error instanceof Error ? (error.cause as (Error & { code?: string; errors?: Array<{ code?: string }> }) | undefined) : undefined;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (error instanceof Error && error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms (--timeout): the connection was accepted but no answer came`;
  if (code === 'ECONNREFUSED') return `connection refused by ${new URL(url).host}: is the deployment running, and is its base URL right?`;
  return error instanceof Error ? `${error.message}${cause instanceof Error ? ` (${cause.message})` : ''}` : String(error);
}

const decoder = new TextDecoder();

export function bodyText(exchange: Exchange): string {
  return decoder.decode(exchange.body);
}

/** The body as JSON, or undefined when it is not JSON. */
export function bodyJson(exchange: Exchange): unknown {
  return jsonOf(exchange.body);
}

/** A body worth showing as text (an API answer, an error page), not as a byte count (media). */
export function isTextual(contentType: string): boolean {
  return contentType === '' || /json|text|html|xml|event-stream/i.test(contentType);
}

export { excerpt };

/** `POST url body` / `-> status type body`, for failure messages. */
export function describeExchange(exchange: Exchange): string {
  const { request } = exchange;
  const sent = request.bodyExcerpt ? ` ${request.bodyExcerpt}` : '';
  const shown = isTextual(exchange.contentType)
    ? excerpt(bodyText(exchange))
    : `<${exchange.body.length} bytes>`;
  return `${request.method} ${request.url}${sent}\n  -> ${exchange.status} ${exchange.contentType || '(no content-type)'} ${shown}`;
}

/** A request's method: its own, else POST when it has a body. */
function methodOf(spec: RequestSpec): string {
  return spec.method ?? (spec.form || spec.json !== undefined || spec.rawJson !== undefined ? 'POST' : 'GET');
}

function describeBody(spec: RequestSpec): string {
  if (spec.rawJson !== undefined) return excerpt(spec.rawJson, 120);
  if (spec.json !== undefined) return excerpt(JSON.stringify(spec.json, (_, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…` : v)), 200);
  if (spec.form) {
    const parts = [...spec.form.entries()].map(([k, v]) => (typeof v === 'string' ? `${k}=${excerpt(v, 40)}` : `${k}=@${v.name}(${v.size} bytes)`));
    return `multipart {${parts.join(', ')}}`;
  }
  return '';
}

/** `Retry-After` is delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}


interface SharedState {
  exchanges: Exchange[];
  /** Generations in flight at once: `--concurrency`. */
  generations: LimitFunction;
  auth?: AuthMode;
  /** Add-ons the licence lacks, each with how that is known (ConformanceSession.probe). */
  lacking?: ReadonlyMap<Feature, string>;
}


/**
 * The request as sent, for reports and curl: headers with the secrets replaced (the licence by
 * `$SORA_LICENSE`, an extra header's value by its `$SORA_HEADER_<NAME>`), the body as text or form fields.
 */
function recordRequest(method: string, url: string, headers: Headers, spec: RequestSpec, license: string, extra: Readonly<Record<string, string>>): RecordedRequest {
  const shown: Record<string, string> = {};
  const secrets = new Map(Object.entries(extra).map(([name, value]) => [name.toLowerCase(), value]));
  headers.forEach((value, name) => {
    if (secrets.get(name) === value) shown[name] = headerVariable(name);
    else shown[name] = license ? value.split(license).join(LICENSE_VARIABLE) : value;
  });
  const recorded: RecordedRequest = { method, url, headers: shown };
  if (spec.rawJson !== undefined) recorded.body = spec.rawJson;
  else if (spec.json !== undefined) recorded.body = JSON.stringify(spec.json);
  if (spec.form) {
    recorded.form = [...spec.form.entries()].map(([name, value]) =>
      typeof value === 'string' ? { name, value } : { name, file: { filename: value.name, type: value.type, size: value.size } },
    );
  }
  return recorded;
}

export class ConformanceClient {
  readonly exchanges: Exchange[];
  /**
   * How requests send the licence unless they say: the seed's raw form, or Bearer when the pre-flight
   * found only that accepted (then `auth.raw-license` reports it and the rest of the run still judges).
   */
  get defaultAuth(): AuthMode {
    return this.shared.auth ?? 'raw';
  }

  set defaultAuth(mode: AuthMode) {
    this.shared.auth = mode;
  }

  /** Media this client's check downloaded and judged, in order (see media.ts). */
  readonly media: MediaEvidence[] = [];

  constructor(
    readonly options: Pick<
      ResolvedRunOptions,
      'baseUrl' | 'origin' | 'license' | 'timeoutMs' | 'maxWaitSeconds' | 'maxRetries' | 'maxRetryAfterSeconds' | 'maxBodyBytes' | 'maxStreamBytes' | 'fetch'
    > &
      Partial<Pick<ResolvedRunOptions, 'concurrency' | 'headers'>>,
    readonly checkId = '',
    private readonly shared: SharedState = { exchanges: [], generations: pLimit(options.concurrency ?? 4) },
  ) {
    this.exchanges = shared.exchanges;
  }

  /** Add-ons the licence lacks (set once the pre-flight knows): requests that need one are not sent, their check is skipped. */
  set lackingAddOns(lacking: ReadonlyMap<Feature, string>) {
    this.shared.lacking = lacking;
  }

  /** The same client, recording exchanges under another check id. */
  forCheck(checkId: string): ConformanceClient {
    return new ConformanceClient(this.options, checkId, this.shared);
  }

  /**
   * Run one generation (a video job from create to its final status) within the run's limit of
   * generations at once; independent generations of every check share it.
   */
  generating<T>(work: () => Promise<T>): Promise<T> {
    return this.shared.generations(work);
  }

  url(path: string): string {
    return /^https?:\/\//i.test(path) ? path : `${this.options.baseUrl}${path}`;
  }

  private init(spec: RequestSpec, signal: AbortSignal): RequestInit {
    const url = this.url(spec.path);
    // A licence and the extra headers go only to the deployment itself, never to a media host elsewhere.
    const sameOrigin = new URL(url).origin === this.options.origin;
    const headers = new Headers(sameOrigin ? this.options.headers : undefined);
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers.set(name, value);
    const auth = spec.auth ?? this.defaultAuth;
    if (sameOrigin && auth !== 'none') {
      if (auth === 'raw') headers.set('authorization', this.options.license);
      else if (auth === 'bearer') headers.set('authorization', `Bearer ${this.options.license}`);
      else headers.set('authorization', auth.header);
    }
    let body: BodyInit | undefined;
    if (spec.form) body = spec.form;
    else if (spec.rawJson !== undefined || spec.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = spec.rawJson ?? JSON.stringify(spec.json);
    }
    return { method: methodOf(spec), headers, body, signal, redirect: 'follow' };
  }

  /**
   * The add-on a request needs and the licence lacks, with how that is known; only for requests that
   * carry the licence (one without it, or with another key, is answered 401 whatever the add-ons).
   */
  private lackedAddOn(spec: RequestSpec, url: string): string | undefined {
    const lacking = this.shared.lacking;
    const auth = spec.auth ?? this.defaultAuth;
    if (!lacking?.size || (auth !== 'raw' && auth !== 'bearer')) return undefined;
    const op = operationOfUrl(methodOf(spec), url, this.options.baseUrl);
    const feature = op && OPERATIONS[op.id].feature;
    const known = feature && lacking.get(feature);
    return known ? `needs the '${feature}' add-on, which the licence does not have (${known})` : undefined;
  }

  private async send(spec: RequestSpec, read: (response: Response, started: number) => Promise<Exchange>, signalFor: () => { signal: AbortSignal; reason: () => string }): Promise<Exchange> {
    const url = this.url(spec.path);
    // Never the deployment's fault: a 403 feature_not_enabled judged as a failure would say it is.
    const lacked = this.lackedAddOn(spec, url);
    if (lacked) throw new CheckSkipped(lacked);
    for (let attempt = 0; ; attempt++) {
      const { signal, reason } = signalFor();
      const init = this.init(spec, signal);
      const started = performance.now();
      let exchange: Exchange;
      try {
        const response = await this.options.fetch(url, init);
        exchange = await read(response, started);
        exchange.request.recorded = recordRequest(init.method!, url, init.headers as Headers, spec, this.options.license, this.options.headers ?? {});
      } catch (error) {
        // An answer came, too large to read: not a transport failure, and never retried.
        if (error instanceof BodyLimitError) throw new CheckFailure(`${init.method} ${url} ${describeBody(spec)}\n  -> ${error.message}`);
        const what = signal.aborted ? reason() : noAnswer(error, url, this.options.timeoutMs);
        throw new TransportError(`${init.method} ${url} ${describeBody(spec)}\n  -> no response: ${what}`);
      }
      this.exchanges.push(exchange);
      if (exchange.status !== 429 || attempt >= this.options.maxRetries) return exchange;
      const asked = retryAfterMs(exchange.headers.get('retry-after')) ?? 1000 * 2 ** attempt;
      await sleep(Math.min(asked, this.options.maxRetryAfterSeconds * 1000));
    }
  }

  private exchangeOf(spec: RequestSpec, response: Response, body: Uint8Array, started: number): Exchange {
    const method = methodOf(spec);
    return {
      checkId: this.checkId,
      mistake: spec.mistake ?? false,
      param: spec.param,
      auth: spec.auth ?? this.defaultAuth,
      // `recorded` is filled in by send(), which has the headers as sent.
      request: { method, url: this.url(spec.path), bodyExcerpt: describeBody(spec), recorded: { method, url: this.url(spec.path), headers: {} }, json: spec.json ?? formJson(spec.form), form: spec.form },
      status: response.status,
      headers: response.headers,
      contentType: response.headers.get('content-type') ?? '',
      body,
      durationMs: performance.now() - started,
      sentAt: started,
    };
  }

  /** One request, body read whole (up to `maxBodyBytes`), within the per-request timeout. */
  request(spec: RequestSpec): Promise<Exchange> {
    if (spec.generation) return this.generating(() => this.request({ ...spec, generation: false }));
    const { timeoutMs, maxBodyBytes } = this.options;
    return this.send(
      spec,
      async (response, started) => this.exchangeOf(spec, response, await readBody(response, answerLimit(maxBodyBytes)), started),
      () => ({ signal: AbortSignal.timeout(timeoutMs), reason: () => `no complete answer within ${timeoutMs} ms (--timeout)` }),
    );
  }

  /**
   * A server-sent-events request read to its end. Silence longer than the per-request timeout aborts
   * it (keep-alive comments count as life), and so does a stream longer than `maxWaitSeconds` or
   * larger than `maxStreamBytes`.
   */
  async sse(spec: RequestSpec, onData?: (data: string) => void): Promise<SseResult> {
    if (spec.generation) return this.generating(() => this.sse({ ...spec, generation: false }, onData));
    const { timeoutMs, maxWaitSeconds, maxStreamBytes } = this.options;
    const limit: BodyLimit = { maxBytes: maxStreamBytes, flag: '--max-stream-bytes', what: 'the stream' };
    const data: string[] = [];
    let comments = 0;
    let controller!: AbortController;
    let why = '';
    let idle: ReturnType<typeof setTimeout> | undefined;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        why = `the stream was silent for ${timeoutMs} ms (--timeout)`;
        controller.abort();
      }, timeoutMs);
    };
    try {
      const exchange = await this.send(
        spec,
        async (response, started) => {
          const parser = createParser({
            onEvent: (event) => {
              data.push(event.data);
              onData?.(event.data);
            },
            onComment: () => void comments++,
          });
          const streamDecoder = new TextDecoder();
          const body = await readBody(response, limit, (chunk) => {
            arm();
            parser.feed(streamDecoder.decode(chunk, { stream: true }));
          });
          return this.exchangeOf(spec, response, body, started);
        },
        () => {
          controller = new AbortController();
          data.length = 0;
          why = '';
          clearTimeout(deadline);
          deadline = setTimeout(() => {
            why = `the stream did not end within ${maxWaitSeconds} s (the run's longest wait)`;
            controller.abort();
          }, maxWaitSeconds * 1000);
          arm();
          return { signal: controller.signal, reason: () => why };
        },
      );
      return { exchange, data: [...data], comments };
    } finally {
      clearTimeout(idle);
      clearTimeout(deadline);
    }
  }
}

/** A form's text fields as an object (what the rules read from a multipart body); files are left out. */
function formJson(form: FormData | undefined): Record<string, string> | undefined {
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value;
  return fields;
}

/** A chat stream as the run read it: its events, judged by sse.ts, and the exchange that brought them. */
export interface ChatStream extends ChatEvents {
  sse: SseResult;
}

export function readChatStream(sse: SseResult): ChatStream {
  return { sse, ...readChatEvents(sse.data) };
}
