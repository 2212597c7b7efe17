/**
 * Media off the request loop: the Node server generates media on worker threads (media-pool.ts), the
 * mock takes any generator (renderMedia) behind its single-flight cache, and the threads stop with the
 * server. The pooled answers must be the very bytes generateMedia makes in the calling thread.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loaderFlags } from '../../src/adapters/media-pool.js';
import { createMediaPool, createSoraServer } from '../../src/adapters/node.js';
import { loadServeConfig } from '../../src/cli/config.js';
import { decodeRecipe, generateMedia, type MediaVariant, type Recipe } from '../../src/media/index.js';
import { createSoraMock } from '../../src/mock/app.js';
import type { SoraMock } from '../../src/mock/types.js';

const LICENCE = 'sk-sora-mock';
const ROOT = resolve(import.meta.dirname, '../..');
const headers = { authorization: LICENCE, 'content-type': 'application/json' };

/** A finished 5 s video job (the smallest video) and an image, as signed `files` links. */
async function links(fetchFn: (r: Request) => Promise<Response>, origin: string, prompt: string): Promise<Record<MediaVariant, string>> {
  const job = (await (await fetchFn(new Request(`${origin}/sora/v1/videos`, { method: 'POST', headers, body: JSON.stringify({ model: 'sora_video', prompt }) }))).json()) as {
    id: string;
  };
  const image = (await (
    await fetchFn(new Request(`${origin}/sora/v1/images/generations`, { method: 'POST', headers, body: JSON.stringify({ model: 'sora_image', prompt, response_format: 'url' }) }))
  ).json()) as { data: { url: string }[] };
  const content = (variant: string) => `${origin}/sora/v1/videos/${job.id}/content?variant=${variant}`;
  return { video: content('video'), thumbnail: content('thumbnail'), spritesheet: content('spritesheet'), image: image.data[0].url };
}

const bytesOf = async (response: Response) => {
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
};

/** The recipe a `files` link names. */
function recipeOfLink(url: string): Recipe {
  const name = new URL(url).pathname.split('/').pop() as string;
  const decoded = decodeRecipe(name.split('.').slice(0, -2).join('.'));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.recipe;
}

describe('an injected media generator', () => {
  it('is asked once per recipe and variant, however many requests want it at once', async () => {
    const asked: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const mock: SoraMock = createSoraMock({
      instant: true,
      renderMedia: async (recipe, variant) => {
        asked.push(`${variant}:${recipe.promptDigest}`);
        await gate; // every request arrives while the first generation is still under way
        return generateMedia(recipe, variant);
      },
    });
    const origin = 'http://127.0.0.1:4010';
    const [a, b] = await Promise.all([links((r) => mock.fetch(r), origin, 'one'), links((r) => mock.fetch(r), origin, 'two')]);
    // Eight concurrent downloads of one video (ranges and HEAD included), four of another variant, two of another job.
    const get = (url: string, extra: Record<string, string> = {}, method = 'GET') => mock.fetch(new Request(url, { method, headers: { authorization: LICENCE, ...extra } }));
    const pending = [
      ...Array.from({ length: 6 }, () => get(a.video)),
      get(a.video, { range: 'bytes=0-99' }),
      get(a.video, {}, 'HEAD'),
      ...Array.from({ length: 4 }, () => get(a.thumbnail)),
      get(b.video),
      get(b.video),
    ];
    await new Promise((r) => setTimeout(r, 20));
    release();
    const answers = await Promise.all(pending);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 206, 200, 200, 200, 200, 200, 200, 200]);
    // One video and one thumbnail of the first job, one video of the second: three generations for fourteen requests.
    expect(asked).toHaveLength(3);
    expect(new Set(asked).size).toBe(3);
    expect(asked.filter((k) => k.startsWith('video:'))).toHaveLength(2);
    expect(asked.filter((k) => k.startsWith('thumbnail:'))).toHaveLength(1);
    const full = await Promise.all(answers.slice(0, 6).map(bytesOf));
    for (const bytes of full) expect(bytes).toEqual(full[0]);
    // Once cached, nothing is generated again.
    await bytesOf(await get(a.video));
    expect(asked).toHaveLength(3);
  });
});

