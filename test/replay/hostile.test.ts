/**
 * Recordings from a deployment nobody controls, replayed by `sora-kit serve --replay`: a stream of a
 * million tiny chunks is merged at load (not a million writes per request), what cannot be served
 * within the bounds is refused at load naming the entry, impossible answers (status 101 or 99, a body
 * that is not its base64) get the JSON envelope, and every answer gets `nosniff`, active ones a
 * sandbox. The browser side of the sandbox is stored-script.browser.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createReplayer, MERGE_MS, REPLAY_LIMITS, type HarChunk } from '../../src/replay/index.js';
import { describeBytes } from '../../src/util/index.js';
import { entryOf, harFile, harOf, serveReplay, type Recorded } from './helpers.js';

const STREAM = '/sora/v1/chat/completions';

/** An event stream recorded as `count` one-byte chunks, `gapMs` apart. */
function tinyChunks(count: number, gapMs: number): Recorded {
  const body = 'data: x\n\n'.repeat(Math.ceil(count / 9)).slice(0, count);
  const chunks: HarChunk[] = Array.from({ length: count }, (_, i) => ({ time: i * gapMs, size: 1 }));
  return { method: 'POST', path: STREAM, type: 'text/event-stream', body, chunks };
}

/** The writes a replayed answer is made of, as the stream hands them out. */
async function writes(response: Response): Promise<{ count: number; text: string }> {
  const reader = response.body!.getReader();
  let count = 0;
  let text = '';
  const decoder = new TextDecoder();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    count++;
    text += decoder.decode(r.value, { stream: true });
  }
  return { count, text };
}

