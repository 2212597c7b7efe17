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
}

export interface Deviation {
  request?: (req: ProxyRequest) => ProxyRequest | Promise<ProxyRequest>;
  response?: (res: ProxyResponse, req: ProxyRequest) => ProxyResponse | Promise<ProxyResponse>;
  /** Never answer requests this matches (a deployment that stops answering). */
  hang?: (req: ProxyRequest) => boolean;
}

export interface Proxy {
  url: string;
  close(): Promise<void>;
}

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
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.path, headers }, (res) => {
      read(res).then((body) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body }), reject);
    });
    out.on('error', reject);
    out.end(req.body);
  });
}

export async function startProxy(upstreamUrl: string, deviation: Deviation): Promise<Proxy> {
  const upstream = new URL(upstreamUrl);
  const server = createServer(async (incoming, outgoing) => {
    try {
      let req: ProxyRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: { ...incoming.headers }, body: await read(incoming) };
      if (deviation.hang?.(req)) return;
      if (deviation.request) req = await deviation.request(req);
      let res = await forward(upstream, req);
      if (deviation.response) res = await deviation.response(res, req);
      const headers = { ...res.headers, 'content-length': String(res.body.length) };
      delete headers['transfer-encoding'];
      outgoing.writeHead(res.status, headers);
      outgoing.end(res.body);
    } catch (error) {
      outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`proxy failed: ${String(error)}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
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
    edit(fields);
    return { ...req, body: Buffer.from(JSON.stringify(fields)) };
  }
  if (/multipart\/form-data/i.test(type)) {
    const form = await new Request('http://proxy.invalid/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(req.body) }).formData();
    const fields: Record<string, unknown> = {};
    const files: Array<[string, File]> = [];
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else files.push([name, value]);
    }
    edit(fields);
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
