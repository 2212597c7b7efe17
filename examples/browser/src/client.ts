/** A minimal platform client: what an application would write with fetch. */
const BASE = '/sora/v1';
/** The mock's built-in development licence. Against a deployment, use your own. */
const LICENCE = 'sk-sora-mock';

export interface Generated {
  /** Something `<img src>` / `<video src>` can load. */
  url: string;
  caption: string;
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${BASE}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${LICENCE}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${body?.error?.message ?? 'no error message'}`);
  return body as T;
}

export async function generateImage(prompt: string, size: string): Promise<Generated> {
  const result = await call<{ data: { url: string }[] }>('/images/generations', {
    method: 'POST',
    body: JSON.stringify({ model: 'sora_image', prompt, size, n: 1 }),
  });
  // The URL points at the mock's stateless media route: the <img> request goes through the worker too.
  return { url: result.data[0].url, caption: `${size} PNG from /images/generations` };
}

interface Video {
  id: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  progress: number;
  size: string;
  seconds: string;
  error?: { message: string } | null;
}

export async function generateVideo(model: string, prompt: string, seconds: string, onProgress: (percent: number) => void): Promise<Generated> {
  let job = await call<Video>('/videos', { method: 'POST', body: JSON.stringify({ model, prompt, seconds }) });
  while (job.status === 'queued' || job.status === 'in_progress') {
    onProgress(job.progress);
    await new Promise((resolve) => setTimeout(resolve, 200));
    job = await call<Video>(`/videos/${job.id}`);
  }
  if (job.status !== 'completed') throw new Error(`video ${job.id} ${job.status}: ${job.error?.message ?? 'no reason given'}`);
  // The download needs the licence header, which <video src> cannot send: fetch it, play the blob.
  const response = await fetch(`${BASE}/videos/${job.id}/content`, { headers: { authorization: `Bearer ${LICENCE}` } });
  if (!response.ok) throw new Error(`download of ${job.id}: HTTP ${response.status}`);
  const blob = await response.blob();
  return { url: URL.createObjectURL(blob), caption: `${job.size}, ${job.seconds} s MP4 (${blob.size} bytes) from /videos/${job.id}/content` };
}
