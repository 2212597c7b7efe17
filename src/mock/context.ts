/**
 * What every route gets: the effective options, the mock's clock, jobs, ids, media, and the helpers
 * that more than one route needs (scenario choice, prompt analysis, media URLs).
 */
import { analyzePrompt, type PromptAnalysisResult } from '../spec/analysis.js';
import { MEDIA_EXTENSIONS, encodeRecipe, type MediaStore, type MediaVariant, type Recipe } from '../media/index.js';
import { readBody, type BodyOptions, type ParsedBody } from './body.js';
import type { Fault, FaultRegistry } from './faults.js';
import type { IdSource } from './ids.js';
import { BODY_PREVIEW_BYTES } from './journal.js';
import { andThen, type JobStore, type MaybePromise } from './jobs.js';
import type { LinkSigner } from './links.js';
import { scenarioFromHeader } from './scenarios.js';
import type { AnswerOptions, JobEvent, JournalEntry, LicenseConfig, MediaLink, ResolvedSoraMockOptions, ScenarioName } from './types.js';
import { resolveNetwork, type NetworkChoice } from './network.js';
import { networkChoiceOf } from './faults.js';

export interface MockContext {
  options: ResolvedSoraMockOptions;
  now(): number;
  jobs: JobStore;
  ids: IdSource;
  media: MediaStore;
  /** Signs and checks media links with the instance's media secret (links.ts). */
  signer: LinkSigner;
  ruleScenario(prompt: string, model: string): ScenarioName | undefined;
  faults: FaultRegistry;
  emitJob(event: JobEvent): void;
  /** A link added after the journal entry was written (a stream's later frames): the entry grows. */
  linkedLater(entry: JournalEntry, link: MediaLink): void;
}

/** Per-request view: the request plus what the journal wants to know about it. */
export interface RequestContext extends MockContext {
  request: Request;
  /** The request URL's path and query, as `new URL(request.url)` has them (what routing and the journal read). */
  path: string;
  search: string;
  /** The request URL, parsed the first time something needs more than its path and query. */
  readonly url: URL;
  /** The operation of the table (spec/operations.ts) the request was routed to, if any. */
  operation?: string;
  /** The licence the pipeline's licence step recognised; jobs belong to it (ownerOf in start-job.ts). */
  license?: LicenseConfig;
  /** The scenario that shapes the answer, for the journal: set by the pipeline's scenario step only. */
  scenario?: ScenarioName;
  /** The run-time fault that chose the scenario, if one did. */
  fault?: Fault;
  /** The model a generation named (what faults match against), once the pipeline knows it. */
  model?: string;
  /** The video job the answer is about, for the journal (and the client report). */
  job?: JournalEntry['job'];
  /** The network fault the `Prefer` header asked for (read before routing, so a bad one is a 400). */
  preferNetwork?: NetworkChoice;
  /** Set by the app for an error answer: what the envelope said. */
  error?: { type: string | null; code: string | null; param: string | null };
  /**
   * Media URLs the response links to, in order, for the journal (and the inspector's thumbnails). The
   * journal entry holds this very array, so links a stream adds later still reach it.
   */
  links: MediaLink[];
  /** The journal entry, once the journal step has written it; a link a stream adds later grows it (mediaUrl). */
  entry?: JournalEntry;
  /** What the adapter that asked told the mock (mock.answer's options): its surface rules, its hang-up. */
  transport?: AnswerOptions;
  /** Which surface the request is on (the journal step reads it once): the API, the mock's own (`/__sora/*`), the inspector's. */
  surface?: 'api' | 'admin' | 'inspector';
  /** The route the route step found, and its parameters; the rest of the flow is its own steps. */
  match?: { handler: (ctx: RequestContext, params: Record<string, string>) => Response | Promise<Response>; params: Record<string, string> };
  /** The operation's input as the pipeline's input step parsed and validated it. */
  input?: unknown;
  /** The body as parsed, and the first bytes as read, for the journal. */
  body?: ParsedBody;
  raw?: { bytes: Uint8Array; size: number };
}