describe.concurrent('a recording from a hostile deployment, replayed', () => {
  it('merges half a million one-byte chunks at load: four requests at once get the whole stream in a few writes each', async () => {
    const recorded = tinyChunks(500_000, 0.000_01);
    const har = harOf([entryOf(recorded)]);
    const replayer = createReplayer(har, { speed: 0 });
    const request = () => new Request(`http://replay.test${STREAM}`, { method: 'POST' });
    const answers = await Promise.all([1, 2, 3, 4].map(async () => writes((await replayer.answer(request()))!)));
    for (const answer of answers) {
      expect(answer.text).toBe(recorded.body);
      // They arrived within 5 ms: one part, not half a million.
      expect(answer.count).toBe(1);
    }
    // Over HTTP too, four at once.
    const replay = await serveReplay({ replay: harFile(har), speed: '0' });
    try {
      const texts = await Promise.all([1, 2, 3, 4].map(async () => (await fetch(`${replay.url}${STREAM}`, { method: 'POST' })).text()));
      expect(texts).toEqual([1, 2, 3, 4].map(() => recorded.body));
    } finally {
      await replay.server?.close();
    }
  });

  it('keeps the pacing of chunks further apart than the merge window', async () => {
    const replayer = createReplayer(harOf([entryOf(tinyChunks(6, MERGE_MS))]), { speed: 0 });
    expect((await writes((await replayer.answer(new Request(`http://replay.test${STREAM}`, { method: 'POST' })))!)).count).toBe(6);
  });

  it('serve --replay refuses at load, naming the entry, a stream that needs more parts than it serves', async () => {
    const path = harFile(harOf([entryOf({ path: '/sora/v1/models', type: 'application/json', body: '{}' }), entryOf(tinyChunks(REPLAY_LIMITS.maxChunks * 2, MERGE_MS * 2))]), 'chunks.har');
    const replay = await serveReplay({ replay: path });
    expect(replay.server).toBeUndefined();
    expect(replay.lines.join('\n')).toBe(
      `sora-kit serve: --replay chunks.har#2 (POST http://deploy.test${STREAM}) cannot be replayed: its stream has more than ${REPLAY_LIMITS.maxChunks} parts after merging the chunks less than ${MERGE_MS} ms apart (of ${REPLAY_LIMITS.maxChunks * 2} chunks), more than a replay serves (maxChunks).`,
    );
  });

  it('refuses at load what exceeds each bound given as an option, and accepts what fits', () => {
    const big = entryOf({ path: '/sora/v1/files/big.bin', type: 'application/octet-stream', body: new Uint8Array(2048) });
    expect(() => createReplayer({ name: 'big.har', har: harOf([big]) }, { maxBodyBytes: 1024 })).toThrow(
      'big.har#1 (GET http://deploy.test/sora/v1/files/big.bin) cannot be replayed: its body is 2 KiB, more than the 1 KiB a replay serves (maxBodyBytes).',
    );
    expect(createReplayer(harOf([big]), { maxBodyBytes: 2048 }).size).toBe(1);
    const long = entryOf({ ...tinyChunks(2, 0), chunks: [{ time: 0, size: 1 }, { time: 90_000, size: 1 }] });
    expect(() => createReplayer(harOf([long]), { maxStreamSeconds: 60 })).toThrow(/recording 1#1 .*: its stream lasts 90 s of recorded time or more, longer than the 60 s a replay serves \(maxStreamSeconds\)\.$/);
    expect(() => createReplayer(harOf([entryOf(tinyChunks(4, MERGE_MS))]), { maxChunks: 3 })).toThrow(/more than 3 parts/);
    expect(createReplayer(harOf([entryOf(tinyChunks(3, MERGE_MS))]), { maxChunks: 3 }).size).toBe(1);
    expect(() => createReplayer(harOf([]), { maxChunks: 0 })).toThrow('replay maxChunks 0 must be a positive integer.');
  });

  it('answers a recorded status 101 or 99, or a body that is not its base64, with the JSON envelope', async () => {
    const notBase64 = entryOf({ path: '/sora/v1/files/bad.png', type: 'image/png', body: new Uint8Array([0x89, 0x50]) });
    notBase64.response.content.text = '!!! not base64 !!!';
    const odd = entryOf({ path: '/sora/v1/files/odd', type: 'text/plain', body: 'fine' });
    odd.response.statusText = 'OK\r\nX-Injected: 1';
    const path = harFile(
      harOf([entryOf({ path: '/sora/v1/upgrade', status: 101, type: 'text/plain', body: '' }), entryOf({ path: '/sora/v1/early', status: 99, type: 'application/json', body: '{}' }), notBase64, odd]),
      'odd.har',
    );
    const replay = await serveReplay({ replay: path });
    try {
      const cases: Array<[string, string]> = [
        ['/sora/v1/upgrade', 'odd.har#1 (GET /sora/v1/upgrade) cannot be replayed: its recorded status 101 is not one an answer can carry (200 to 599)'],
        ['/sora/v1/early', 'odd.har#2 (GET /sora/v1/early) cannot be replayed: its recorded status 99 is not one an answer can carry (200 to 599)'],
        ['/sora/v1/files/bad.png', 'odd.har#3 (GET /sora/v1/files/bad.png) cannot be replayed: its body is marked base64 but does not decode as base64'],
      ];
      for (const [target, message] of cases) {
        const response = await fetch(`${replay.url}${target}`);
        expect(response.status, target).toBe(502);
        expect(response.headers.get('content-type'), target).toMatch(/^application\/json/);
        expect(await response.json(), target).toEqual({ error: { message: `The recording ${message}. Edit or remove that entry.`, type: 'server_error', param: null, code: 'replay_unservable' } });
      }
      // A reason phrase no answer may carry is dropped, the answer kept.
      const fine = await fetch(`${replay.url}/sora/v1/files/odd`);
      expect([fine.status, fine.headers.get('x-injected'), await fine.text()]).toEqual([200, null, 'fine']);
    } finally {
      await replay.server?.close();
    }
  });

  it('serves every answer with nosniff, and active content (HTML, SVG, XML, unknown) in a sandbox', async () => {
    const script = '<script>fetch("/__sora/requests")</script>';
    const answers: Array<[string, string, string | Uint8Array, string | null]> = [
      ['page.html', 'text/html; charset=utf-8', `<!doctype html>${script}`, 'sandbox'],
      ['image.svg', 'image/svg+xml', `<svg xmlns="http://www.w3.org/2000/svg">${script}</svg>`, 'sandbox'],
      ['feed.xml', 'application/xml', '<a/>', 'sandbox'],
      ['blob', 'application/octet-stream', new Uint8Array([1, 2, 3]), 'sandbox'],
      ['image.png', 'image/png', new Uint8Array([0x89, 0x50, 0x4e, 0x47]), null],
      ['video.mp4', 'video/mp4', new Uint8Array([0, 0, 0, 24]), null],
      ['answer.json', 'application/json', '{"ok":true}', null],
      ['notes.txt', 'text/plain; charset=utf-8', script, null],
    ];
    const path = harFile(harOf(answers.map(([name, type, body]) => entryOf({ path: `/sora/v1/files/${name}`, type, body }))));
    const replay = await serveReplay({ replay: path });
    try {
      for (const [name, type, , csp] of answers) {
        const response = await fetch(`${replay.url}/sora/v1/files/${name}`);
        expect([response.status, response.headers.get('content-type')], name).toEqual([200, type]);
        expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
        expect(response.headers.get('content-security-policy'), name).toBe(csp);
      }
    } finally {
      await replay.server?.close();
    }
  });

  it('the Replay section of specs/mock.md gives every bound', () => {
    const doc = readFileSync(new URL('../../specs/mock.md', import.meta.url), 'utf8');
    const replay = doc.slice(doc.indexOf('## Replay'));
    expect(replay).toContain(`| ${describeBytes(REPLAY_LIMITS.maxBodyBytes)} (\`maxBodyBytes\``);
    expect(replay).toContain(`less than ${MERGE_MS} ms after`);
    expect(replay).toContain(`at most ${REPLAY_LIMITS.maxChunks.toLocaleString('en')} parts (\`maxChunks\`)`);
    expect(replay).toContain(`| ${REPLAY_LIMITS.maxStreamSeconds} s of recorded time`);
  });
});
