/**
 * A deliberately broken deployment for tests: a node:http proxy in front of the clean mock that
 * alters requests and responses. The Host header is forwarded unchanged, so the links the mock writes
 * point back at the proxy and media downloads are altered too. Responses are buffered whole (streams
 * included): the deviations rewrite them as text.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ProxyResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /**
   * Send the body with chunked transfer encoding instead of Content-Length: in these pieces when
   * given (`chunks`, which then replace `body` on the wire), else in pieces of about 4 KiB.
   */
  chunked?: boolean;
  chunks?: Buffer[];
}

/** Forward a request to the upstream as it stands (for `serve`). */
export type Upstream = (req: ProxyRequest) => Promise<ProxyResponse>;

export interface Deviation {
  request?: (req: ProxyRequest) => ProxyRequest | Promise<ProxyRequest>;
  response?: (res: ProxyResponse, req: ProxyRequest) => ProxyResponse | Promise<ProxyResponse>;
  /** Never answer requests this matches (a deployment that stops answering). */
  hang?: (req: ProxyRequest) => boolean;
  /**
   * Answer a request here instead of forwarding it (routes of the deployment's own, e.g. a redirect
   * target), after `request` ran; `undefined` forwards as usual. `response` still applies.
   */
  serve?: (req: ProxyRequest, upstream: Upstream) => ProxyResponse | undefined | Promise<ProxyResponse | undefined>;
}

/** What the proxy did: how many exchanges went through it and how many the deviation changed. */
export interface ProxyStats {
  requests: number;
  /** Requests or responses the deviation changed (or answered itself, or left hanging). */
  altered: number;
  /** `METHOD path` of the first altered exchanges (at most 20), for reports. */
  alteredSamples: string[];
}

export interface Proxy {
  url: string;
  stats: ProxyStats;
  close(): Promise<void>;
}

const sameRequest = (a: ProxyRequest, b: ProxyRequest) =>
  a === b || (a.method === b.method && a.path === b.path && a.body.equals(b.body) && JSON.stringify(a.headers) === JSON.stringify(b.headers));
const sameResponse = (a: ProxyResponse, b: ProxyResponse) =>
  a === b || (a.status === b.status && a.body.equals(b.body) && JSON.stringify(a.headers) === JSON.stringify(b.headers) && !b.chunked && !b.chunks);

function read(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(upstream: URL, req: ProxyRequest): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, 'content-length': String(req.body.length) };
    delete headers['transfer-encoding'];
    // A connection per request (agent: false, no keep-alive): Node's global agent keeps sockets alive,
    // and one the upstream closes at its keep-alive timeout just as it is reused fails the request
    // (ECONNRESET), which this helper would answer 502: a flake that is neither the deployment's nor the judge's.
    delete headers.connection;
    delete (headers as Record<string, unknown>)['keep-alive'];
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.path, headers, agent: false }, (res) => {
      read(res).then((body) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body }), reject);
    });
    out.on('error', reject);
    out.end(req.body);
  });
}

export async function startProxy(upstreamUrl: string, deviation: Deviation): Promise<Proxy> {
  const upstream = new URL(upstreamUrl);
  const stats: ProxyStats = { requests: 0, altered: 0, alteredSamples: [] };
  const server = createServer(async (incoming, outgoing) => {
    try {
      const original: ProxyRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: { ...incoming.headers }, body: await read(incoming) };
      let req = original;
      stats.requests++;
      let altered = false;
      const mark = () => {
        if (altered) return;
        altered = true;
        stats.altered++;
        if (stats.alteredSamples.length < 20) stats.alteredSamples.push(`${original.method} ${original.path.slice(0, 120)}`);
      };
      if (deviation.hang?.(req)) return mark();
      if (deviation.request) req = await deviation.request(req);
      if (!sameRequest(original, req)) mark();
      const served = deviation.serve ? await deviation.serve(req, (r) => forward(upstream, r)) : undefined;
      if (served) mark();
      const fetched = served ?? (await forward(upstream, req));
      let res = fetched;
      if (deviation.response) res = await deviation.response(res, req);
      if (!sameResponse(fetched, res)) mark();
      const headers: IncomingHttpHeaders = { ...res.headers };
      delete headers['transfer-encoding'];
      delete headers['content-length'];
      if (res.chunked || res.chunks) {
        // No Content-Length: Node sends Transfer-Encoding: chunked, one chunk per write.
        outgoing.writeHead(res.status, headers);
        const pieces = res.chunks ?? Array.from({ length: Math.ceil(res.body.length / 4096) }, (_, i) => res.body.subarray(i * 4096, (i + 1) * 4096));
        for (const piece of pieces) if (piece.length) outgoing.write(piece);
        outgoing.end();
        return;
      }
      outgoing.writeHead(res.status, { ...headers, 'content-length': String(res.body.length) });
      outgoing.end(res.body);
    } catch (error) {
      outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`proxy failed: ${String(error)}`);
    }
  });
  // Idle connections stay open for the whole run (close() ends them): the judging proxy in front
  // (src/proxy) reuses them, and one that node:http's default 5 s closes as a request goes out on it
  // is an ECONNRESET the proxy answers 502, often enough on a loaded machine to fail the run.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/* Body rewriting shared by the deviations. */

