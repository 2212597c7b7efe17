/**
 * A naive Sora client, the kind `sora-kit drill` catches: no retries, a tight poll loop with no
 * deadline that waits only for `completed`, and a single download attempt. It passes the baseline;
 * it fails rate-limited, server-error, download-reset (it gives up), job-fails and stall (it polls
 * forever), and the client report says why.
 *
 *   sora-kit drill --instant --deadline 10 -- node examples/drill/naive.mjs
 */
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: process.env.SORA_LICENSE, baseURL: process.env.SORA_BASE_URL, maxRetries: 0 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let video = await client.videos.create({ model: 'sora_video2', prompt: 'a lighthouse in a storm, slow pan' });
while (video.status !== 'completed') {
  await sleep(50);
  video = await client.videos.retrieve(video.id);
}
const content = await client.videos.downloadContent(video.id);
const bytes = new Uint8Array(await content.arrayBuffer());
console.log(`video ${video.id}: ${bytes.byteLength} bytes`);
