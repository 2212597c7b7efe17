/**
 * The asynchronous video API. One default job (create + poll + content) serves most checks; the
 * landscape, early-content and remix checks share one job each.
 */
import { DeletedVideoResource, VideoListResource, VideoResource } from '../../spec/schemas/videos.js';
import { bodyJson, type Exchange } from '../client.js';
import { expectJson, fail } from '../expect.js';
import { envelopeProblemOf } from '../judge.js';
import { describeHistory, fetchContent, type VideoContent } from '../jobs.js';
import { describeFacts, expectVideoMatches, noteMedia } from '../media.js';
import { MULTIPART_SPEC, PROMPTS, specOfModel, type JobWithContent } from '../resources.js';
import type { ConformanceClient } from '../client.js';
import type { Check } from '../check.js';
import type { VideoSpec } from '../../spec/rules.js';
import { JUDGMENT_CHECKS } from '../judgment-checks.js';

const DEFAULT = specOfModel('sora_video2');
const LANDSCAPE = specOfModel('sora_video2', 'landscape');
/** List and delete are OpenAI's, not the seed's: a deployment that does not route them is not judged on them. */
const NOT_OFFERED = [404, 405, 501];
const JOB_RULE = 'seed: 视频异步任务 (创建 /v1/videos, 查询 /v1/videos/{video_id})';

/** The job completed and its content was fetched; otherwise fail with why not. */
function contentOf(shared: JobWithContent): VideoContent {
  if (shared.job.outcome !== 'completed' || !shared.content) {
    fail(`${shared.job.label} did not complete: ${shared.job.problem ?? shared.job.outcome} (history ${describeHistory(shared.job.history)})`, shared.job.create);
  }
  return shared.content;
}

/** The decoded content of a shared job, noted as media the calling check judged. */
function decodedContent(shared: JobWithContent, client: ConformanceClient) {
  const content = contentOf(shared);
  noteMedia(client, content.exchange, content);
  if (!content.facts) fail(`${shared.job.label}: the content does not decode (${content.error})`, content.exchange);
  return { exchange: content.exchange, facts: content.facts };
}

function expectSpecFields(video: VideoResource, spec: VideoSpec, exchange: Exchange, what: string): void {
  const problems: string[] = [];
  if (video.size !== spec.size) problems.push(`size '${video.size}', expected '${spec.size}'`);
  if (video.seconds !== String(spec.seconds)) problems.push(`seconds '${video.seconds}', expected '${spec.seconds}'`);
  if (problems.length) fail(`${what}: ${problems.join('; ')}`, exchange);
}

