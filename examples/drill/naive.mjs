/**
 * A naive Sora client, the kind `sora-kit drill` catches: no retries, a tight poll loop with no
 * deadline that waits only for `completed`, and a single download attempt. It passes the baseline;
 * it fails rate-limited, server-error, download-reset (it gives up), job-fails and stall (it polls
 * forever), and the client report says why.
 *
 *   sora-kit drill --instant --deadline 10 -- node examples/drill/naive.mjs
 */
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Make one video and download it, naively. */
export async function makeVideo({ baseURL, apiKey }) {
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 0 });
  let video = await client.videos.create({ model: 'sora_video2', prompt: 'a lighthouse in a storm, slow pan' });
  while (video.status !== 'completed') {
    await sleep(50);
    video = await client.videos.retrieve(video.id);
  }
  const content = await client.videos.downloadContent(video.id);
  return { id: video.id, bytes: new Uint8Array(await content.arrayBuffer()) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { id, bytes } = await makeVideo({ baseURL: process.env.SORA_BASE_URL, apiKey: process.env.SORA_LICENSE });
  console.log(`video ${id}: ${bytes.byteLength} bytes`);
}