describe('createSoraServer with media workers', () => {
  it('answers the bytes generateMedia makes in this thread, for every variant', async () => {
    const server = createSoraServer({ instant: true }, { mediaWorkers: 2 });
    try {
      const { url } = await server.listen();
      const media = await links(fetch, url, 'a lighthouse at dusk');
      for (const [variant, link] of Object.entries(media) as [MediaVariant, string][]) {
        const pooled = await bytesOf(await fetch(link, { headers: { authorization: LICENCE } }));
        const recipe =
          variant === 'image' ? recipeOfLink(link) : recipeOfLink(`${url}${server.mock.jobMedia(new URL(link).pathname.split('/')[4])![variant as 'video']}`);
        expect(pooled, variant).toEqual(await generateMedia(recipe, variant));
      }
      expect(server.mediaPool?.size).toBe(2);
      expect(server.mediaPool?.threadCount).toBe(2);
    } finally {
      await server.close();
    }
    // close() stopped the threads.
    expect(server.mediaPool?.threadCount).toBe(0);
  });

  it('starts no thread before the first media request, and none at all with mediaWorkers 0', async () => {
    const lazy = createSoraServer({ instant: true }, { mediaWorkers: 1 });
    const none = createSoraServer({ instant: true }, { mediaWorkers: 0 });
    try {
      const { url } = await lazy.listen();
      await none.listen();
      expect((await fetch(`${url}/sora/v1/models`, { headers: { authorization: LICENCE } })).status).toBe(200);
      expect(lazy.mediaPool?.threadCount).toBe(0);
      expect(none.mediaPool).toBeUndefined();
      const media = await links(fetch, none.url as string, 'on the loop');
      await bytesOf(await fetch(media.thumbnail, { headers: { authorization: LICENCE } }));
    } finally {
      await Promise.all([lazy.close(), none.close()]);
    }
    expect(() => createSoraServer(createSoraMock(), { mediaWorkers: 2 })).toThrow(/renderMedia/);
    expect(() => createSoraServer({ mediaWorkers: -1 })).toThrow(/non-negative integer/);
  });

  it('a pool closed under way falls back to this thread rather than failing', async () => {
    const pool = createMediaPool({ threads: 1 });
    const mock = createSoraMock({ instant: true });
    const media = await links((r) => mock.fetch(r), 'http://127.0.0.1:4010', 'after close');
    const recipe = recipeOfLink(`http://127.0.0.1:4010${mock.jobMedia(new URL(media.video).pathname.split('/')[4])!.thumbnail}`);
    const before = await pool.render(recipe, 'thumbnail');
    await pool.close();
    expect(pool.threadCount).toBe(0);
    expect(await pool.render(recipe, 'thumbnail')).toEqual(before);
  });

  it('gives up threads that cannot run and generates in this thread, without ending the process', async () => {
    const broken = new URL('./fixtures/broken-media-worker.mjs', import.meta.url);
    const pool = createMediaPool({ threads: 2, workerFile: broken });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const mock = createSoraMock({ instant: true, renderMedia: pool.render });
      const media = await links((r) => mock.fetch(r), 'http://127.0.0.1:4010', 'broken threads');
      const recipe = recipeOfLink(`http://127.0.0.1:4010${mock.jobMedia(new URL(media.video).pathname.split('/')[4])!.thumbnail}`);
      const [a, b] = await Promise.all([pool.render(recipe, 'thumbnail'), pool.render(recipe, 'video')]);
      expect(a).toEqual(await generateMedia(recipe, 'thumbnail'));
      expect(b).toEqual(await generateMedia(recipe, 'video'));
      expect(pool.failure?.message).toMatch(/broken on purpose/);
      await expect.poll(() => pool.threadCount).toBe(0);
      await expect.poll(() => warnings.map((w) => w.message).join('\n')).toMatch(/media worker threads failed/);
      // A task at fault fails in this thread too, with its own error.
      await expect(pool.render(recipe, 'image')).rejects.toThrow(/variant 'image' does not exist/);
    } finally {
      process.off('warning', onWarning);
      await pool.close();
    }
  });

  /** Run `script` (an ES module) in a new Node process started with `flags`; its output and exit code. */
  async function inProcess(flags: string[], script: string): Promise<{ out: string; code: number | null }> {
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((done) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(null);
      }, 60_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        done(c);
      });
    });
    return { out, code };
  }

  /** A script that serves one pooled thumbnail, prints `served <status> <threads> <failure>` and closes the server. */
  const serveOneThumbnail = [
    `import { createSoraServer } from ${JSON.stringify(resolve(ROOT, 'src/adapters/node.ts'))};`,
    'const server = createSoraServer({ instant: true }, { mediaWorkers: 2 });',
    'const { url } = await server.listen();',
    "const h = { authorization: 'sk-sora-mock', 'content-type': 'application/json' };",
    "const job = await (await fetch(`${url}/sora/v1/videos`, { method: 'POST', headers: h, body: JSON.stringify({ model: 'sora_video', prompt: 'exit' }) })).json();",
    "const r = await fetch(`${url}/sora/v1/videos/${job.id}/content?variant=thumbnail`, { headers: h });",
    'await r.arrayBuffer();',
    "console.log('served', r.status, server.mediaPool.threadCount, server.mediaPool.failure?.message ?? 'none');",
    'await server.close();',
  ].join('\n');

  it('leaves nothing running: a process that served pooled media and closed its server exits by itself', async () => {
    const { out, code } = await inProcess([], serveOneThumbnail);
    expect(out).toContain('served 200 2 none');
    expect(code, out).toBe(0);
  }, 90_000);

  it('starts its threads when the process has flags a Worker refuses (V8 and per-process options)', async () => {
    // `node --max-old-space-size=4096 sora-kit serve` is common; a Worker given those flags throws, and
    // media answered 500 until the threads kept only the flags that load modules.
    const { out, code } = await inProcess(['--max-old-space-size=2048', '--stack-size=900', '--title', 'sora-media-flags', '--enable-source-maps'], serveOneThumbnail);
    expect(out).toContain('served 200 2 none');
    expect(out).not.toMatch(/media worker threads failed/);
    expect(code, out).toBe(0);
  }, 90_000);

  it('keeps the flags that load modules, with their values, and drops the rest', () => {
    expect(
      loaderFlags([
        '--max-old-space-size=2048',
        '--import',
        'tsx',
        '--title',
        'x',
        '--conditions=development',
        '-r',
        './setup.cjs',
        '--single-threaded-gc',
        '--enable-source-maps',
        '--loader=./l.mjs',
        '--experimental-vm-modules',
        '--disable-warning',
        'ExperimentalWarning',
      ]),
    ).toEqual([
      '--import',
      'tsx',
      '--conditions=development',
      '-r',
      './setup.cjs',
      '--enable-source-maps',
      '--loader=./l.mjs',
      '--experimental-vm-modules',
      '--disable-warning',
      'ExperimentalWarning',
    ]);
    expect(loaderFlags(['--stack-size=900', '--no-warnings'])).toEqual(['--no-warnings']);
  });
});

describe('--media-workers', () => {
  it('is a setting of sora-kit serve: a count of threads, 0 for none, default one per core', async () => {
    expect((await loadServeConfig({ flags: { mediaWorkers: '0' }, env: {} })).mediaWorkers).toBe(0);
    expect((await loadServeConfig({ flags: {}, env: { SORA_MOCK_MEDIA_WORKERS: '3' } })).mediaWorkers).toBe(3);
    expect((await loadServeConfig({ flags: {}, env: {} })).mediaWorkers).toBeUndefined();
    await expect(loadServeConfig({ flags: { mediaWorkers: '-1' }, env: {} })).rejects.toThrow(/--media-workers/);
    await expect(loadServeConfig({ flags: { mediaWorkers: 'many' }, env: {} })).rejects.toThrow(/--media-workers/);
  });
});