/** A content variant OpenAI defines: an image, with the Content-Type of its bytes. */
function variantCheck(variant: 'thumbnail' | 'spritesheet', what: string, shape: (facts: { width: number; height: number }) => boolean): Check {
  return {
    id: `videos.${variant}`,
    group: 'videos',
    severity: 'should',
    purpose: `variant=${variant} answers ${what}.`,
    rule: `OpenAI: GET /videos/{id}/content?variant=${variant}`,
    uses: ['video:default'],
    async run({ client, resources }) {
      const shared = await resources.get('video:default');
      contentOf(shared);
      const got = await fetchContent(client, shared.job.created.id, variant);
      noteMedia(client, got.exchange, got);
      if (!got.facts) fail(`${variant}: ${got.error}`, got.exchange);
      if (got.facts.kind !== 'image') fail(`${variant}: expected an image, decoded ${describeFacts(got.facts)}`, got.exchange, { expected: 'an image', actual: describeFacts(got.facts) });
      if (!/^image\//i.test(got.exchange.contentType)) fail(`${variant}: expected Content-Type image/*, got '${got.exchange.contentType}'`, got.exchange);
      if (!shape(got.facts)) fail(`${variant}: expected ${what}, decoded ${describeFacts(got.facts)}`, got.exchange);
    },
  };
}

export const videoChecks: Check[] = [
  {
    id: 'videos.create',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.create'],
    purpose: 'POST /videos answers a video object with the size and duration the rules give (720x1280, 10 s).',
    uses: ['video:default'],
    async run({ resources }) {
      const { job } = await resources.get('video:default');
      expectSpecFields(job.created, DEFAULT, job.create, 'POST /videos sora_video2');
      if (job.created.status === 'failed') fail('POST /videos sora_video2: the new job is already failed', job.create);
    },
  },
  {
    id: 'videos.poll',
    group: 'videos',
    severity: 'must',
    purpose: 'Polling the job answers valid video objects until it completes, within the longest wait of the run (each observation is judged by videos.lifecycle).',
    rule: JOB_RULE,
    uses: ['video:default'],
    async run({ resources }) {
      const { job } = await resources.get('video:default');
      if (job.outcome !== 'completed') fail(`${job.label}: ${job.problem ?? job.outcome} (history ${describeHistory(job.history)})`, job.create);
    },
  },
  {
    id: 'videos.content.type',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.content.type'],
    purpose: 'GET /videos/{id}/content of a completed job answers Content-Type video/mp4.',
    uses: ['video:default'],
    async run({ resources }) {
      const content = contentOf(await resources.get('video:default'));
      if (content.exchange.status !== 200) fail(`content: expected 200, got ${content.exchange.status}`, content.exchange);
      if (!/^video\/mp4\b/i.test(content.exchange.contentType)) fail(`content: expected Content-Type video/mp4, got '${content.exchange.contentType}'`, content.exchange);
    },
  },
  {
    id: 'videos.content.size',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.content.size'],
    purpose: 'The content decodes to a portrait SD video of the size the job declares.',
    uses: ['video:default'],
    async run({ client, resources }) {
      const shared = await resources.get('video:default');
      const media = decodedContent(shared, client);
      expectVideoMatches(media, { orientation: DEFAULT.orientation, quality: DEFAULT.quality, size: DEFAULT }, 'content of sora_video2');
    },
  },
  {
    id: 'videos.content.duration',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.content.duration'],
    purpose: 'The content of a default sora_video2 job lasts 10 s.',
    uses: ['video:default'],
    async run({ client, resources }) {
      const media = decodedContent(await resources.get('video:default'), client);
      expectVideoMatches(media, { orientation: DEFAULT.orientation, seconds: DEFAULT.seconds }, 'content of sora_video2');
    },
  },
  {
    id: 'videos.size.orientation',
    group: 'videos',
    severity: 'must',
    purpose: 'size 1792x1024 (wider than tall) gives a landscape video; quality still comes from the model (SD).',
    rule: 'seed: 平台参数 size (对于视频, 宽大于高则生成横屏视频); rules: resolveVideoRequest',
    uses: ['video:landscape'],
    async run({ client, resources }) {
      const shared = await resources.get('video:landscape');
      expectSpecFields(shared.job.created, LANDSCAPE, shared.job.create, 'POST /videos size=1792x1024');
      expectVideoMatches(decodedContent(shared, client), { orientation: 'landscape', quality: 'sd', size: LANDSCAPE }, 'content of size=1792x1024');
    },
  },
  variantCheck('thumbnail', 'an image of the video orientation', (facts) => facts.width <= facts.height),
  variantCheck('spritesheet', 'an image (a grid of frames)', () => true),
  {
    id: 'videos.content.range',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.content.range'],
    purpose: 'Video content honours Range: bytes=0-99 with 206, Content-Range bytes 0-99/<size> and those 100 bytes, so players can seek.',
    uses: ['video:default'],
    async run({ client, resources }) {
      const shared = await resources.get('video:default');
      const whole = contentOf(shared);
      const path = `/videos/${encodeURIComponent(shared.job.created.id)}/content`;
      const exchange = await client.request({ path, headers: { range: 'bytes=0-99' } });
      const total = whole.exchange.body.length;
      if (exchange.status !== 206) fail(`Range: bytes=0-99: expected 206 Partial Content, got ${exchange.status}`, exchange, { expected: '206', actual: String(exchange.status) });
      const range = exchange.headers.get('content-range') ?? '';
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range.trim());
      if (!m || m[1] !== '0' || m[2] !== '99' || (m[3] !== '*' && Number(m[3]) !== total)) {
        fail(`Range: bytes=0-99: Content-Range is '${range}', expected 'bytes 0-99/${total}'`, exchange, { expected: `bytes 0-99/${total}`, actual: range || '(none)' });
      }
      const expected = whole.exchange.body.subarray(0, 100);
      if (exchange.body.length !== 100 || !exchange.body.every((b, i) => b === expected[i])) {
        fail(`Range: bytes=0-99: the body is ${exchange.body.length} bytes that are not the first 100 of the content`, exchange);
      }
    },
  },
  {
    id: 'videos.size.orientation.multipart',
    group: 'videos',
    severity: 'must',
    purpose: 'In a multipart body too, size 1792x1024 gives a landscape video.',
    rule: 'seed: 平台参数 size (对于视频, 宽大于高则生成横屏视频); seed: 调用示例 (--form)',
    uses: ['video:multipart'],
    async run({ client, resources }) {
      const shared = await resources.get('video:multipart');
      if (shared.job.created.size !== MULTIPART_SPEC.size) fail(`POST /videos (multipart) size=1792x1024: the job says size '${shared.job.created.size}', expected '${MULTIPART_SPEC.size}'`, shared.job.create);
      expectVideoMatches(decodedContent(shared, client), { orientation: 'landscape', size: MULTIPART_SPEC }, 'content of multipart size=1792x1024');
    },
  },
  {
    id: 'videos.seconds',
    group: 'videos',
    severity: 'should',
    purpose: 'seconds 15 decides the duration where the model name leaves it open (sora_video2): the job says 15 and its content lasts 15 s.',
    rule: 'OpenAI: POST /videos seconds; seed: 模型列表 (sora_video2 默认10秒: a default, so seconds may change it)',
    uses: ['video:multipart'],
    async run({ client, resources }) {
      const shared = await resources.get('video:multipart');
      if (shared.job.created.seconds !== '15') fail(`POST /videos seconds=15: the job says seconds '${shared.job.created.seconds}', expected '15'`, shared.job.create, { expected: '15', actual: shared.job.created.seconds });
      expectVideoMatches(decodedContent(shared, client), { seconds: 15 }, 'content of seconds=15');
    },
  },
  {
    id: 'videos.content.before-completion',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.content.before-completion'],
    purpose: 'Content of a job that is not completed yet is a 4xx, not bytes.',
    uses: ['video:early'],
    async run({ resources, skip }) {
      const early = await resources.get('video:early');
      if (early.created.status === 'completed') skip('the job was completed at creation; nothing to observe');
      if (early.content.status >= 400 && early.content.status <= 499) return;
      const after = VideoResource.safeParse(bodyJson(early.after));
      if (early.content.status >= 200 && early.content.status <= 299 && after.success && after.data.status === 'completed') {
        skip('the job completed before the content request; nothing to observe');
      }
      fail(`content of ${early.created.id} while ${after.success ? after.data.status : 'not completed'}: expected a 4xx, got ${early.content.status}`, early.content);
    },
  },
  {
    id: 'videos.remix',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.remix'],
    purpose: 'Remix of a completed video answers a new video object whose remixed_from_video_id is the source.',
    uses: ['video:default', 'video:remix'],
    async run({ resources }) {
      const remix = await resources.get('video:remix');
      const created = expectJson(remix.create, VideoResource, `remix of ${remix.sourceId}`);
      if (created.id === remix.sourceId) fail(`remix of ${remix.sourceId}: answered the source itself, expected a new job`, remix.create);
      if (created.remixed_from_video_id !== remix.sourceId) {
        fail(`remix of ${remix.sourceId}: remixed_from_video_id is ${JSON.stringify(created.remixed_from_video_id)}, expected '${remix.sourceId}'`, remix.create);
      }
      if (!remix.retrieve) return;
      const retrieved = expectJson(remix.retrieve, VideoResource, `GET the remix ${created.id}`);
      if (retrieved.remixed_from_video_id !== remix.sourceId) {
        fail(`GET the remix ${created.id}: remixed_from_video_id is ${JSON.stringify(retrieved.remixed_from_video_id)}, expected '${remix.sourceId}'`, remix.retrieve);
      }
    },
  },
  {
    id: 'videos.unknown-id',
    group: 'videos',
    severity: 'should',
    purpose: 'An id that does not exist is 404 with an error envelope: GET /videos/{id}, its content, and a remix of it.',
    rule: 'OpenAI: 404 for unknown resources; RFC 9110 15.5.5',
    async run({ client }) {
      const missing = '/videos/video_sora_kit_conformance_missing';
      const cases = [
        { what: 'GET of an unknown video id', spec: { path: missing } },
        { what: 'content of an unknown video id', spec: { path: `${missing}/content` } },
        { what: 'remix of an unknown video id', spec: { path: `${missing}/remix`, json: { prompt: PROMPTS.remix, model: 'sora_video2' } } },
      ];
      for (const c of cases) {
        const exchange = await client.request({ ...c.spec, mistake: true });
        if (exchange.status !== 404) fail(`${c.what}: expected 404, got ${exchange.status}`, exchange, { expected: '404', actual: String(exchange.status) });
        const problem = envelopeProblemOf(exchange);
        if (problem) fail(`${c.what}: ${problem}`, exchange);
      }
    },
  },
  {
    id: 'videos.list',
    group: 'videos',
    severity: 'should',
    purpose: 'GET /videos (when offered) lists jobs as an OpenAI list that includes the job just made.',
    rule: 'OpenAI: GET /videos (VideoListResource); specs/mock.md',
    uses: ['video:default'],
    async run({ client, resources, skip }) {
      const { job } = await resources.get('video:default');
      const exchange = await client.request({ path: '/videos?limit=100' });
      if (NOT_OFFERED.includes(exchange.status)) skip(`GET /videos is not offered (${exchange.status})`);
      const list = expectJson(exchange, VideoListResource, 'GET /videos');
      if (!list.data.some((v) => v.id === job.created.id)) fail(`GET /videos: ${job.created.id} is not among the ${list.data.length} listed`, exchange);
    },
  },
  {
    id: 'videos.delete',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.delete'],
    purpose: 'DELETE /videos/{id} (when offered) answers video.deleted, after which the id is 404.',
    uses: ['video:early'],
    async run({ client, resources, skip }) {
      const early = await resources.get('video:early');
      const path = `/videos/${encodeURIComponent(early.created.id)}`;
      const answer = await client.request({ path, method: 'DELETE' });
      if (NOT_OFFERED.includes(answer.status)) skip(`DELETE /videos/{id} is not offered (${answer.status})`);
      const deleted = expectJson(answer, DeletedVideoResource, `DELETE ${path}`);
      if (deleted.id !== early.created.id) fail(`DELETE ${path}: answered id '${deleted.id}'`);
      const after = await client.request({ path, mistake: true });
      if (after.status !== 404) fail(`GET ${path} after DELETE: expected 404, got ${after.status}`, after);
    },
  },
];

