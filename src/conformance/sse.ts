/**
 * Reading an OpenAI chat-completion stream. The SSE framing itself is eventsource-parser's job; this
 * module judges the events: every `data:` a valid `chat.completion.chunk`, the role in the first
 * delta, `[DONE]` last, and the text the deltas add up to. The runner reads its own streams with it
 * (from the client's events) and judge.ts reads any stream's bytes with it (the run's traffic, the
 * proxy's), so a stream means the same wherever it is read.
 */
import { createParser } from 'eventsource-parser';
import { ChatCompletionChunk } from '../spec/schemas/chat.js';
import { describeIssues } from './issues.js';

export const DONE = '[DONE]';

export interface ChatEvents {
  chunks: ChatCompletionChunk[];
  /** `data:` payloads that are neither a valid chunk nor the final `[DONE]`, with what they are instead. */
  invalid: Array<{ index: number; data: string; kind: 'done-early' | 'not-json' | 'not-chunk'; problem: string }>;
  /** True when the last event is `[DONE]` (and it appears nowhere else). */
  doneLast: boolean;
  /** The concatenated `delta.content` of choice 0. */
  content: string;
}

/** The `data:` payloads of an SSE body, in order. */
export function sseData(body: Uint8Array): string[] {
  const data: string[] = [];
  createParser({ onEvent: (event) => data.push(event.data) }).feed(new TextDecoder().decode(body));
  return data;
}

/** The chat events of a stream's `data:` payloads. */
export function readChatEvents(data: readonly string[]): ChatEvents {
  const chunks: ChatCompletionChunk[] = [];
  const invalid: ChatEvents['invalid'] = [];
  data.forEach((payload, index) => {
    if (payload === DONE) {
      if (index !== data.length - 1) invalid.push({ index, data: payload, kind: 'done-early', problem: `${DONE} before the end of the stream` });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      invalid.push({ index, data: payload, kind: 'not-json', problem: 'not JSON' });
      return;
    }
    const parsed = ChatCompletionChunk.safeParse(json);
    if (parsed.success) chunks.push(parsed.data);
    else invalid.push({ index, data: payload, kind: 'not-chunk', problem: describeIssues(parsed.error) });
  });
  const content = chunks
    .flatMap((c) => c.choices.filter((choice) => choice.index === 0))
    .map((choice) => choice.delta.content ?? '')
    .join('');
  return { chunks, invalid, doneLast: data.at(-1) === DONE && data.filter((d) => d === DONE).length === 1, content };
}