/**
 * A request's context: the instance's part copied field by field, plus the request's own, as an
 * instance of one class. Every field is set in the constructor, in one order (the optional ones to
 * undefined), so every context has one hidden class however a route fills it in; and `url` is a getter
 * on the prototype. An object literal with its own getter was the single most expensive step of a
 * poll: V8 gives each such literal its own accessor pair and cannot clone a boilerplate for it.
 */
class Context implements RequestContext {
  declare options: ResolvedSoraMockOptions;
  declare now: () => number;
  declare jobs: JobStore;
  declare ids: IdSource;
  declare media: MediaStore;
  declare signer: LinkSigner;
  declare ruleScenario: MockContext['ruleScenario'];
  declare faults: FaultRegistry;
  declare emitJob: MockContext['emitJob'];
  declare linkedLater: MockContext['linkedLater'];
  declare request: Request;
  declare path: string;
  declare search: string;
  declare links: MediaLink[];
  declare operation: string | undefined;
  declare license: LicenseConfig | undefined;
  declare scenario: ScenarioName | undefined;
  declare fault: Fault | undefined;
  declare model: string | undefined;
  declare job: RequestContext['job'];
  declare preferNetwork: NetworkChoice | undefined;
  declare error: RequestContext['error'];
  declare entry: JournalEntry | undefined;
  declare transport: AnswerOptions | undefined;
  declare surface: RequestContext['surface'];
  declare match: RequestContext['match'];
  declare input: unknown;
  declare body: ParsedBody | undefined;
  declare raw: RequestContext['raw'];
  declare parsedUrl: URL | undefined;

  constructor(base: MockContext, request: Request, path: string, search: string, parsed: URL | undefined, transport: AnswerOptions | undefined) {
    this.options = base.options;
    this.now = base.now;
    this.jobs = base.jobs;
    this.ids = base.ids;
    this.media = base.media;
    this.signer = base.signer;
    this.ruleScenario = base.ruleScenario;
    this.faults = base.faults;
    this.emitJob = base.emitJob;
    this.linkedLater = base.linkedLater;
    this.request = request;
    this.path = path;
    this.search = search;
    this.links = [];
    this.operation = undefined;
    this.license = undefined;
    this.scenario = undefined;
    this.fault = undefined;
    this.model = undefined;
    this.job = undefined;
    this.preferNetwork = undefined;
    this.error = undefined;
    this.entry = undefined;
    this.transport = transport;
    this.surface = undefined;
    this.match = undefined;
    this.input = undefined;
    this.body = undefined;
    this.raw = undefined;
    this.parsedUrl = parsed;
  }

  get url(): URL {
    return (this.parsedUrl ??= new URL(this.request.url));
  }
}

export function requestContext(base: MockContext, request: Request, path: string, search: string, parsed: URL | undefined, transport: AnswerOptions | undefined): RequestContext {
  return new Context(base, request, path, search, parsed, transport);
}

/** Read the request body (readBody) and keep what the journal records of it. */
export async function readRequestBody(ctx: RequestContext, options: Omit<BodyOptions, 'onBytes'>): Promise<ParsedBody> {
  const parsed = await readBody(ctx.request, {
    ...options,
    onBytes: (bytes) => {
      ctx.raw = { bytes: bytes.subarray(0, BODY_PREVIEW_BYTES), size: bytes.byteLength };
    },
  });
  ctx.body = parsed;
  return parsed;
}

/** The request's path under the base path (`/videos/video_1`), which faults' routes are written in. */
function apiPath(ctx: RequestContext): string {
  return ctx.path.slice(ctx.options.basePath.length) || '/';
}

/**
 * The scenario of a generation: the `Prefer` header, else the newest run-time fault that matches
 * (it counts a time), else the config rules. Records the fault (and the model) for the journal; the
 * pipeline's scenario step records the choice. A promise only when the faults are shared (Redis).
 */
