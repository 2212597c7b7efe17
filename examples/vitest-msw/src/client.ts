/** A small client of the Sora platform, the kind of code a project tests against the mock. */
import OpenAI from 'openai';

export interface SoraClientOptions {
  baseUrl: string;
  licence: string;
}

export class SoraClient {
  private readonly openai: OpenAI;

  constructor(private readonly options: SoraClientOptions) {
    this.openai = new OpenAI({ apiKey: options.licence, baseURL: `${options.baseUrl}/sora/v1` });
  }

  /** Image URLs of a sora_image chat answer. */
  async drawWithChat(prompt: string): Promise<string[]> {
    const completion = await this.openai.chat.completions.create({ model: 'sora_image', messages: [{ role: 'user', content: prompt }] });
    const text = completion.choices[0]?.message.content ?? '';
    return [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
  }

  /** Create a video job with plain fetch (the seed's form of the licence header) and wait for it. */
  async makeVideo(prompt: string, model: string): Promise<{ id: string; size: string; seconds: string }> {
    const headers = { authorization: this.options.licence, 'content-type': 'application/json' };
    const created = await fetch(`${this.options.baseUrl}/sora/v1/videos`, { method: 'POST', headers, body: JSON.stringify({ prompt, model }) });
    if (!created.ok) throw new Error(`create failed: ${created.status} ${await created.text()}`);
    let video = (await created.json()) as { id: string; status: string; size: string; seconds: string };
    while (video.status !== 'completed') {
      if (video.status === 'failed') throw new Error(`video ${video.id} failed`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      video = (await (await fetch(`${this.options.baseUrl}/sora/v1/videos/${video.id}`, { headers })).json()) as typeof video;
    }
    return video;
  }
}
