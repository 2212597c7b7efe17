import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  envName,
  loadServeConfig,
  settingsFromEnv,
  settingsFromFile,
  settingsFromFlags,
} from '../../src/cli/config.js';

function configFile(data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sora-config-'));
  const path = join(dir, 'sora-mock.json');
  writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
  return path;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('licence grammar', () => {
  const licenses = (text: string) => settingsFromEnv({ SORA_MOCK_LICENSES: text }).licenses;

  it('reads KEY and KEY=features separated by ";" or whitespace; chat is always granted', () => {
    expect(licenses('alpha; beta=videos  gamma=images,chat\tdelta=chat')).toEqual([
      { key: 'alpha', features: ['chat', 'images', 'videos'] },
      { key: 'beta', features: ['chat', 'videos'] },
      { key: 'gamma', features: ['chat', 'images'] },
      { key: 'delta', features: ['chat'] },
    ]);
  });

  it('rejects unknown features naming the entry, the feature and what is accepted', () => {
    expect(() => licenses('good;bad=chat,movies')).toThrow(/'bad=chat,movies'.*'movies'.*chat, images, videos/);
  });

  it('rejects an empty key and an empty list', () => {
    expect(() => licenses('=videos')).toThrow(/SORA_MOCK_LICENSES/);
    expect(() => licenses(' ; ')).toThrow(/SORA_MOCK_LICENSES/);
  });
});

describe('sources', () => {
  it('derives env names from keys', () => {
    expect(envName('publicUrl')).toBe('SORA_MOCK_PUBLIC_URL');
    expect(envName('licenses')).toBe('SORA_MOCK_LICENSES');
    expect(envName('maxBodyBytes')).toBe('SORA_MOCK_MAX_BODY_BYTES');
  });

  it('reads env strings into typed settings', () => {
    expect(
      settingsFromEnv({
        SORA_MOCK_PORT: '5001',
        SORA_MOCK_INSTANT: 'yes',
        SORA_MOCK_SPEED: '2.5',
        SORA_MOCK_LICENSES: 'k1=images k2',
        SORA_MOCK_FETCH_IMAGES: '*.example.com, https://cdn.test/img/',
        PATH: '/usr/bin',
      }),
    ).toEqual({
      port: 5001,
      instant: true,
      speed: 2.5,
      licenses: [
        { key: 'k1', features: ['chat', 'images'] },
        { key: 'k2', features: ['chat', 'images', 'videos'] },
      ],
      fetchImages: ['*.example.com', 'https://cdn.test/img/'],
    });
  });

  it('names the env variable, the value and what is accepted', () => {
    expect(() => settingsFromEnv({ SORA_MOCK_PORT: 'eighty' })).toThrow(/SORA_MOCK_PORT.*"eighty"/);
    expect(() => settingsFromEnv({ SORA_MOCK_INSTANT: 'maybe' })).toThrow(/SORA_MOCK_INSTANT.*boolean.*"maybe"/);
    expect(() => settingsFromEnv({ SORA_MOCK_LICENSES: 'a=chat,films' })).toThrow(/SORA_MOCK_LICENSES\[0\].*'films'.*chat, images, videos/);
    expect(() => settingsFromEnv({ SORA_MOCK_ANALYSIS: 'smart' })).toThrow(/SORA_MOCK_ANALYSIS.*off.*heuristic.*openai.*"smart"/);
  });

  it('rejects a misspelt SORA_MOCK_ variable instead of ignoring it', () => {
    expect(() => settingsFromEnv({ SORA_MOCK_PROT: '1' })).toThrow(/unknown variable SORA_MOCK_PROT.*SORA_MOCK_PORT/);
  });

  it('names the flag in flag errors', () => {
    expect(() => settingsFromFlags({ port: '70000' })).toThrow(/--port.*65535.*"70000"/);
    expect(() => settingsFromFlags({ licenses: ['ok', 'x=,'] })).toThrow(/--license\[1\]/);
    expect(() => settingsFromFlags({ publicUrl: 'ftp://x' })).toThrow(/--public-url.*http\(s\) URL.*"ftp:\/\/x"/);
  });

  it('names the file and the nested key in file errors, and rejects unknown keys', () => {
    expect(() => settingsFromFile({ licenses: [{ key: 'a', features: ['chat', 'tv'] }] }, 'sora-mock.json')).toThrow(
      /sora-mock\.json: licenses\[0\]\.features\[1\].*"tv"/,
    );
    expect(() => settingsFromFile({ prot: 1 }, 'sora-mock.json')).toThrow(/sora-mock\.json: unknown key 'prot'.*port/);
    expect(() => settingsFromFile({ scenarios: [{ prompt: '(', scenario: 'slow' }] }, 'f.json')).toThrow(
      /f\.json: scenarios\[0\]\.prompt.*regular expression/,
    );
    expect(() => settingsFromFile({ scenarios: [{ prompt: 'x', scenario: 'explode' }] }, 'f.json')).toThrow(
      /scenarios\[0\]\.scenario.*rate_limited.*"explode"/,
    );
    expect(() => settingsFromFile([1], 'f.json')).toThrow(/JSON object/);
  });
});

describe('loadServeConfig', () => {
  it('applies defaults when nothing is given, leaving the mock options to the mock', async () => {
    const config = await loadServeConfig({ env: {} });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 4010, log: 'pretty', quiet: false, mock: {} });
  });

  it('takes flags over env over file, and replaces lists rather than merging them', async () => {
    const file = configFile({
      port: 1111,
      seed: 'from-file',
      speed: 3,
      admin: true,
      licenses: ['file-key'],
      scenarios: [{ prompt: 'rain', scenario: 'rate_limited' }],
    });
    const config = await loadServeConfig({
      configFile: file,
      env: { SORA_MOCK_PORT: '2222', SORA_MOCK_SEED: 'from-env', SORA_MOCK_LICENSES: 'env-key=videos' },
      flags: { port: '3333', instant: true },
    });
    expect(config.port).toBe(3333);
    expect(config.sources).toMatchObject({ port: 'flag', seed: 'env', speed: 'file', instant: 'flag', licenses: 'env' });
    expect(config.mock).toEqual({
      seed: 'from-env',
      speed: 3,
      admin: true,
      instant: true,
      licenses: [{ key: 'env-key', features: ['chat', 'videos'] }],
      scenarios: [{ prompt: 'rain', scenario: 'rate_limited' }],
    });
  });

  it('finds the file through SORA_MOCK_CONFIG', async () => {
    const file = configFile({ seed: 'via-env-file' });
    const config = await loadServeConfig({ env: { SORA_MOCK_CONFIG: file } });
    expect(config.mock.seed).toBe('via-env-file');
    expect(config.configFile).toBe(file);
  });

  it('maps fetchImages and analysis onto the mock options', async () => {
    const config = await loadServeConfig({
      env: { SORA_MOCK_OPENAI_API_KEY: 'sk-test' },
      flags: { fetchImages: ['*.example.com'], analysis: 'openai' },
    });
    expect(config.mock.fetchImages).toEqual({ allow: ['*.example.com'] });
    expect(config.mock.promptAnalysis).toEqual({
      mode: 'openai',
      openai: { baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test' },
    });
    const off = await loadServeConfig({ env: { SORA_MOCK_FETCH_IMAGES: 'none' } });
    expect(off.mock.fetchImages).toBe(false);
  });

  it('reads the default image response format from a flag, SORA_MOCK_IMAGE_RESPONSE_FORMAT or the file, and names what is accepted', async () => {
    const fromFile = configFile({ imageResponseFormat: 'b64_json' });
    expect((await loadServeConfig({ env: {}, configFile: fromFile })).mock.imageResponseFormat).toBe('b64_json');
    const config = await loadServeConfig({ env: { SORA_MOCK_IMAGE_RESPONSE_FORMAT: 'b64_json' }, flags: { imageResponseFormat: 'url' }, configFile: fromFile });
    expect({ value: config.mock.imageResponseFormat, source: config.sources.imageResponseFormat }).toEqual({ value: 'url', source: 'flag' });
    expect((await loadServeConfig({ env: { SORA_MOCK_IMAGE_RESPONSE_FORMAT: 'b64_json' } })).mock.imageResponseFormat).toBe('b64_json');
    expect((await loadServeConfig({ env: {} })).mock.imageResponseFormat).toBeUndefined();
    expect(() => settingsFromFlags({ imageResponseFormat: 'png' })).toThrow(/--image-response-format: expected url \| b64_json; received "png"/);
  });

  it('reads the job store from --store, SORA_STORE or the file (memory stays the default), and names what is accepted', async () => {
    const fromFile = configFile({ store: 'redis://10.0.0.5:6379/1' });
    expect((await loadServeConfig({ env: {}, configFile: fromFile })).store).toBe('redis://10.0.0.5:6379/1');
    const config = await loadServeConfig({ env: { SORA_STORE: 'redis://10.0.0.6:6379/0' }, flags: { store: 'redis://10.0.0.7:6379/2' }, configFile: fromFile });
    expect({ value: config.store, source: config.sources.store }).toEqual({ value: 'redis://10.0.0.7:6379/2', source: 'flag' });
    expect((await loadServeConfig({ env: { SORA_STORE: 'redis://10.0.0.6:6379/0' } })).store).toBe('redis://10.0.0.6:6379/0');
    expect((await loadServeConfig({ env: {} })).store).toBeUndefined();
    expect((await loadServeConfig({ env: {}, flags: { store: 'memory' } })).store).toBeUndefined();
    expect(envName('store')).toBe('SORA_STORE');
    expect(() => settingsFromFlags({ store: 'mysql://db' })).toThrow(/--store: expected 'memory', or a Redis URL such as redis:\/\/127\.0\.0\.1:6379\/0 \(rediss:\/\/ for TLS\); received "mysql:\/\/db"/);
    expect(() => settingsFromEnv({ SORA_STORE: 'redis:/nohost' })).toThrow(/SORA_STORE/);
  });

  it('requires an API key for openai analysis, naming where to put it', async () => {
    const error = await configError(loadServeConfig({ env: {}, flags: { analysis: 'openai' } }));
    expect(error.message).toMatch(/SORA_MOCK_OPENAI_API_KEY/);
  });

  it('rejects a licence key given twice', async () => {
    const error = await configError(loadServeConfig({ env: {}, flags: { licenses: ['k=images', 'k=videos'] } }));
    expect(error.message).toMatch(/'k' is given twice/);
  });

  it('reports a missing or invalid file by its path', async () => {
    expect((await configError(loadServeConfig({ env: {}, configFile: '/nonexistent/sora.json' }))).message).toMatch(
      /\/nonexistent\/sora\.json: file not found/,
    );
    expect((await configError(loadServeConfig({ env: {}, configFile: configFile('{ port: 1') }))).message).toMatch(
      /not valid JSON/,
    );
  });
});