export function chooseScenario(ctx: RequestContext, prompt: string, model: string): MaybePromise<ScenarioName | undefined> {
  ctx.model = model;
  const header = scenarioFromHeader(ctx.request);
  if (header) return header;
  return andThen(ctx.faults.fire({ method: ctx.request.method, path: apiPath(ctx), model, generation: true }), (fault) => {
    if (!fault) return ctx.ruleScenario(prompt, model);
    ctx.fault = fault;
    return fault.scenario;
  });
}

/**
 * The scenario of a read (no prompt, no model): the header, else a matching run-time fault whose
 * scenario means something on a read. Config rules match prompts and models, so they never apply here.
 */
export function chooseReadScenario(ctx: RequestContext): MaybePromise<ScenarioName | undefined> {
  const header = scenarioFromHeader(ctx.request);
  if (header) return header;
  return andThen(ctx.faults.fire({ method: ctx.request.method, path: apiPath(ctx), generation: false }), (fault) => {
    if (fault) ctx.fault = fault;
    return fault?.scenario;
  });
}

/**
 * The network fault for this answer: the `Prefer` header's, else the newest matching network fault
 * (it counts a time), with its numbers resolved for this answer (its Content-Length, the speed).
 */
export function chooseNetwork(ctx: RequestContext, response: Response): MaybePromise<JournalEntry['network']> {
  const header = ctx.preferNetwork;
  const resolve = (fault: Fault | undefined): JournalEntry['network'] => {
    const choice = header ?? (fault && networkChoiceOf(fault));
    if (!choice) return undefined;
    const length = response.headers.get('content-length');
    const resolved = resolveNetwork(choice, ctx.options.speed, length === null ? undefined : Number(length));
    return fault ? { ...resolved, fault: fault.id } : resolved;
  };
  return header ? resolve(undefined) : andThen(ctx.faults.fire({ method: ctx.request.method, path: apiPath(ctx), model: ctx.model, generation: false, network: true }), resolve);
}

/** The platform's "analyse prompt" setting; undefined when it is off. Never rejects (openai falls back). */
export async function analyse(ctx: MockContext, prompt: string): Promise<PromptAnalysisResult | undefined> {
  const { mode, openai } = ctx.options.promptAnalysis;
  if (mode === 'off') return undefined;
  return analyzePrompt(prompt, openai ? { mode, openai } : { mode });
}

export const VARIANT_OF_EXTENSION: Record<string, MediaVariant> = Object.fromEntries(
  Object.entries(MEDIA_EXTENSIONS).map(([variant, extension]) => [extension, variant as MediaVariant]),
);

/** Files live under `<basePath>/files/`; the name is the encoded recipe and its signature, so any instance with the secret can serve it. */
export const FILES_SEGMENT = 'files';

/**
 * `<basePath>/files/<recipe>.<signature>.<ext>`: where any instance with the same media secret serves
 * this recipe's media. The signature covers the recipe and the variant (so the extension too).
 */
export function mediaPath(ctx: Pick<MockContext, 'options' | 'signer'>, recipe: Recipe, variant: MediaVariant): string {
  const text = encodeRecipe(recipe);
  return signedMediaPath(ctx.options.basePath, text, variant, ctx.signer.sign(variant, text));
}

/** The path of a `files` link from its parts: the encoded recipe and its signature for `variant`. */
export function signedMediaPath(basePath: string, recipeText: string, variant: MediaVariant, signature: string): string {
  return `${basePath}/${FILES_SEGMENT}/${recipeText}.${signature}.${MEDIA_EXTENSIONS[variant]}`;
}

/** The absolute URL a response links to; recorded on the request for the journal. */
export function mediaUrl(ctx: RequestContext, recipe: Recipe, variant: MediaVariant): string {
  const origin = ctx.options.publicUrl ?? ctx.url.origin;
  const url = `${origin.replace(/\/$/, '')}${mediaPath(ctx, recipe, variant)}`;
  const link = { variant, url };
  ctx.links.push(link);
  if (ctx.entry) ctx.linkedLater(ctx.entry, link);
  return url;
}
