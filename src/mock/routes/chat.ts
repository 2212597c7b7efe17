/**
 * `POST /chat/completions`, the platform's main door. `sora_image` answers with markdown links to `n`
 * PNGs; video models start a real video job (listed by `GET /videos`), report its progress and end
 * with a markdown link to the MP4 and the video id.
 *
 * The answer is produced once, as a sequence of events (text, keep-alive, error), and then framed
 * either as server-sent events (OpenAI's stream framing) or collected into one `chat.completion`.
 * Errors after the stream began are sent in-band: `data: {"error": {...}}` and then `data: [DONE]`
 * (what OpenAI's SDKs raise as an APIError mid-stream).
 */
import { imageRecipe, inputDigestOf } from '../../media/index.js';
import type { PromptAnalysisResult } from '../../spec/analysis.js';
import type { ModelName } from '../../spec/model.js';
import { resolveImageRequest, IGNORED_PARAMS_HEADER, formatIgnoredHeader, type ImageSpec } from '../../spec/rules.js';
import {
  errorEnvelope,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest as ChatRequest,
  type CompletionUsage,
} from '../../spec/schemas/index.js';
import { analyse, mediaUrl, type RequestContext } from '../context.js';
import { sleep } from '../../util/index.js';
import { HttpError, json } from '../http.js';
import { imagesFromUrls, type InputImage } from '../inputs.js';
import { jobState } from '../timeline.js';
import { MIDWAY_FAILURE, scenarioDelay } from '../outcomes.js';
import type { OperationHandler, OperationHandlers } from '../pipeline.js';
import { recipeOfJob, startVideoJob } from '../start-job.js';
import type { ScenarioName, VideoJob } from '../types.js';
import { ruleError } from '../validate.js';

/** A comment line keeps proxies and clients from timing out while a video renders. */
export const KEEPALIVE_INTERVAL_MS = 2_000;

type ChatEvent =
  | { type: 'text'; text: string }
  | { type: 'keepalive' }
  | { type: 'error'; status: number; message: string; code: string };

interface UserInput {
  prompt: string;
  images: Array<{ url: string; param: string }>;
}

/** The prompt is the text of the last user message; its image parts are the inputs (image-to-image). */
function userInput(body: ChatRequest): UserInput {
  for (let m = body.messages.length - 1; m >= 0; m--) {
    const message = body.messages[m];
    if (message.role !== 'user') continue;
    const content = message.content;
    if (!(typeof content === 'string' || Array.isArray(content))) break;
    const texts: string[] = [];
    const images: UserInput['images'] = [];
    if (typeof content === 'string') texts.push(content);
    else {
      content.forEach((part, p) => {
        if (part.type === 'text') texts.push(part.text);
        else images.push({ url: part.image_url.url, param: `messages.${m}.content.${p}.image_url.url` });
      });
    }
    const prompt = texts.join('\n');
    // Like `prompt` on /images and /videos: a generation needs something to generate from.
    if (prompt === '' && images.length === 0) {
      throw new HttpError(400, `Invalid 'messages.${m}.content': received an empty prompt; the last user message needs text or an image_url.`, {
        type: 'invalid_request_error',
        param: `messages.${m}.content`,
        code: 'invalid_value',
      });
    }
    return { prompt, images };
  }
  throw new HttpError(400, "Invalid 'messages': no user message with text or images; the last user message is the prompt.", {
    type: 'invalid_request_error',
    param: 'messages',
    code: 'invalid_value',
  });
}

function analysisBlock(analysis: PromptAnalysisResult | undefined): string {
  if (!analysis) return '';
  const shown = { orientation: analysis.orientation ?? null, aspect: analysis.aspect ?? null, source: analysis.source };
  return `\`\`\`json\n${JSON.stringify(shown, null, 2)}\n\`\`\`\n\n`;
}

