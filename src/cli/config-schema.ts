/**
 * What `sora-kit serve` can be configured with: the keys, their schema, how each is spelt as a flag and
 * as an environment variable, and the licence grammar. How the sources are read and combined is in
 * config.ts.
 */
import { z } from 'zod';
import { PROMPT_ANALYSIS_MODES as ANALYSIS_MODES } from '../spec/analysis.js';
import { MOCK_DEFAULTS } from '../mock/app.js';
import { DEFAULT_BODY_TIMEOUT_MS } from '../adapters/node.js';
import { parseStoreUrl } from '../adapters/redis-store.js';
import { IMAGE_RESPONSE_FORMATS } from '../spec/schemas/index.js';
import { FaultInput } from '../mock/faults.js';
import { FEATURES, SCENARIO_NAMES, type Feature, type LicenseConfig } from '../mock/types.js';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const mib = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4010;
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

// ---------------------------------------------------------------------------------------------------
// Licences

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Parse one licence entry `KEY` or `KEY=feature,feature`. */
export function parseLicenseEntry(entry: string): ParseResult<LicenseConfig> {
  const eq = entry.indexOf('=');
  const key = eq === -1 ? entry : entry.slice(0, eq);
  if (!/^[^\s;=,]+$/.test(key)) {
    return {
      ok: false,
      message: `licence '${entry}' has an empty or malformed key; write KEY or KEY=chat,images,videos (the key may not contain whitespace, ';', '=' or ',')`,
    };
  }
  if (eq === -1) return { ok: true, value: { key, features: [...FEATURES] } };
  const listed = entry
    .slice(eq + 1)
    .split(',')
    .map((f) => f.trim());
  const unknown = listed.filter((f) => !(FEATURES as readonly string[]).includes(f));
  if (listed.length === 0 || unknown.length > 0) {
    const bad = unknown.map((f) => `'${f}'`).join(', ') || "''";
    return { ok: false, message: `licence '${entry}' lists unknown feature ${bad}; accepted features: ${FEATURES.join(', ')}` };
  }
  return { ok: true, value: { key, features: normaliseFeatures(listed as Feature[]) } };
}

function splitLicenseList(text: string): string[] {
  return text.split(/[;\s]+/).filter((e) => e.length > 0);
}

/** Chat first and always present, then the add-ons in a fixed order, so equal licences print equally. */
function normaliseFeatures(features: readonly Feature[]): Feature[] {
  const set = new Set<Feature>(['chat', ...features]);
  return FEATURES.filter((f) => set.has(f));
}

// ---------------------------------------------------------------------------------------------------
// Schema: the shape of a config file, and of every source once its strings are read

const licenseObject = z.strictObject({
  key: z.string().regex(/^[^\s;=,]+$/, 'a non-empty key without whitespace, ";", "=" or ","'),
  features: z.array(z.enum(FEATURES)).min(1),
});

const licenseEntry = z.union(
  [
  z.string().transform((s, ctx) => {
    const parsed = parseLicenseEntry(s);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    return parsed.value;
  }),
  licenseObject.transform((l) => ({ key: l.key, features: normaliseFeatures(l.features) })),
  ],
  { error: 'a licence: "KEY", "KEY=chat,images,videos" or { "key": ..., "features": [...] }' },
);

const scenarioRule = z
  .strictObject({
    prompt: z
      .string()
      .min(1)
      .refine((s) => isRegExp(s), 'a valid regular expression (JavaScript syntax, matched case-insensitively)')
      .optional(),
    model: z.string().min(1).optional(),
    scenario: z.enum(SCENARIO_NAMES),
  })
  .refine((r) => r.prompt !== undefined || r.model !== undefined, 'a rule needs "prompt" or "model" (or both)');

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

/** A Host name the admin surface answers under: `mock.test`, `.lan.example` (it and its subdomains), `192.168.1.5`, `[fe80::1]`. */
const HOST_NAME = /^(\.?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*|\[[0-9A-Fa-f:.]+\])$/;
const HOST_NAME_WORDS = 'a host name (mock.test), .domain for a domain and its subdomains, or an IP address ([::1] for IPv6), without port';

const STORE_WORDS = "'memory', or a Redis URL such as redis://127.0.0.1:6379/0 (rediss:// for TLS)";

