import { describe, expect, it } from 'vitest';
import {
  ChatCompletionRequest,
  ErrorEnvelope,
  ImageEditRequest,
  ImageGenerationRequest,
  VideoCreateRequest,
  errorEnvelope,
  zodIssueToError,
} from '../../../src/spec/schemas/index.js';
import type { z } from 'zod';
import { officialErrors } from './official.js';

function errorOf(schema: z.ZodType, body: unknown) {
  const parsed = schema.safeParse(body);
  if (parsed.success) throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
  const envelope = zodIssueToError(parsed.error.issues, body);
  // Every envelope we build must be our own shape and OpenAI's.
  expect(ErrorEnvelope.safeParse(envelope).success).toBe(true);
  expect(officialErrors('ErrorResponse', envelope)).toEqual([]);
  return envelope.error;
}

const chat = (extra: object) => ({ model: 'sora_image', messages: [{ role: 'user', content: 'x' }], ...extra });

describe('errorEnvelope', () => {
  it('builds the OpenAI envelope with invalid_request_error and null param/code by default', () => {
    expect(errorEnvelope('Nope.')).toEqual({ error: { message: 'Nope.', type: 'invalid_request_error', param: null, code: null } });
    expect(errorEnvelope('Slow down.', { type: 'rate_limit_error', code: 'rate_limited' }).error).toMatchObject({
      type: 'rate_limit_error',
      code: 'rate_limited',
      param: null,
    });
  });
});

describe('zodIssueToError', () => {
  it('a malformed value: names the parameter, the value and what is accepted', () => {
    const error = errorOf(ImageGenerationRequest, { prompt: 'p', model: 'sora_image', size: 'big' });
    expect(error).toMatchObject({ param: 'size', code: 'invalid_value', type: 'invalid_request_error' });
    expect(error.message).toContain("'size'");
    expect(error.message).toContain('"big"');
    expect(error.message).toContain('WxH');
  });

  it('a missing parameter: missing_required_parameter', () => {
    const error = errorOf(ImageGenerationRequest, { model: 'sora_image' });
    expect(error).toMatchObject({ param: 'prompt', code: 'missing_required_parameter' });
    expect(error.message).toMatch(/Missing required parameter: 'prompt'.*non-empty string/);
  });

  it('a wrong type: invalid_type, with the type received', () => {
    const error = errorOf(ChatCompletionRequest, chat({ n: '2' }));
    expect(error).toMatchObject({ param: 'n', code: 'invalid_type' });
    expect(error.message).toContain('received string "2"');
    expect(error.message).toContain('an integer from 1 to 4');
  });

  it('an out-of-range value says the range', () => {
    const error = errorOf(ChatCompletionRequest, chat({ n: 9 }));
    expect(error).toMatchObject({ param: 'n', code: 'invalid_value' });
    expect(error.message).toContain('received 9; expected an integer from 1 to 4');
  });

  it('an enum lists its values', () => {
    const error = errorOf(ImageGenerationRequest, { prompt: 'p', model: 'sora_image', response_format: 'png' });
    expect(error.message).toContain("one of 'url', 'b64_json'");
  });

  it('a model name: the grammar message, with its suggestion, and code invalid_model', () => {
    const error = errorOf(ChatCompletionRequest, chat({ model: 'sora_video2-HD' }));
    expect(error).toMatchObject({ param: 'model', code: 'invalid_model' });
    expect(error.message).toContain("'HD'");
    expect(error.message).toContain("Did you mean 'sora_video2-hd'?");
    const conflict = errorOf(VideoCreateRequest, { prompt: 'p', model: 'sora_video2-portrait-landscape' });
    expect(conflict.message).toContain('exclude each other');
  });

  it('a model of the wrong kind for the endpoint says which models it takes', () => {
    expect(errorOf(ImageGenerationRequest, { prompt: 'p', model: 'sora_video2' }).message).toContain('accepts only sora_image');
    expect(errorOf(VideoCreateRequest, { prompt: 'p', model: 'sora_image' }).message).toContain('only video models');
  });

  it('a nested error gets the dotted path of the branch the client meant', () => {
    const body = { model: 'sora_image', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }] };
    const error = errorOf(ChatCompletionRequest, body);
    expect(error.param).toBe('messages.0.content.1.image_url.url');
    expect(error.message).toContain('"file:///etc/passwd"');
    expect(error.message).toContain('http(s) URL or a base64 data URI');
  });

  it('a union that fails on the type lists what it takes', () => {
    const error = errorOf(ChatCompletionRequest, { model: 'sora_image', messages: [{ role: 'user', content: { text: 'x' } }] });
    expect(error).toMatchObject({ param: 'messages.0.content', code: 'invalid_type' });
    expect(error.message).toContain('a string or an array of content parts');
  });

  it('long values are truncated so the message stays one readable line', () => {
    const url = `data:image/png;base64,${'A'.repeat(5000)}%`;
    const error = errorOf(ChatCompletionRequest, { model: 'sora_image', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).toContain('characters)');
  });

  it('a body that is not an object has a null param', () => {
    const error = errorOf(ChatCompletionRequest, [1, 2]);
    expect(error).toMatchObject({ param: null, code: 'invalid_type' });
    expect(error.message).toContain('the request body');
  });

  it('a text value where a file belongs names the field and says a file upload is expected', () => {
    const error = errorOf(ImageEditRequest, { image: ['hello'], prompt: 'p', model: 'sora_image' });
    expect(error).toMatchObject({ param: 'image.0', code: 'invalid_type' });
    expect(error.message).toContain('file upload');
  });
});