async function* imageEvents(
  ctx: RequestContext,
  body: ChatRequest,
  prompt: string,
  resolved: { spec: ImageSpec; n: number },
  inputs: InputImage[],
  analysis: PromptAnalysisResult | undefined,
  scenario: ScenarioName | undefined,
  signal: AbortSignal,
): AsyncGenerator<ChatEvent> {
  yield { type: 'text', text: analysisBlock(analysis) };
  yield { type: 'text', text: `Generating ${resolved.n} image${resolved.n > 1 ? 's' : ''} (${resolved.spec.size})…\n\n` };
  const delay = scenarioDelay(scenario, ctx.options.speed);
  if (delay) {
    // The same wait as a JSON answer's, told as keep-alives so the stream stays open.
    const start = Date.now();
    while (!signal.aborted && Date.now() - start < delay.ms) {
      await sleep(Math.min(KEEPALIVE_INTERVAL_MS, delay.ms - (Date.now() - start)), signal);
      if (!signal.aborted && Date.now() - start < delay.ms) yield { type: 'keepalive' };
    }
    if (signal.aborted) return;
    if (delay.fails) {
      yield { type: 'error', ...MIDWAY_FAILURE };
      return;
    }
  }
  const inputDigest = inputs.length > 0 ? inputDigestOf(inputs.map((i) => i.bytes)) : undefined;
  const links: string[] = [];
  for (let index = 0; index < resolved.n; index++) {
    const recipe = imageRecipe({ prompt, spec: resolved.spec, index, seed: ctx.options.seed, inputDigest, watermark: body.watermark });
    links.push(`![image ${index + 1}](${mediaUrl(ctx, recipe, 'image')})`);
  }
  yield { type: 'text', text: links.join('\n\n') };
}