const httpUrl = z.url({ protocol: /^https?$/, error: 'an absolute http(s) URL' });

export const serveConfigSchema = z
  .strictObject({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    basePath: z
      .string()
      .regex(/^\/[^\s?#]*[^\s?#/]$/, 'a path starting with "/" without a trailing "/", e.g. "/sora/v1"'),
    publicUrl: httpUrl.transform((u) => u.replace(/\/+$/, '')),
    licenses: z.array(licenseEntry).min(1),
    seed: z.string().min(1),
    // 0 only with --replay (recorded streams without delay); the mock's renders need a positive speed.
    speed: z.number().min(0).finite(),
    instant: z.boolean(),
    admin: z.boolean(),
    cors: z.boolean(),
    fetchImages: z.union([z.literal(false), z.array(z.string().min(1)).min(1)], {
      error: 'false, or a list of host globs ("*.example.com") and URL prefixes',
    }),
    analysis: z.enum(ANALYSIS_MODES),
    openaiBaseUrl: httpUrl.transform((u) => u.replace(/\/+$/, '')),
    openaiApiKey: z.string().min(1),
    openaiModel: z.string().min(1),
    scenarios: z.array(scenarioRule),
    // Run-time faults installed at start (scenario or network, with route, times, model): the mock's own schema.
    faults: z.array(FaultInput),
    maxBodyBytes: z.number().int().positive(),
    retentionSeconds: z.number().int().positive(),
    mediaCacheBytes: z.number().int().positive(),
    maxJobs: z.number().int().positive(),
    log: z.enum(LOG_FORMATS),
    quiet: z.boolean(),
    inspector: z.boolean(),
    mediaSecret: z.string().min(1),
    allowedHosts: z.array(z.string().regex(HOST_NAME, HOST_NAME_WORDS)).min(1),
    adminToken: z.string().regex(/^[\x21-\x7e]{8,256}$/, 'a token of 8 to 256 visible ASCII characters (no spaces)'),
    bodyTimeoutSeconds: z.number().positive().max(3600),
    replay: z.string().min(1),
    replayStrict: z.boolean(),
    mediaWorkers: z.number().int().min(0).max(256),
    imageResponseFormat: z.enum(IMAGE_RESPONSE_FORMATS),
    store: z.string().refine((s) => {
      try {
        parseStoreUrl(s);
        return true;
      } catch {
        return false;
      }
    }, STORE_WORDS),
  })
  .partial();

const BOOLEAN_WORDS = 'a boolean (true/false; in flags and env also 1/0, yes/no, on/off)';
/** What each scalar setting accepts, in words: zod's generic messages ("expected number") say less. */
export const ACCEPTS: Partial<Record<SettingKey, string>> = {
  host: 'a host name or IP address to bind',
  port: 'an integer from 0 to 65535 (0 picks a free port)',
  seed: 'a non-empty string',
  speed: 'a positive number (2 renders twice as fast), or 0 with --replay (no delay)',
  instant: BOOLEAN_WORDS,
  admin: BOOLEAN_WORDS,
  cors: BOOLEAN_WORDS,
  quiet: BOOLEAN_WORDS,
  inspector: BOOLEAN_WORDS,
  analysis: ANALYSIS_MODES.join(' | '),
  log: LOG_FORMATS.join(' | '),
  maxBodyBytes: 'a positive integer number of bytes',
  retentionSeconds: 'a positive integer number of seconds',
  mediaCacheBytes: 'a positive integer number of bytes',
  maxJobs: 'a positive integer number of video jobs',
  openaiApiKey: 'a non-empty string',
  openaiModel: 'a non-empty model name',
  mediaSecret: 'a non-empty string',
  adminToken: 'a token of 8 to 256 visible ASCII characters (no spaces)',
  bodyTimeoutSeconds: 'a positive number of seconds, at most 3600',
  replay: 'the path of a HAR file or of a folder of them',
  replayStrict: BOOLEAN_WORDS,
  mediaWorkers: 'an integer from 0 to 256 (0 generates media on the request loop)',
  imageResponseFormat: IMAGE_RESPONSE_FORMATS.join(' | '),
  store: STORE_WORDS,
};

export type Settings = z.output<typeof serveConfigSchema>;
export type SettingKey = keyof Settings;

// ---------------------------------------------------------------------------------------------------
// Per-key spelling in each source, and how a string (flag or env) becomes a value for the schema

type FromString = (s: string) => unknown;

/** Strings that are not numbers stay strings, so the schema reports them with the value received. */
const asNumber: FromString = (s) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);
const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);
const asBoolean: FromString = (s) => (TRUE.has(s.toLowerCase()) ? true : FALSE.has(s.toLowerCase()) ? false : s);
const asList: FromString = (s) => s.split(/[\s,;]+/).filter((x) => x.length > 0);
const asJson: FromString = (s) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
};
const asString: FromString = (s) => s;

