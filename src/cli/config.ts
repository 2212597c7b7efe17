/**
 * Configuration of the standalone mock (`sora-kit serve`), from four sources:
 *
 *   flags (`--port 4010`)  >  env (`SORA_MOCK_PORT=4010`)  >  file (`--config sora-mock.json`)  >  defaults
 *
 * Every setting has one key (camelCase, the name used in the config file), one flag and one environment
 * variable derived from it (see SETTINGS). Each source is validated on its own, so an error names the key
 * exactly as the user wrote it (`--port`, `SORA_MOCK_PORT` or `sora-mock.json: port`), the value received
 * and what is accepted. Lists (licences, fetch allow-list, scenarios) are replaced, not merged, by a
 * higher source: a licence given on the command line should not silently keep the ones from the file.
 *
 * Licences, in flags and in SORA_MOCK_LICENSES:
 *
 *   licences := entry ( ( ";" | whitespace )+ entry )*
 *   entry    := key [ "=" feature ( "," feature )* ]          feature := chat | images | videos
 *
 * `KEY` alone grants every feature. Chat is part of every licence (the platform sells images and videos
 * as add-ons to it), so `KEY=videos` grants chat and videos. In the file, an entry is either that string
 * or `{ "key": "...", "features": [...] }`.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import {
  ACCEPTS,
  CONFIG_ENV,
  DEFAULT_HOST,
  DEFAULT_OPENAI_BASE_URL,
  DEFAULT_PORT,
  envName,
  SETTING_KEYS,
  SETTINGS,
  serveConfigSchema,
  type LogFormat,
  type SettingKey,
  type Settings,
} from './config-schema.js';
import type { LicenseConfig, SoraMockOptions } from '../mock/types.js';
import { DEFAULT_BODY_TIMEOUT_MS } from '../adapters/node.js';
import { isLoopbackHost } from '../util/host-guard.js';

export * from './config-schema.js';

// ---------------------------------------------------------------------------------------------------
// Validation of one source, and the merge

export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The key as the user spelled it in its source (`--port`, `SORA_MOCK_PORT`, `licenses[1].features`). */
    readonly key: string,
    readonly source: ConfigSource,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function spell(key: string, source: ConfigSource, label: string): string {
  const top = key.split(/[.[]/)[0] as SettingKey;
  const rest = key.slice(top.length);
  if (source === 'flag') return `${SETTINGS[top]?.flag ?? top}${rest}`;
  if (source === 'env') return `${envName(top)}${rest}`;
  return `${label}: ${key}`;
}

function validate(raw: Record<string, unknown>, source: ConfigSource, label: string): Settings {
  const result = serveConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const issue = mostSpecific(result.error.issues[0]);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    throw new ConfigError(
      `${label}: unknown key '${key}'; accepted keys: ${SETTING_KEYS.join(', ')}`,
      key,
      source,
    );
  }
  const key = pathText(issue.path);
  const where = spell(key, source, label);
  const accepts = issue.path.length === 1 ? ACCEPTS[issue.path[0] as SettingKey] : undefined;
  const expected = accepts ? `expected ${accepts}` : issue.message;
  // The received value is the one the user wrote: for flags and env that is the string, not our reading of it.
  const topKey = issue.path[0] as SettingKey;
  const received = source === 'file' ? issue.input : (rawStrings.get(raw)?.[topKey] ?? issue.input);
  throw new ConfigError(`${where}: ${expected}; received ${describe(received)}`, where.replace(`${label}: `, ''), source);
}

/**
 * A union's own issue says only "Invalid input"; the branch that matched the value's type knows what is
 * wrong with it (`features[1]` of a licence object), so report that branch's issue at its full path.
 */
function mostSpecific(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const wrongType = (branch: z.core.$ZodIssue[]) =>
    branch.length === 1 && (branch[0].code === 'invalid_type' || branch[0].code === 'invalid_value') && branch[0].path.length === 0;
  const branch = issue.errors.find((b) => b.length > 0 && !wrongType(b));
  if (!branch) return issue;
  return mostSpecific({ ...branch[0], path: [...issue.path, ...branch[0].path] } as z.core.$ZodIssue);
}

/** The original strings behind a converted flag/env record, for error messages. */
const rawStrings = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

function fromStrings(strings: Partial<Record<SettingKey, string | string[]>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(strings) as [SettingKey, string | string[]][]) {
    const read = SETTINGS[key].fromString;
    if (Array.isArray(value)) {
      // Repeatable flags: each occurrence may itself be a list (`--license "a;b"`), so read and flatten.
      out[key] = value.flatMap((v) => {
        const r = read(v);
        return Array.isArray(r) ? r : [r];
      });
    } else {
      out[key] = read(value);
    }
  }
  rawStrings.set(out, strings);
  return out;
}

