/**
 * A careful Sora client, the kind `sora-kit drill` passes on every row: it lets the SDK retry 429s
 * (honouring Retry-After) and 5xx (with backoff), polls once a second, gives up at a deadline, stops
 * on a failed job, and resumes a cut download with a Range request.
 *
 *   sora-kit drill --instant -- node examples/drill/careful.mjs
 *
 * Environment: SORA_BASE_URL and SORA_LICENSE (the drill sets them), CLIENT_DEADLINE_SECONDS (20).
 * As a module: `makeVideo({ baseURL, apiKey, signal })`, what describeDrill runs in a test suite.
 */
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';

const POLL_MS = 1000;
const DOWNLOAD_ATTEMPTS = 5;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Make one video and download it. Resolves with the MP4's bytes; rejects when the job fails, the
 * deadline passes, or `signal` aborts (describeDrill aborts it at its deadline).
 */
export async function makeVideo({ baseURL, apiKey, signal, deadlineMs = 20_000 }) {
  const deadline = Date.now() + deadlineMs;
  const left = () => deadline - Date.now();
  const checkDeadline = (what) => {
    signal?.throwIfAborted();
    if (left() <= 0) throw new Error(`gave up: ${what} did not finish before the deadline`);
  };
  // The SDK retries 429 (waiting as Retry-After says), 5xx and connection errors (backing off).
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 4, timeout: Math.max(1000, left()) });

  /** Download with resume: a cut connection continues from the bytes already received. */
  async function download(id) {
    const chunks = [];
    let received = 0;
    let total;
    for (let attempt = 1; ; attempt++) {
      checkDeadline('the download');
      const headers = { authorization: `Bearer ${apiKey}`, ...(received > 0 ? { range: `bytes=${received}-` } : {}) };
      try {
        const timeout = AbortSignal.timeout(Math.max(1, left()));
        const response = await fetch(`${baseURL}/videos/${id}/content`, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
        if (response.status === 429 || response.status >= 500) {
          const wait = Number(response.headers.get('retry-after') ?? 0) * 1000 || 500 * 2 ** attempt;
          await response.body?.cancel();
          throw Object.assign(new Error(`HTTP ${response.status}`), { wait });
        }
        if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}: ${await response.text()}`), { fatal: true });
        if (response.status === 200) {
          chunks.length = 0;
          received = 0;
          total = Number(response.headers.get('content-length'));
        } else total = Number(/\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1]);
        for await (const chunk of response.body) {
          chunks.push(chunk);
          received += chunk.byteLength;
        }
        if (received === total) return Buffer.concat(chunks);
        throw new Error(`short body: ${received} of ${total} bytes`);
      } catch (error) {
        if (error.fatal || signal?.aborted || attempt >= DOWNLOAD_ATTEMPTS) throw error;
        console.error(`download attempt ${attempt} failed (${error.message}); resuming at byte ${received}`);
        await sleep(Math.min(error.wait ?? 500, Math.max(0, left())));
      }
    }
  }

  let video = await client.videos.create({ model: 'sora_video2', prompt: 'a lighthouse in a storm, slow pan' }, { signal });
  while (video.status === 'queued' || video.status === 'in_progress') {
    signal?.throwIfAborted();
    // No short last poll: one that would come before the poll interval is up is not made.
    if (left() < POLL_MS) throw new Error(`gave up: video ${video.id} still ${video.status} at the deadline`);
    await sleep(POLL_MS);
    video = await client.videos.retrieve(video.id, { signal });
  }
  if (video.status !== 'completed') throw new Error(`video ${video.id} ${video.status}: ${video.error?.message ?? 'no reason given'}`);
  const bytes = await download(video.id);
  if (bytes.subarray(4, 8).toString('latin1') !== 'ftyp') throw new Error('the download is not an MP4');
  return { id: video.id, bytes };
}

// Run as a script (what `sora-kit drill` does): the drill's environment, exit 0 or 1.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  makeVideo({
    baseURL: process.env.SORA_BASE_URL,
    apiKey: process.env.SORA_LICENSE,
    deadlineMs: Number(process.env.CLIENT_DEADLINE_SECONDS ?? 20) * 1000,
  }).then(
    ({ id, bytes }) => {
      console.log(`video ${id}: ${bytes.byteLength} bytes of MP4`);
      process.exit(0);
    },
    (error) => {
      console.error(`careful client: ${error.message}`);
      process.exit(1);
    },
  );
}
