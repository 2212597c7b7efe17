/**
 * Reading an OpenAI chat-completion stream. The SSE framing itself is eventsource-parser's job (in
 * client.ts); this module judges the events: every `data:` a valid `chat.completion.chunk`, the role
 * in the first delta, `[DONE]` last, and the text the deltas add up to.
 */
import { ChatCompletionChunk } from '../spec/schemas/chat.js';
import type { SseResult } from './client.js';
import { describeIssues } from './expect.js';

export const DONE = '[DONE]';

export interface ChatStream {
  sse: SseResult;
  chunks: ChatCompletionChunk[];
  /** `data:` payloads that are neither a valid chunk nor the final `[DONE]`. */
  invalid: Array<{ index: number; data: string; problem: string }>;
  /** True when the last event is `[DONE]` (and it appears nowhere else). */
  doneLast: boolean;
  /** The concatenated `delta.content` of choice 0. */
  content: string;
}

export function readChatStream(sse: SseResult): ChatStream {
  const chunks: ChatCompletionChunk[] = [];
  const invalid: ChatStream['invalid'] = [];
  sse.data.forEach((data, index) => {
    if (data === DONE) {
      if (index !== sse.data.length - 1) invalid.push({ index, data, problem: `${DONE} before the end of the stream` });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      invalid.push({ index, data, problem: 'not JSON' });
      return;
    }
    const parsed = ChatCompletionChunk.safeParse(json);
    if (parsed.success) chunks.push(parsed.data);
    else invalid.push({ index, data, problem: describeIssues(parsed.error) });
  });
  const content = chunks
    .flatMap((c) => c.choices.filter((choice) => choice.index === 0))
    .map((choice) => choice.delta.content ?? '')
    .join('');
  return { sse, chunks, invalid, doneLast: sse.data.at(-1) === DONE && sse.data.filter((d) => d === DONE).length === 1, content };
}
