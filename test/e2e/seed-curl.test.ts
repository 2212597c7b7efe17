/**
 * The curl examples of the platform document (../shared/seed/sora-platform.md), run as written with the
 * real curl against the mock: only the placeholders are filled in (address, licence, video id, the
 * image path and the "url or base64" of the image-to-image example).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectMedia } from '../../src/media/index.js';
import { FIXTURE_JPEG, FIXTURE_PNG, LICENCE, SEED_DOC, serve, sseData, type Served } from './support.js';

const run = promisify(execFile);

/** The ```bash blocks of the seed, in document order. */
function seedCurlExamples(): string[] {
  const doc = readFileSync(SEED_DOC, 'utf8');
  // Only the Markdown list indentation is removed: the trailing `\` + newline of the GET examples matter.
  return [...doc.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .split('\n')
      .map((line) => line.trimStart())
      .join('\n'),
  );
}

function endpointOf(command: string): string {
  const match = /--request (\w+) '[^']*\/sora\/v1([^']*)'/.exec(command);
  return match ? `${match[1]} ${match[2]}` : '?';
}

let served: Served;
let examples: Map<string, string>;

beforeAll(async () => {
  served = await serve({ instant: true });
  examples = new Map();
  for (const command of seedCurlExamples()) {
    const key = endpointOf(command);
    // The two chat examples share an endpoint: tell them apart by their content.
    examples.set(key === 'POST /chat/completions' && command.includes('image_url') ? 'POST /chat/completions (image)' : key, command);
  }
});
afterAll(() => served.server.close());

function fill(command: string, videoId?: string): string {
  const { host } = new URL(served.url);
  const dataUri = `data:image/png;base64,${readFileSync(FIXTURE_PNG).toString('base64')}`;
  let filled = command
    .replaceAll('<你的IP>:<你的端口>', host)
    .replaceAll('<你的许可证>', LICENCE)
    .replaceAll('/path/to/example.jpg', FIXTURE_JPEG)
    .replaceAll('url或者base64', dataUri);
  if (videoId) filled = filled.replaceAll('{video_id}', videoId);
  expect(filled, 'a placeholder was left unfilled').not.toMatch(/<你的|\{video_id\}|\/path\/to\//);
  return filled;
}

async function curl(command: string): Promise<Buffer> {
  const { stdout } = await run('bash', ['-c', command], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
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
  it('are all found in the seed document', () => {
    expect([...examples.keys()].sort()).toEqual(
      [
        'GET /videos/{video_id}',
        'GET /videos/{video_id}/content',
        'POST /chat/completions',
        'POST /chat/completions (image)',
        'POST /images/edits',
        'POST /images/generations',
        'POST /videos',
        'POST /videos/{video_id}/remix',
      ].sort(),
    );
  });

  it('chat text-to-image streams a markdown image', async () => {
    const text = streamedText(await curl(fill(examples.get('POST /chat/completions') as string)));
    expect(text).toMatch(/!\[[^\]]*\]\(http:\/\/127\.0\.0\.1:\d+\/[^)]+\)/);
  });

  it('chat image-to-image with a base64 image streams a markdown image', async () => {
    const text = streamedText(await curl(fill(examples.get('POST /chat/completions (image)') as string)));
    expect(text).toMatch(/!\[[^\]]*\]\(http:\/\/127\.0\.0\.1:\d+\/[^)]+\)/);
  });

  it('images generations and edits answer with image data', async () => {
    for (const key of ['POST /images/generations', 'POST /images/edits']) {
      const body = JSON.parse((await curl(fill(examples.get(key) as string))).toString('utf8')) as { data: { url: string }[] };
      expect(body, `${key}: ${JSON.stringify(body)}`).toHaveProperty('data');
      expect(body.data.length).toBeGreaterThan(0);
      const image = new Uint8Array(await (await fetch(body.data[0].url)).arrayBuffer());
      expect(await inspectMedia(image)).toMatchObject({ kind: 'image', mime: 'image/png' });
    }
  });

  it('video create, status, remix and content work in sequence', async () => {
    const created = JSON.parse((await curl(fill(examples.get('POST /videos') as string))).toString('utf8')) as {
      id: string;
      size: string;
    };
    expect(created.id, JSON.stringify(created)).toEqual(expect.any(String));
    expect(created.size).toBe('720x1280');

    const status = JSON.parse((await curl(fill(examples.get('GET /videos/{video_id}') as string, created.id))).toString('utf8'));
    expect(status).toMatchObject({ id: created.id, status: 'completed' });

    const remix = JSON.parse((await curl(fill(examples.get('POST /videos/{video_id}/remix') as string, created.id))).toString('utf8'));
    expect(remix).toMatchObject({ remixed_from_video_id: created.id });

    const mp4 = await curl(fill(examples.get('GET /videos/{video_id}/content') as string, created.id));
    expect(await inspectMedia(new Uint8Array(mp4))).toMatchObject({ kind: 'video', codec: 'h264', width: 720, height: 1280 });
  });
});
