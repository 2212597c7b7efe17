/**
 * curlOf: the commands are run for real, with `bash -c` and the system's curl, against an echo server
 * on 127.0.0.1, with the licence only in the environment (SORA_LICENSE). What arrives must be what was
 * recorded: method, URL, headers, body bytes, multipart fields and files; and nothing in a recorded
 * value may be interpreted by the shell.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { curlFiles, curlOf, headerVariable, shellQuote, shellQuoteWithLicense } from '../../src/conformance/curl.js';
import type { RecordedRequest } from '../../src/conformance/types.js';
import { encodePng } from '../../src/media/png.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server;
let origin: string;
let received: Received[] = [];
let cwd: string;

/** A licence that would break any careless quoting. */
const LICENCE = `sk-'quoted' "double" $HOME \`id\` $(touch licence-ran) !x \\ end`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cwd = mkdtempSync(join(tmpdir(), 'sora-kit-curl-'));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});
beforeEach(() => {
  received = [];
});

function bash(command: string, env: Record<string, string> = { SORA_LICENSE: LICENCE }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', ['-c', command], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Run the command and return the one request the echo server got. */
async function send(request: RecordedRequest): Promise<Received> {
  const { code, stdout, stderr } = await bash(curlOf(request));
  expect(code, `${curlOf(request)}\n${stderr}`).toBe(0);
  expect(stdout).toMatch(/^HTTP\/1\.1 200/); // -i: the status line is shown
  expect(received).toHaveLength(1);
  // Nothing of the recorded text ran as a command.
  expect(readdirSync(cwd).filter((f) => f.endsWith('-ran'))).toEqual([]);
  return received[0];
}

const NASTY = `it's a "test" with $HOME, \`id\`, $(touch body-ran), !! and \\n and a\nnewline, tabs\tand ünïcödé 🦊 ; | & > <script>`;

describe('curlOf, run with bash against an echo server', () => {
  it('a JSON POST: the licence from $SORA_LICENSE, headers and the body byte for byte', async () => {
    const body = JSON.stringify({ model: 'sora_image', prompt: NASTY, n: 1 });
    const request: RecordedRequest = {
      method: 'POST',
      url: `${origin}/sora/v1/images/generations`,
      headers: { authorization: '$SORA_LICENSE', 'content-type': 'application/json', 'x-odd': `a 'b' "c" $d \`e\`` },
      body,
    };
    const command = curlOf(request);
    expect(command).toContain(`-H "Authorization: $SORA_LICENSE"`);
    expect(command).toContain('--data-raw ');
    expect(command).not.toContain(LICENCE);
    const got = await send(request);
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/sora/v1/images/generations');
    expect(got.headers.authorization).toBe(LICENCE);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-odd']).toBe(`a 'b' "c" $d \`e\``);
    expect(got.body.toString('utf8')).toBe(body);
  });

  it('a GET with a URL holding quotes, $( ), [], {} and &, no body, no method flag', async () => {
    // Recorded as fetch sent it (the URL serialised by WHATWG rules: `'` kept in the path, [] and {} in the query).
    const url = new URL(`${origin}/sora/v1/videos/it's$(touch url-ran)/content?variant=video&x[]=1&q="here"&{a,b}`).href;
    const path = url.slice(origin.length);
    expect(path).toContain("/it's$(touch%20url-ran)/content?variant=video&x[]=1&q=%22here%22&{a,b}");
    const request: RecordedRequest = { method: 'GET', url, headers: { authorization: '$SORA_LICENSE' } };
    expect(curlOf(request)).not.toContain('-X');
    const got = await send(request);
    expect(got.method).toBe('GET');
    expect(got.url).toBe(path); // -g: curl does not glob [] and {}
    expect(got.headers.authorization).toBe(LICENCE);
    expect(got.body.length).toBe(0);
  });

  it('DELETE, a Bearer licence next to characters double quotes would expand, and an empty header', async () => {
    const request: RecordedRequest = {
      method: 'DELETE',
      url: `${origin}/sora/v1/videos/video_1`,
      headers: { Authorization: 'Bearer $SORA_LICENSE', 'X-Mixed': '$SORA_LICENSE and "$HOME" `id` !x', 'X-Empty': '' },
    };
    expect(shellQuoteWithLicense('Authorization: Bearer $SORA_LICENSE')).toBe('"Authorization: Bearer $SORA_LICENSE"');
    const got = await send(request);
    expect(got.method).toBe('DELETE');
    expect(got.headers.authorization).toBe(`Bearer ${LICENCE}`);
    expect(got.headers['x-mixed']).toBe(`${LICENCE} and "$HOME" \`id\` !x`);
    expect(got.headers['x-empty']).toBe('');
  });

  it('an extra header (--header) recorded as $SORA_HEADER_<NAME> expands from the environment beside the licence', async () => {
    const gatewayKey = `gw-'q' "d" $HOME \`id\` !x`;
    const request: RecordedRequest = {
      method: 'GET',
      url: `${origin}/sora/v1/models`,
      headers: { authorization: '$SORA_LICENSE', 'x-gateway-key': headerVariable('X-Gateway-Key'), 'x-note': "it's $SORA_HEADER_X_GATEWAY_KEY, isn't it" },
    };
    expect(request.headers['x-gateway-key']).toBe('$SORA_HEADER_X_GATEWAY_KEY');
    const { code, stderr } = await bash(curlOf(request), { SORA_LICENSE: LICENCE, SORA_HEADER_X_GATEWAY_KEY: gatewayKey });
    expect(code, stderr).toBe(0);
    expect(received[0].headers['x-gateway-key']).toBe(gatewayKey);
    expect(received[0].headers['x-note']).toBe(`it's ${gatewayKey}, isn't it`);
    expect(received[0].headers.authorization).toBe(LICENCE);
  });

  it('a wrong licence sent on purpose stays literal; a request without one sends none', async () => {
    let got = await send({ method: 'GET', url: `${origin}/sora/v1/models`, headers: { authorization: 'Bearer not-$SORA_LICENSEX-really' } });
    // The placeholder followed by a name character: `${SORA_LICENSE}X`, not the variable `SORA_LICENSEX`.
    expect(curlOf({ method: 'GET', url: origin, headers: { authorization: 'Bearer not-$SORA_LICENSEX-really' } })).toContain('"Authorization: Bearer not-${SORA_LICENSE}X-really"');
    expect(got.headers.authorization).toBe(`Bearer not-${LICENCE}X-really`);
    received = [];
    got = await send({ method: 'GET', url: `${origin}/sora/v1/models`, headers: { authorization: 'sk-wrong $(touch wrong-ran)' } });
    expect(got.headers.authorization).toBe('sk-wrong $(touch wrong-ran)');
    received = [];
    got = await send({ method: 'GET', url: `${origin}/sora/v1/models`, headers: {} });
    expect(got.headers.authorization).toBeUndefined();
  });

  it('invalid JSON with a NUL byte goes through printf and stdin, byte for byte', async () => {
    const body = `{"prompt": "nul \0 here", 100% \\x41 '\0'`;
    const request: RecordedRequest = { method: 'POST', url: `${origin}/sora/v1/videos`, headers: { authorization: '$SORA_LICENSE', 'content-type': 'application/json' }, body };
    expect(curlOf(request)).toContain('--data-binary @-');
    const got = await send(request);
    expect(got.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(got.headers['content-type']).toBe('application/json');
  });

  it('a body recorded without Content-Type arrives without one (curl adds none of its own)', async () => {
    const got = await send({ method: 'POST', url: `${origin}/sora/v1/videos`, headers: { authorization: '$SORA_LICENSE' }, body: 'a=b' });
    expect(got.headers['content-type']).toBeUndefined();
    expect(got.body.toString()).toBe('a=b');
  });

  it('a PUT with a body says -X PUT; a HEAD says --head', async () => {
    const got = await send({ method: 'PUT', url: `${origin}/x`, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(got.method).toBe('PUT');
    expect(got.body.toString()).toBe('{}');
    received = [];
    const head = curlOf({ method: 'HEAD', url: `${origin}/x`, headers: {} });
    expect(head).toContain('--head');
    const { code, stderr } = await bash(head);
    expect(code, stderr).toBe(0);
    expect(received.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('multipart: text fields literally (even @ and <), files from the current directory, curl making its own boundary', async () => {
    const png = encodePng({ width: 4, height: 3, data: new Uint8Array(4 * 3 * 3).fill(200) });
    writeFileSync(join(cwd, 'input.png'), png);
    writeFileSync(join(cwd, 'odd; name,"x".png'), png);
    const request: RecordedRequest = {
      method: 'POST',
      url: `${origin}/sora/v1/images/edits`,
      headers: { authorization: '$SORA_LICENSE', 'content-type': 'multipart/form-data; boundary=----recorded-boundary-123' },
      form: [
        { name: 'model', value: 'sora_image' },
        { name: 'prompt', value: NASTY },
        { name: 'at', value: '@/etc/passwd' },
        { name: 'lt', value: '</etc/passwd' },
        { name: 'typed', value: 'x;type=text/html' },
        { name: 'image[]', file: { filename: 'input.png', type: 'image/png', size: png.length } },
        { name: 'image[]', file: { filename: 'odd; name,"x".png', type: 'image/png', size: png.length } },
      ],
    };
    const command = curlOf(request);
    expect(command).toContain(`-F 'image[]=@input.png;type=image/png'`);
    expect(command).not.toContain('recorded-boundary');
    expect(curlFiles(request).map((f) => f.filename)).toEqual(['input.png', 'odd; name,"x".png']);
    const got = await send(request);
    expect(got.method).toBe('POST');
    expect(got.headers.authorization).toBe(LICENCE);
    const contentType = String(got.headers['content-type']);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(contentType).not.toContain('recorded-boundary');
    const form = await new Response(new Uint8Array(got.body), { headers: { 'content-type': contentType } }).formData();
    expect(form.get('model')).toBe('sora_image');
    expect(form.get('prompt')).toBe(NASTY);
    expect(form.get('at')).toBe('@/etc/passwd');
    expect(form.get('lt')).toBe('</etc/passwd');
    expect(form.get('typed')).toBe('x;type=text/html');
    const files = form.getAll('image[]') as File[];
    expect(files.map((f) => [f.name, f.type])).toEqual([
      ['input.png', 'image/png'],
      ['odd; name,"x".png', 'image/png'],
    ]);
    for (const file of files) expect(Buffer.from(await file.arrayBuffer()).equals(Buffer.from(png))).toBe(true);
    expect(existsSync(join(cwd, 'body-ran'))).toBe(false);
  });
});

describe('shellQuote', () => {
  it('bash reads back every string exactly (property, one bash for many words)', async () => {
    const words = fc.sample(
      fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0') && Buffer.from(s).toString() === s),
      { numRuns: 300, seed: 14 },
    );
    words.push('', "'", "''", '"', '$', '$SORA_LICENSE', '`', '\\', '!', '~', '*', '?', '[a]', '{a,b}', '-n', '#', ' ', '\n', '=x', 'a=b');
    const { code, stdout, stderr } = await bash(`printf '%s\\0' ${words.map(shellQuote).join(' ')}`, { SORA_LICENSE: 'must-not-appear' });
    expect(code, stderr).toBe(0);
    expect(stdout.split('\0').slice(0, -1)).toEqual(words);
  });

  it('leaves plainly safe words bare and quotes the rest', () => {
    expect(shellQuote('videos.content')).toBe('videos.content');
    expect(shellQuote('http://127.0.0.1:4010/sora/v1')).toBe('http://127.0.0.1:4010/sora/v1');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
    expect(shellQuote('~')).toBe(`'~'`);
  });
});