export function isJson(headers: IncomingHttpHeaders): boolean {
  return /json/i.test(String(headers['content-type'] ?? ''));
}

/**
 * Apply `edit` to the fields of a JSON or multipart request body; files in a form are kept. The form
 * is re-encoded by the Fetch API, which picks a new boundary, so the content type is replaced too.
 */
export async function editFields(req: ProxyRequest, edit: (fields: Record<string, unknown>) => void): Promise<ProxyRequest> {
  const type = String(req.headers['content-type'] ?? '');
  if (/json/i.test(type)) {
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return req;
    }
    if (fields === null || typeof fields !== 'object') return req;
    const before = JSON.stringify(fields);
    edit(fields);
    // Unchanged fields leave the request as it came (so the proxy does not count it as altered).
    return JSON.stringify(fields) === before ? req : { ...req, body: Buffer.from(JSON.stringify(fields)) };
  }
  if (/multipart\/form-data/i.test(type)) {
    const form = await new Request('http://proxy.invalid/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(req.body) }).formData();
    const fields: Record<string, unknown> = {};
    const files: Array<[string, File]> = [];
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else files.push([name, value]);
    }
    const before = JSON.stringify(fields);
    edit(fields);
    if (JSON.stringify(fields) === before) return req;
    const rebuilt = new FormData();
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) rebuilt.append(name, String(value));
    for (const [name, file] of files) rebuilt.append(name, file);
    const encoded = new Response(rebuilt);
    return { ...req, headers: { ...req.headers, 'content-type': encoded.headers.get('content-type') ?? type }, body: Buffer.from(await encoded.arrayBuffer()) };
  }
  return req;
}

/** Rewrite a text response body. */
export function editText(res: ProxyResponse, edit: (text: string) => string): ProxyResponse {
  return { ...res, body: Buffer.from(edit(res.body.toString('utf8'))) };
}

/** Rewrite a JSON response body (the edit may change the value in place or return a new one). */
export function editJson(res: ProxyResponse, edit: (value: any) => unknown): ProxyResponse {
  let value: unknown;
  try {
    value = JSON.parse(res.body.toString('utf8'));
  } catch {
    return res;
  }
  const edited = edit(value);
  return { ...res, body: Buffer.from(JSON.stringify(edited === undefined ? value : edited)) };
}

/**
 * Apply `edit` to a multipart request's text fields and files (both editable: add, change, delete).
 * JSON and other bodies are returned unchanged.
 */
export async function editForm(req: ProxyRequest, edit: (fields: Record<string, string>, files: Array<[string, File]>) => void): Promise<ProxyRequest> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/multipart\/form-data/i.test(type)) return req;
  const form = await new Request('http://proxy.invalid/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(req.body) }).formData();
  const fields: Record<string, string> = {};
  const files: Array<[string, File]> = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields[name] = value;
    else files.push([name, value]);
  }
  const before = JSON.stringify([fields, files.map(([n, f]) => [n, f.name, f.size])]);
  edit(fields, files);
  if (JSON.stringify([fields, files.map(([n, f]) => [n, f.name, f.size])]) === before) return req;
  const rebuilt = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) rebuilt.append(name, value);
  for (const [name, file] of files) rebuilt.append(name, file);
  const encoded = new Response(rebuilt);
  return { ...req, headers: { ...req.headers, 'content-type': encoded.headers.get('content-type') ?? type }, body: Buffer.from(await encoded.arrayBuffer()) };
}
