/**
 * The checks the registry of judgments (registry.ts) reports: each id with its severity, the rule it
 * cites and, for a check only the registry reports, its purpose. One table: catalogue checks of the
 * same id spread their row, the proxy's report reads it, the checks table of specs/conformance.md is
 * generated from the catalogue that holds them.
 */
import { MODEL_OPTIONS } from '../spec/model.js';
import type { Severity } from './exchange.js';

/**
 * Every check a judgment of the registry reports, with its severity and the rule it cites. A check of
 * the catalogue with the same id spreads these (one fact); a check only the registry reports has its
 * `purpose` here and becomes a final check of the run (catalogue/traffic.ts).
 */
export const JUDGMENT_CHECKS = {
  'objects.schema': { severity: 'should', rule: "OpenAI: the schema of every object (VideoResource, ChatCompletion, ImagesResponse, lists, chunks)", purpose: "Every JSON answer of the run (every poll, list, completion, image response) matches its OpenAI schema." },
  'chat.stream.framing': { severity: 'should', rule: "OpenAI: chat completion streaming (data: chunk ... data: [DONE]); WHATWG HTML: server-sent events", purpose: "Every chat stream of the run is data: chunks, each a valid chat.completion.chunk, ending with data: [DONE]." },
  'errors.envelope': { severity: 'should', rule: "OpenAI: error object {error:{message,type,param,code}}, invalid_request_error naming param", purpose: "Every error answer of the run is a JSON envelope; refusals of mistakes are invalid_request_error naming the parameter." },
  'errors.param-named': { severity: 'info', rule: "OpenAI: error.param is nullable (OpenAI itself answers some refusals with null); naming the parameter helps clients", purpose: "Every refusal of a mistake names the parameter in error.param (null is OpenAI's too, but tells the client less)." },
  'media.content-type': { severity: 'should', rule: "RFC 9110 8.3: Content-Type names the representation (PNG, JPEG, WebP, MP4)", purpose: "Every media answer of the run has the Content-Type of its bytes (PNG, JPEG, WebP, MP4)." },
  'videos.lifecycle': { severity: 'should', rule: "OpenAI: VideoResource status, progress 0..100, created_at/completed_at unix seconds; seed: 视频异步任务 (query until done)", purpose: "Every video object of the run: status only forward, progress 0..100 never down and 100 when completed, unix-second timestamps in order, fields stable." },
  'errors.required-params': { severity: 'must', rule: "seed: 调用示例 (the parameters each request carries); OpenAI: required request fields" },
  'images.edits.missing-image': { severity: 'must', rule: "seed: 图生图 /v1/images/edits (image[] is the input)" },
  'errors.options-on-base': { severity: 'must', rule: "seed: 模型参数 (仅支持 sora_video2 模型指定该参数)" },
  'chat.image.options-rejected': { severity: 'must', rule: "seed: 模型参数 (仅支持 sora_video2 模型指定该参数)" },
  'errors.unknown-model': { severity: 'must', rule: "seed: 模型列表; seed: 模型参数" },
  'errors.bad-size': { severity: 'must', rule: "seed: 平台参数 size (格式为 widthxheight)" },
  'images.n.max': { severity: 'must', rule: "seed: 平台参数 n (最大值为 4)" },
  'errors.no-5xx-or-html': { severity: 'should', rule: "RFC 9110 15.5: client errors are 4xx; OpenAI: JSON error bodies" },
  'auth.raw-license': { severity: 'must', rule: "seed: 调用示例 (Authorization: <licence>, no Bearer)" },
  'auth.bearer-license': { severity: 'should', rule: "OpenAI: Authorization: Bearer; specs/mock.md#licences" },
  'auth.missing-license': { severity: 'must', rule: "seed: 调用示例 (every call sends --header Authorization: <你的许可证>); RFC 9110 15.5.2" },
  'videos.create': { severity: 'must', rule: "seed: 视频异步任务 (创建 /v1/videos, 查询 /v1/videos/{video_id}); seed: 模型列表 (sora_video2 默认10秒竖屏标清)" },
  'videos.remix': { severity: 'must', rule: "seed: 视频编辑 /v1/videos/{video_id}/remix; OpenAI: VideoResource.remixed_from_video_id" },
  'videos.delete': { severity: 'should', rule: "OpenAI: DELETE /videos/{id} (DeletedVideoResource)" },
  'models.list': { severity: 'should', rule: "OpenAI: GET /models (ListModelsResponse); seed: 模型列表, 模型参数" },
  'videos.content.before-completion': { severity: 'info', rule: "specs/mock.md#errors (409 video_not_ready); OpenAI: content exists once completed" },
  'videos.content.range': { severity: 'should', rule: "RFC 9110 14 (Range requests); OpenAI: GET /videos/{id}/content" },
  'videos.content.type': { severity: 'should', rule: "seed: 获取视频内容 /v1/videos/{video_id}/content; OpenAI: video content is MP4" },
  'videos.content.size': { severity: 'must', rule: "seed: 模型列表 (竖屏标清); the video object size" },
  'videos.content.duration': { severity: 'must', rule: "seed: 模型列表 (sora_video2 默认生成10秒)" },
  'videos.thumbnail': { severity: 'should', rule: "OpenAI: GET /videos/{id}/content?variant=thumbnail" },
  'chat.image.stream.content-type': { severity: 'should', rule: "OpenAI: streaming is server-sent events; WHATWG HTML: text/event-stream" },
  'chat.image.stream.role-first': { severity: 'should', rule: "OpenAI: chat completion streaming (data: chunk ... data: [DONE]); specs/mock.md#chat-completions" },
  'chat.image.stream.done': { severity: 'should', rule: "OpenAI: chat completion streaming (data: chunk ... data: [DONE]); specs/mock.md#chat-completions" },
  'chat.image.stream.image': { severity: 'must', rule: "seed: 对话接口文生图 (\"stream\": true)" },
  'chat.image.nonstream': { severity: 'must', rule: "seed: 对话接口文生图" },
  'chat.video.stream': { severity: 'must', rule: "seed: 模型列表 (sora_video2 默认生成10秒竖屏标清视频)" },
  'chat.video.options': { severity: 'must', rule: `seed: 模型参数 (${MODEL_OPTIONS.join(', ')} joined with -)` },
  'images.n': { severity: 'must', rule: "seed: 平台参数 n (变体的数量, 最大值为 4)" },
  'images.size.square': { severity: 'must', rule: "seed: 平台参数 size (宽高一样 1:1, 宽大于高 3:2, 否则 2:3)" },
  'images.size.wide': { severity: 'must', rule: "seed: 平台参数 size (宽高一样 1:1, 宽大于高 3:2, 否则 2:3)" },
  'images.size.tall': { severity: 'must', rule: "seed: 平台参数 size (宽高一样 1:1, 宽大于高 3:2, 否则 2:3)" },
  'images.edits': { severity: 'must', rule: "seed: 图生图 /v1/images/edits (--form image[]=@...)" },
  'images.generations.multipart': { severity: 'must', rule: "seed: 文生图 /v1/images/generations (--form); seed: 平台参数 n (默认为 1)" },
  'objects.consistency': {
    severity: 'should',
    rule: 'OpenAI: ChatCompletion and chunk (created unix seconds, same for every chunk; model; usage), ImagesResponse (created, size, output_format), Model.created',
    purpose: 'Every answer of the run agrees with its request and itself beyond its schema: unix-second timestamps, the model asked for, choice indexes, usage that adds up, chunks that share created and model, images whose size and output_format match.',
  },
  'videos.relations': {
    severity: 'should',
    rule: 'OpenAI: VideoResource (prompt, remixed_from_video_id, expires_at, error), DELETE /videos/{id}, POST /videos/{id}/remix (same size and duration)',
  },
  'videos.list.pages': { severity: 'should', rule: 'OpenAI: GET /videos (after, limit, order; VideoListResource first_id, last_id, has_more)' },
  'proxy.impossible-answer': {
    severity: 'must',
    rule: 'RFC 9110 15 (a status code is three digits, 100 to 599) and 5.5 (no control characters in a field); an answer no client can receive',
    purpose: 'Every answer has a status line HTTP can carry (a three-digit status from 100 to 599, a reason phrase without control characters).',
  },
  'auth.licence-not-echoed': {
    severity: 'should',
    rule: 'RFC 9110 11.6.2 (credentials travel in Authorization); OpenAI: API keys are secret, the API never returns one',
    purpose: 'No answer of the run carries the licence it was sent: not in a header, a body or a link (percent-encoded or not).',
  },
  'images.b64-json': { severity: 'should', rule: "OpenAI: ImagesResponse data[].b64_json" },
} as const satisfies Record<string, { severity: Severity; rule: string; purpose?: string }>;

/** A check the registry reports. */
export type JudgmentCheckId = keyof typeof JUDGMENT_CHECKS;

export const severityOf = (check: string): Severity => (JUDGMENT_CHECKS as Record<string, { severity: Severity }>)[check]?.severity ?? 'should';
export const ruleOf = (check: string): string => (JUDGMENT_CHECKS as Record<string, { rule: string }>)[check]?.rule ?? '';