interface Setting {
  /** Long flag of `sora-kit serve`, when the setting has one. */
  flag?: string;
  /** How the flag is given: a switch, one value, or a value that may be repeated. Default 'value'. */
  arity?: 'switch' | 'value' | 'repeatable';
  /** Placeholder of the flag's value in --help. */
  arg?: string;
  fromString: FromString;
  /** Shown in --help and in error messages. */
  help: string;
  /** Its environment variable, when not the derived SORA_MOCK_<KEY> (envName). */
  env?: string;
}

export const SETTINGS: Record<SettingKey, Setting> = {
  host: { flag: '--host', arg: 'host', fromString: asString, help: `interface to bind (default ${DEFAULT_HOST})` },
  port: { flag: '--port', arg: 'port', fromString: asNumber, help: `port to listen on, 0 for any free port (default ${DEFAULT_PORT})` },
  basePath: { flag: '--base-path', arg: 'path', fromString: asString, help: `path prefix of the API (default ${MOCK_DEFAULTS.basePath})` },
  publicUrl: { flag: '--public-url', arg: 'url', fromString: asString, help: 'origin used in media URLs (default: the request origin)' },
  licenses: {
    flag: '--license',
    arity: 'repeatable',
    arg: 'key[=features]',
    // Entries stay strings here; the schema reads each one, so an error names the bad entry.
    fromString: (s) => splitLicenseList(s),
    help: `licence KEY or KEY=chat,images,videos, repeatable (default: the dev licence ${MOCK_DEFAULTS.devLicense})`,
  },
  seed: { flag: '--seed', arg: 'seed', fromString: asString, help: `seed of ids and media (default ${MOCK_DEFAULTS.seed})` },
  speed: { flag: '--speed', arg: 'factor', fromString: asNumber, help: `time scale of video renders and of --replay streams, 2 = twice as fast, 0 = replay without delay (default ${MOCK_DEFAULTS.speed})` },
  instant: { flag: '--instant', arity: 'switch', fromString: asBoolean, help: 'complete video jobs at creation' },
  admin: { flag: '--admin', arity: 'switch', fromString: asBoolean, help: 'enable the /__sora/* admin endpoints' },
  cors: { flag: '--no-cors', arity: 'switch', fromString: asBoolean, help: 'do not send CORS headers' },
  fetchImages: {
    flag: '--fetch-images',
    arity: 'repeatable',
    arg: 'allow',
    fromString: (s) => (FALSE.has(s.toLowerCase()) || s.toLowerCase() === 'none' ? false : asList(s)),
    help: 'allow fetching remote image_url from these host globs or URL prefixes, repeatable (default: none)',
  },
  analysis: { flag: '--analysis', arg: 'mode', fromString: asString, help: `prompt analysis: ${ANALYSIS_MODES.join(' | ')} (default ${MOCK_DEFAULTS.analysis})` },
  openaiBaseUrl: { fromString: asString, help: `OpenAI API base URL for --analysis openai (default ${DEFAULT_OPENAI_BASE_URL})` },
  openaiApiKey: { fromString: asString, help: 'OpenAI API key for --analysis openai' },
  openaiModel: { fromString: asString, help: 'OpenAI model for --analysis openai' },
  scenarios: { fromString: asJson, help: 'scenario rules as JSON: [{"prompt":"regex","model":"name","scenario":"rate_limited"}]' },
  faults: {
    fromString: asJson,
    help: 'faults installed at start, as JSON: [{"network":"reset","route":"GET /videos/:id/content","times":1}] or {"scenario":...} (route, times, model as for POST /__sora/faults)',
  },
  maxBodyBytes: { flag: '--max-body-bytes', arg: 'bytes', fromString: asNumber, help: `largest accepted request body (default ${mib(MOCK_DEFAULTS.maxBodyBytes)})` },
  mediaCacheBytes: { flag: '--media-cache-bytes', arg: 'bytes', fromString: asNumber, help: `bound of the generated-media cache (default ${mib(MOCK_DEFAULTS.mediaCacheBytes)})` },
  retentionSeconds: { flag: '--retention-seconds', arg: 'seconds', fromString: asNumber, help: `seconds a finished video stays downloadable (default ${MOCK_DEFAULTS.retentionSeconds})` },
  maxJobs: { flag: '--max-jobs', arg: 'count', fromString: asNumber, help: `video jobs kept at once; expired ones are evicted first (default ${MOCK_DEFAULTS.maxJobs})` },
  log: { flag: '--log', arg: 'format', fromString: asString, help: `log format: ${LOG_FORMATS.join(' | ')} (default pretty)` },
  quiet: { flag: '--quiet', arity: 'switch', fromString: asBoolean, help: 'no request log' },
  inspector: { flag: '--no-inspector', arity: 'switch', fromString: asBoolean, help: 'do not serve the inspector page at / (default: served)' },
  mediaSecret: {
    flag: '--media-secret',
    arg: 'secret',
    fromString: asString,
    help: 'key that signs media links; instances sharing it (and the seed) serve each other\'s links; prefer the environment (default: random per start)',
  },
  allowedHosts: {
    flag: '--allowed-hosts',
    arity: 'repeatable',
    arg: 'host',
    fromString: asList,
    help: 'more Host names under which /__sora/* and the inspector answer (exact, or .domain for it and its subdomains), repeatable (default: the bound address; 127.0.0.1, localhost, [::1] for loopback)',
  },
  adminToken: {
    flag: '--admin-token',
    arg: 'token',
    fromString: asString,
    help: 'token the /__sora/* admin endpoints require (Authorization: Bearer or X-Sora-Admin-Token); required with --admin on a non-loopback --host; prefer the environment variable',
  },
  replay: {
    flag: '--replay',
    arg: 'path',
    fromString: asString,
    help: 'answer requests that match a recording (a HAR file of sora-kit proxy --record, or a folder of them) with the recorded answer; the rest go to the mock',
  },
  replayStrict: { flag: '--replay-strict', arity: 'switch', fromString: asBoolean, help: 'with --replay: answer unmatched API requests 404 naming the closest recording, instead of the mock' },
  bodyTimeoutSeconds: {
    flag: '--body-timeout-seconds',
    arg: 'seconds',
    fromString: asNumber,
    help: `seconds a request's headers and body may take to arrive before a 408 (default ${DEFAULT_BODY_TIMEOUT_MS / 1000})`,
  },
  mediaWorkers: {
    flag: '--media-workers',
    arg: 'count',
    fromString: asNumber,
    help: 'worker threads that generate media, so encoding never holds up requests; 0 generates on the request loop (default: one per core)',
  },
  imageResponseFormat: {
    flag: '--image-response-format',
    arg: 'format',
    fromString: asString,
    help: `how image answers carry images when the request sends no response_format: ${IMAGE_RESPONSE_FORMATS.join(' | ')} (default ${MOCK_DEFAULTS.imageResponseFormat}, as the platform; b64_json for clients that expect it, such as the Vercel AI SDK's image edit)`,
  },
  store: {
    flag: '--store',
    arg: 'url',
    // The name the issue and the docs give it: it is about the deployment, shared by every replica.
    env: 'SORA_STORE',
    fromString: asString,
    help: "where video jobs live: memory (default), or redis://host:port/db, which replicas behind a load balancer share (give them the same --media-secret and --seed); while Redis is away, requests that need it get 503",
  },
};

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** `publicUrl` -> `SORA_MOCK_PUBLIC_URL`. */
export function envName(key: SettingKey): string {
  return SETTINGS[key].env ?? `SORA_MOCK_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}
export const CONFIG_ENV = 'SORA_MOCK_CONFIG';
