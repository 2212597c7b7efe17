/**
 * The curl examples of the platform document, kept as data in fixtures/seed/curl-examples.json, sent
 * with the real curl against the mock exactly as the document writes them (--location, every header as
 * written, --data-raw or --form fields in order): only the placeholders are filled in (address, licence,
 * video id, the image path and the "url or base64" of the image-to-image example).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectMedia } from '../../src/media/index.js';
import { FIXTURE_JPEG, FIXTURE_PNG, LICENCE, SEED_CURL_EXAMPLES, serve, sseData, type Served } from './support.js';

const run = promisify(execFile);

interface SeedExample {
  name: string;
  method: string;
  path: string;
  headers: [string, string][];
  body?: { kind: 'json'; text: string } | { kind: 'multipart'; fields: ({ name: string; value: string } | { name: string; file: string })[] };
}

const seed = JSON.parse(readFileSync(SEED_CURL_EXAMPLES, 'utf8')) as { basePath: string; examples: SeedExample[] };

let served: Served;
let examples: Map<string, SeedExample>;

beforeAll(async () => {
  served = await serve({ instant: true });
  examples = new Map(seed.examples.map((e) => [e.name, e]));
});
afterAll(() => served.server.close());

/** curl's argv for an example, placeholders filled: `--form` values quoted as the document quotes them. */
function curlArgs(example: SeedExample, videoId?: string): string[] {
  const dataUri = `data:image/png;base64,${readFileSync(FIXTURE_PNG).toString('base64')}`;
  const fill = (text: string) => {
    let filled = text.replaceAll('<你的许可证>', LICENCE).replaceAll('/path/to/example.jpg', FIXTURE_JPEG).replaceAll('url或者base64', dataUri);
    if (videoId) filled = filled.replaceAll('{video_id}', videoId);
    expect(filled, 'a placeholder was left unfilled').not.toMatch(/<你的|\{video_id\}|\/path\/to\/|url或者base64/);
    return filled;
  };
  const args = ['--silent', '--show-error', '--location', '--request', example.method, fill(`${served.url}${seed.basePath}${example.path}`)];
  for (const [name, value] of example.headers) args.push('--header', `${name}: ${fill(value)}`);
  if (example.body?.kind === 'json') args.push('--data-raw', fill(example.body.text));
  if (example.body?.kind === 'multipart') {
    for (const field of example.body.fields) {
      args.push('--form', 'file' in field ? `${field.name}=@"${fill(field.file)}"` : `${field.name}="${fill(field.value)}"`);
    }
  }
  return args;
}

async function curl(name: string, videoId?: string): Promise<Buffer> {
  const example = examples.get(name);
  if (!example) throw new Error(`no seed example '${name}'`);
  const { stdout } = await run('curl', curlArgs(example, videoId), { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

function streamedText(body: Buffer): string {
  const data = sseData(body.toString('utf8'));
  expect(data.at(-1)).toBe('[DONE]');
  return data
    .slice(0, -1)
    .map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
    .join('');
}

describe('the seed curl examples', () => {
  it('are all in the fixture: every endpoint of the document, with its licence header', () => {
    expect(seed.examples.map((e) => `${e.method} ${e.path}`).sort()).toEqual(
      [
        'GET /videos/{video_id}',
        'GET /videos/{video_id}/content',
        'POST /chat/completions',
        'POST /chat/completions',
        'POST /images/edits',
        'POST /images/generations',
        'POST /videos',
        'POST /videos/{video_id}/remix',
      ].sort(),
    );
    for (const e of seed.examples) expect(e.headers, e.name).toContainEqual(['Authorization', '<你的许可证>']);
  });

  it('chat text-to-image streams a markdown image', async () => {
    const text = streamedText(await curl('chat text-to-image'));
    expect(text).toMatch(/!\[[^\]]*\]\(http:\/\/127\.0\.0\.1:\d+\/[^)]+\)/);
  });

  it('chat image-to-image with a base64 image streams a markdown image', async () => {
    const text = streamedText(await curl('chat image-to-image'));
    expect(text).toMatch(/!\[[^\]]*\]\(http:\/\/127\.0\.0\.1:\d+\/[^)]+\)/);
  });

  it('images generations and edits answer with image data', async () => {
    for (const key of ['images generations', 'images edits']) {
      const body = JSON.parse((await curl(key)).toString('utf8')) as { data: { url: string }[] };
      expect(body, `${key}: ${JSON.stringify(body)}`).toHaveProperty('data');
      expect(body.data.length).toBeGreaterThan(0);
      const image = new Uint8Array(await (await fetch(body.data[0].url)).arrayBuffer());
      expect(await inspectMedia(image)).toMatchObject({ kind: 'image', mime: 'image/png' });
    }
  });

  it('video create, status, remix and content work in sequence', async () => {
    const created = JSON.parse((await curl('videos create')).toString('utf8')) as {
      id: string;
      size: string;
    };
    expect(created.id, JSON.stringify(created)).toEqual(expect.any(String));
    expect(created.size).toBe('720x1280');

    const status = JSON.parse((await curl('videos retrieve', created.id)).toString('utf8'));
    expect(status).toMatchObject({ id: created.id, status: 'completed' });

    const remix = JSON.parse((await curl('videos remix', created.id)).toString('utf8'));
    expect(remix).toMatchObject({ remixed_from_video_id: created.id });

    const mp4 = await curl('videos content', created.id);
    expect(await inspectMedia(new Uint8Array(mp4))).toMatchObject({ kind: 'video', codec: 'h264', width: 720, height: 1280 });
  });
});