/** Settings given by `SORA_MOCK_*` variables. Unknown `SORA_MOCK_*` names are errors: a typo should not be ignored. */
export function settingsFromEnv(env: Record<string, string | undefined>): Settings {
  const byName = new Map(SETTING_KEYS.map((k) => [envName(k), k]));
  const strings: Partial<Record<SettingKey, string>> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!(name.startsWith('SORA_MOCK_') || byName.has(name)) || value === undefined || name === CONFIG_ENV) continue;
    const key = byName.get(name);
    if (!key) {
      throw new ConfigError(
        `environment: unknown variable ${name}; accepted: ${[CONFIG_ENV, ...byName.keys()].join(', ')}`,
        name,
        'env',
      );
    }
    if (value === '') continue;
    strings[key] = value;
  }
  return validate(fromStrings(strings), 'env', 'environment');
}

/**
 * Settings given as flags. Values are what commander collected: strings, string arrays for repeatable
 * flags, booleans for switches. Only pass flags the user actually gave (commander's defaults are not
 * user input; `--no-cors` in particular defaults `cors` to true).
 */
export function settingsFromFlags(flags: Partial<Record<SettingKey, string | string[] | boolean>>): Settings {
  const strings: Partial<Record<SettingKey, string | string[]>> = {};
  const typed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flags) as [SettingKey, string | string[] | boolean | undefined][]) {
    if (value === undefined) continue;
    if (!(key in SETTINGS)) throw new ConfigError(`unknown flag for setting '${key}'`, key, 'flag');
    if (typeof value === 'boolean') typed[key] = value;
    else strings[key] = value;
  }
  const converted = fromStrings(strings);
  Object.assign(converted, typed);
  return validate(converted, 'flag', 'command line');
}

/** Settings of a parsed config file (`label` is how errors name the file). */
export function settingsFromFile(data: unknown, label: string): Settings {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`${label}: expected a JSON object of settings; received ${describe(data)}`, label, 'file');
  }
  return validate(data as Record<string, unknown>, 'file', label);
}

