/**
 * A careful Sora client, the kind `sora-kit drill` passes on every row: it lets the SDK retry 429s
 * (honouring Retry-After) and 5xx (with backoff), polls once a second, gives up at a deadline, stops
 * on a failed job, and resumes a cut download with a Range request.
 *
 *   sora-kit drill --instant -- node examples/drill/careful.mjs
 *
 * Environment: SORA_BASE_URL and SORA_LICENSE (the drill sets them), CLIENT_DEADLINE_SECONDS (20).
 */
import OpenAI from 'openai';

const baseURL = process.env.SORA_BASE_URL;
const licence = process.env.SORA_LICENSE;
const deadline = Date.now() + Number(process.env.CLIENT_DEADLINE_SECONDS ?? 20) * 1000;
const POLL_MS = 1000;
const DOWNLOAD_ATTEMPTS = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const left = () => deadline - Date.now();
function checkDeadline(what) {
  if (left() <= 0) throw new Error(`gave up: ${what} did not finish before the deadline`);
}

// The SDK retries 429 (waiting as Retry-After says) and 5xx and connection errors (backing off).
const client = new OpenAI({ apiKey: licence, baseURL, maxRetries: 4, timeout: Math.max(1000, left()) });

/** Download with resume: a cut connection continues from the bytes already received. */
async function download(id) {
  const chunks = [];
  let received = 0;
  let total;
  for (let attempt = 1; ; attempt++) {
    checkDeadline('the download');
    const headers = { authorization: `Bearer ${licence}`, ...(received > 0 ? { range: `bytes=${received}-` } : {}) };
    try {
      const response = await fetch(`${baseURL}/videos/${id}/content`, { headers, signal: AbortSignal.timeout(Math.max(1, left())) });
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
      if (error.fatal || attempt >= DOWNLOAD_ATTEMPTS) throw error;
      console.error(`download attempt ${attempt} failed (${error.message}); resuming at byte ${received}`);
      await sleep(Math.min(error.wait ?? 500, Math.max(0, left())));
    }
  }
}

async function main() {
  let video = await client.videos.create({ model: 'sora_video2', prompt: 'a lighthouse in a storm, slow pan' });
  while (video.status === 'queued' || video.status === 'in_progress') {
    // No short last poll: one that would come before the poll interval is up is not made.
    if (left() < POLL_MS) throw new Error(`gave up: video ${video.id} still ${video.status} at the deadline`);
    await sleep(POLL_MS);
    video = await client.videos.retrieve(video.id);
  }
  if (video.status !== 'completed') throw new Error(`video ${video.id} ${video.status}: ${video.error?.message ?? 'no reason given'}`);
  const bytes = await download(video.id);
  if (bytes.subarray(4, 8).toString('latin1') !== 'ftyp') throw new Error('the download is not an MP4');
  console.log(`video ${video.id}: ${bytes.byteLength} bytes of MP4`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`careful client: ${error.message}`);
    process.exit(1);
  },
);
