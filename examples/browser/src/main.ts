/**
 * The page talks to the platform as any front end would (fetch with a bearer licence); msw's service
 * worker answers with sora-kit's mock, so the same code runs unchanged against a real deployment.
 */
import { setupWorker } from 'msw/browser';
import { createSoraHandlers } from 'sora-kit/msw';
import { generateImage, generateVideo, type Generated } from './client.js';

const status = document.querySelector<HTMLSpanElement>('#status')!;
const button = document.querySelector<HTMLButtonElement>('#generate')!;
const image = document.querySelector<HTMLImageElement>('#image')!;
const video = document.querySelector<HTMLVideoElement>('#video')!;

function report(state: string, text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

function caption(id: string, generated: Generated): void {
  document.querySelector(id)!.textContent = generated.caption;
}

async function run(): Promise<void> {
  button.disabled = true;
  try {
    report('image', 'generating an image…');
    const picture = await generateImage('a lighthouse at dawn, watercolour', '1536x1024');
    image.src = picture.url;
    caption('#image-caption', picture);

    const clip = await generateVideo('sora_video2-landscape', 'a paper boat on a rainy street', '10', (progress) =>
      report('video', `rendering the video… ${progress}%`),
    );
    video.src = clip.url;
    caption('#video-caption', clip);
    await video.play().catch(() => undefined); // autoplay may be refused; the controls still work
    report('done', 'done');
  } catch (error) {
    report('error', (error as Error).message);
  } finally {
    button.disabled = false;
  }
}

// The mock's own seed makes every run of the page show the same pictures.
const worker = setupWorker(...createSoraHandlers({ seed: 'examples/browser' }));
await worker.start({ onUnhandledRequest: 'bypass', quiet: true });
button.addEventListener('click', () => void run());
button.disabled = false;
report('ready', 'ready');
if (new URLSearchParams(location.search).has('auto')) void run();