export async function readConfigFile(path: string, cwd = process.cwd()): Promise<Settings> {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(`config file ${path}: ${reason}`, 'config', 'file');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path}: not valid JSON (${(error as Error).message})`, 'config', 'file');
  }
  return settingsFromFile(data, path);
}

// ---------------------------------------------------------------------------------------------------
// The effective configuration

export interface ServeConfig {
  host: string;
  port: number;
  log: LogFormat;
  quiet: boolean;
  /** Serve the inspector page at `/`. */
  inspector: boolean;
  /** Host names beside the bound address under which /__sora/* and the inspector answer. */
  allowedHosts: string[];
  /** How long a request's headers and body may take to arrive (408 beyond). */
  bodyTimeoutSeconds: number;
  /** Worker threads that generate media; undefined: one per core. */
  mediaWorkers?: number;
  /** Options for createSoraMock; unset keys take the mock's own defaults. */
  mock: SoraMockOptions;
  /** `--store`: the Redis URL where jobs live; absent for the memory store. */
  store?: string;
  /** `--replay`: the recordings' path, `--replay-strict`, and the pacing of recorded streams (`--speed`). */
  replay?: { path: string; strict: boolean; speed: number };
  /** Where each explicitly given setting came from (for --print-config). */
  sources: Partial<Record<SettingKey, ConfigSource>>;
}

/** Merge validated sources, highest precedence first, and map them onto the mock's options. */
export function mergeSettings(layers: ReadonlyArray<{ source: ConfigSource; settings: Settings }>): ServeConfig {
  const merged: Settings = {};
  const sources: ServeConfig['sources'] = {};
  for (const { source, settings } of layers) {
    for (const key of SETTING_KEYS) {
      if (merged[key] === undefined && settings[key] !== undefined) {
        (merged as Record<string, unknown>)[key] = settings[key];
        sources[key] = source;
      }
    }
  }
  if (merged.analysis === 'openai' && merged.openaiApiKey === undefined) {
    throw new ConfigError(
      `analysis 'openai' needs an OpenAI API key: set ${envName('openaiApiKey')} or "openaiApiKey" in the config file`,
      'openaiApiKey',
      sources.analysis ?? 'default',
    );
  }
  const host = merged.host ?? DEFAULT_HOST;
  if (merged.admin === true && merged.adminToken === undefined && !isLoopbackHost(host)) {
    throw new ConfigError(
      `--admin on the non-loopback host '${host}' needs an admin token: set --admin-token (or ${envName('adminToken')}, or "adminToken" in the config file), or listen on 127.0.0.1`,
      'adminToken',
      sources.admin ?? 'default',
    );
  }
  if (merged.speed === 0 && merged.replay === undefined) {
    throw new ConfigError(
      'speed 0 (no delay) is for --replay only; the mock renders at a positive speed (or use --instant)',
      'speed',
      sources.speed ?? 'default',
    );
  }
  if (merged.replayStrict === true && merged.replay === undefined) {
    throw new ConfigError('--replay-strict needs --replay (the recordings to answer from)', 'replayStrict', sources.replayStrict ?? 'default');
  }
  const mock: SoraMockOptions = {};
  // Settings that are mock options under the same name, as given.
  const SAME_NAME = ['basePath', 'publicUrl', 'seed', 'speed', 'instant', 'admin', 'cors', 'scenarios', 'faults', 'maxBodyBytes', 'retentionSeconds', 'mediaCacheBytes', 'mediaSecret', 'adminToken', 'maxJobs', 'imageResponseFormat'] as const satisfies readonly (SettingKey & keyof SoraMockOptions)[];
  for (const key of SAME_NAME) {
    if (merged[key] !== undefined) (mock as Record<string, unknown>)[key] = merged[key];
  }
  // Speed 0 paces only the replay; the mock behind it keeps its own default.
  if (mock.speed === 0) delete mock.speed;
  if (merged.licenses !== undefined) mock.licenses = dedupeLicenses(merged.licenses, sources.licenses ?? 'default');
  if (merged.fetchImages !== undefined) {
    mock.fetchImages = merged.fetchImages === false ? false : { allow: merged.fetchImages };
  }
  if (merged.analysis !== undefined) {
    mock.promptAnalysis = { mode: merged.analysis };
    if (merged.analysis === 'openai') {
      mock.promptAnalysis.openai = {
        baseUrl: merged.openaiBaseUrl ?? DEFAULT_OPENAI_BASE_URL,
        apiKey: merged.openaiApiKey as string,
        ...(merged.openaiModel !== undefined ? { model: merged.openaiModel } : {}),
      };
    }
  }
  return {
    host,
    port: merged.port ?? DEFAULT_PORT,
    log: merged.log ?? 'pretty',
    quiet: merged.quiet ?? false,
    inspector: merged.inspector ?? true,
    allowedHosts: merged.allowedHosts ?? [],
    bodyTimeoutSeconds: merged.bodyTimeoutSeconds ?? DEFAULT_BODY_TIMEOUT_MS / 1000,
    ...(merged.mediaWorkers !== undefined ? { mediaWorkers: merged.mediaWorkers } : {}),
    mock,
    ...(merged.store !== undefined && merged.store !== 'memory' ? { store: merged.store } : {}),
    ...(merged.replay !== undefined ? { replay: { path: merged.replay, strict: merged.replayStrict ?? false, speed: merged.speed ?? 1 } } : {}),
    sources,
  };
}

function dedupeLicenses(licenses: LicenseConfig[], source: ConfigSource): LicenseConfig[] {
  const seen = new Set<string>();
  for (const l of licenses) {
    if (seen.has(l.key)) {
      throw new ConfigError(`licence key '${l.key}' is given twice; give each key once with all its features`, 'licenses', source);
    }
    seen.add(l.key);
  }
  return licenses;
}

export interface LoadConfigInput {
  flags?: Partial<Record<SettingKey, string | string[] | boolean>>;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** `--config` value; falls back to SORA_MOCK_CONFIG. */
  configFile?: string;
  cwd?: string;
}

/** Read every source and return the effective configuration, or throw a ConfigError naming the bad key. */
export async function loadServeConfig(input: LoadConfigInput = {}): Promise<ServeConfig & { configFile?: string }> {
  const env = input.env ?? process.env;
  const flags = settingsFromFlags(input.flags ?? {});
  const fromEnv = settingsFromEnv(env);
  const configFile = input.configFile ?? (env[CONFIG_ENV] || undefined);
  const fromFile = configFile ? await readConfigFile(configFile, input.cwd) : {};
  const config = mergeSettings([
    { source: 'flag', settings: flags },
    { source: 'env', settings: fromEnv },
    { source: 'file', settings: fromFile },
  ]);
  return configFile ? { ...config, configFile } : config;
}