async function* videoEvents(ctx: RequestContext, job: VideoJob, signal: AbortSignal): AsyncGenerator<ChatEvent> {
  yield { type: 'text', text: `Video ${job.id} queued: ${job.spec.model}, ${job.spec.size}, ${job.spec.seconds} s.\n\n` };
  // Poll often enough to show every percent of a short render, rarely enough to stay cheap.
  const tick = Math.min(250, Math.max(20, job.renderMs / 100));
  let shown = -1;
  let lastOutput = Date.now();
  while (!signal.aborted) {
    const state = jobState(job, ctx.now());
    if (state.status === 'failed') {
      yield { type: 'error', status: 500, message: state.error?.message ?? 'Video generation failed.', code: state.error?.code ?? 'generation_failed' };
      return;
    }
    if (state.status === 'completed') {
      const url = mediaUrl(ctx, recipeOfJob(ctx, job), 'video');
      yield { type: 'text', text: `${shown < 100 ? 'Progress: 100%\n\n' : ''}[Download video](${url})\n\nvideo_id: ${job.id}\n` };
      return;
    }
    if (state.progress !== shown) {
      shown = state.progress;
      lastOutput = Date.now();
      yield { type: 'text', text: `Progress: ${state.progress}%\n` };
    } else if (Date.now() - lastOutput >= KEEPALIVE_INTERVAL_MS) {
      lastOutput = Date.now();
      yield { type: 'keepalive' };
    }
    await sleep(tick, signal);
  }
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export const chatCompletions: OperationHandler<'createChatCompletion'> = {
  subject: (_ctx, { body }) => ({ prompt: userInput(body).prompt, model: body.model.name }),
  handle: (ctx, { body, scenario }) => complete(ctx, body, scenario),
};

async function complete(ctx: RequestContext, body: ChatRequest, scenario: ScenarioName | undefined): Promise<Response> {
  const model: ModelName = body.model.spec;
  const { prompt, images } = userInput(body);
  const inputs: InputImage[] = await imagesFromUrls(images, ctx.options, ctx.request.signal);
  const analysis = await analyse(ctx, prompt);

  // Work continues while the client listens: the stream's cancel (or the request's abort) stops it.
  const stop = new AbortController();
  const headers: Record<string, string> = {};
  let events: AsyncGenerator<ChatEvent>;
  if (model.base === 'sora_image') {
    // Resolved before the stream starts: once a 200 is on its way, a bad parameter can no longer be a 400.
    const resolved = resolveImageRequest({ size: body.size, n: body.n, analysis, firstInputImage: inputs[0]?.dims });
    if (!resolved.ok) throw ruleError(resolved.error);
    events = imageEvents(ctx, body, prompt, resolved, inputs, analysis, scenario, stop.signal);
  } else {
    const { job, ignored } = await startVideoJob(ctx, {
      prompt,
      model,
      size: body.size,
      watermark: body.watermark,
      analysis,
      inputDigest: inputs.length > 0 ? inputDigestOf(inputs.map((i) => i.bytes)) : undefined,
      scenario,
    });
    if (ignored.length > 0) headers[IGNORED_PARAMS_HEADER] = formatIgnoredHeader(ignored);
    events = (async function* () {
      yield { type: 'text', text: analysisBlock(analysis) } as ChatEvent;
      yield* videoEvents(ctx, job, stop.signal);
    })();
  }
  // Listen only once nothing before the answer can throw, so a rejected request leaves no listener.
  const onAbort = () => stop.abort();
  ctx.request.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.request.signal.aborted) stop.abort();

  const id = ctx.ids.next('chatcmpl-');
  const created = Math.floor(ctx.now() / 1000);
  const usageFor = (completion: string): CompletionUsage => {
    const prompt_tokens = estimateTokens(prompt);
    const completion_tokens = estimateTokens(completion);
    return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
  };

  if (!body.stream) {
    let text = '';
    try {
      for await (const event of events) {
        if (event.type === 'text') text += event.text;
        if (event.type === 'error') {
          throw new HttpError(event.status, event.message, { type: 'server_error', param: null, code: event.code });
        }
      }
    } finally {
      ctx.request.signal.removeEventListener('abort', onAbort);
    }
    if (stop.signal.aborted) {
      throw new HttpError(408, 'The client closed the request before the answer was ready.', { code: 'request_timeout' });
    }
    const completion: ChatCompletion = {
      id,
      object: 'chat.completion',
      created,
      model: body.model.name,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: usageFor(text),
    };
    return json(completion, 200, headers);
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: 'stop' | null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: body.model.name,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const encoder = new TextEncoder();
  const data = (value: unknown) => encoder.encode(`data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`);

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let text = '';
      // After a cancel the controller refuses everything; the client is gone and nothing is owed.
      const end = () => {
        try {
          controller.close();
        } catch {
          // already closed by the reader's cancel
        }
      };
      const fail = (message: string, code: string) => {
        controller.enqueue(data(errorEnvelope(message, { type: 'server_error', param: null, code })));
        controller.enqueue(data('[DONE]'));
        controller.close();
      };
      try {
        controller.enqueue(data(chunk({ role: 'assistant', content: '' }, null)));
        for await (const event of events) {
          if (event.type === 'keepalive') controller.enqueue(encoder.encode(': keep-alive\n\n'));
          else if (event.type === 'text') {
            if (event.text === '') continue;
            text += event.text;
            controller.enqueue(data(chunk({ content: event.text }, null)));
          } else {
            fail(event.message, event.code);
            return;
          }
        }
        // The request was aborted while the reader still listens (in-process clients): end like a dropped connection.
        if (stop.signal.aborted) return end();
        controller.enqueue(data(chunk({}, 'stop')));
        if (includeUsage) {
          controller.enqueue(
            data({ id, object: 'chat.completion.chunk', created, model: body.model.name, choices: [], usage: usageFor(text) } satisfies ChatCompletionChunk),
          );
        }
        controller.enqueue(data('[DONE]'));
        controller.close();
      } catch (error) {
        if (stop.signal.aborted) return end();
        // A failure after the 200 went out can only be told in-band, like a failed render; the mock keeps serving.
        try {
          fail(`Internal error in sora-kit's mock while streaming: ${(error as Error)?.message ?? String(error)}`, 'mock_internal_error');
        } catch {
          controller.error(error);
        }
      } finally {
        ctx.request.signal.removeEventListener('abort', onAbort);
      }
    },
    cancel() {
      stop.abort();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    },
  });
}

/** This module's operations, by id (the app collects every module's). */
export const chatHandlers = { createChatCompletion: chatCompletions } satisfies Partial<OperationHandlers>;
