/**
 * The coverage matrix: every item of the contract (each parameter and answer field of the operation
 * table) is judged by checks that exist, or left free with a reason; the json report and
 * `sora-kit check --coverage` carry it. That every judged item is proven by a mutant its checks kill
 * is asserted on the harness's results in mutants.test.ts (one harness run serves both).
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CATALOGUE, formatJson, runConformance } from '../../src/conformance/index.js';
import { contractItems, itemKey } from '../../src/conformance/contract-items.js';
import { coverageRows, uncoveredItems } from '../../src/conformance/coverage.js';
import { unprovenItems, type MutantResult } from './helpers/mutant-harness.js';
import { startMock } from './helpers/mock.js';
import { runOptions } from './helpers/runs.js';
import { CLI, REPO_ROOT } from '../helpers/cli.js';

const CHECK_IDS = new Set(CATALOGUE.map((c) => c.id));

describe('the coverage matrix', () => {
  it('derives the items from the operation table and the answer schemas', () => {
    const keys = contractItems().map(itemKey);
    expect(new Set(keys).size).toBe(keys.length);
    // Spot checks across parameters (path, query, header, body) and nested answer fields.
    for (const key of [
      'GET /videos parameter limit',
      'GET /videos parameter after',
      'GET /videos/{video_id} parameter video_id',
      'GET /videos/{video_id}/content parameter Range',
      'POST /videos parameter watermark',
      'POST /images/edits parameter image',
      'GET /videos field data[].id',
      'POST /chat/completions field choices[].message.content',
      'POST /chat/completions field stream: choices[].delta.role',
      'POST /images/generations field data[].b64_json',
      'GET /models field data[].owned_by',
    ]) {
      expect(keys, key).toContain(key);
    }
  });

  it('judges or frees every item', () => {
    expect(uncoveredItems()).toEqual([]);
  });

  it('fails for an item that is neither judged nor free (a field added to a schema)', () => {
    const [item] = contractItems().filter((i) => itemKey(i) === 'GET /models field data[].owned_by');
    expect(uncoveredItems([{ ...item, name: 'data[].permission', path: ['data', '[]', 'permission'] }])).toEqual(['GET /models field data[].permission']);
  });

  it('names only checks of the catalogue, and gives every free item a reason', () => {
    for (const row of coverageRows()) {
      if (row.checks) for (const id of row.checks) expect(CHECK_IDS.has(id), `${row.operation} ${row.kind} ${row.name}: ${id}`).toBe(true);
      else expect(row.free, `${row.operation} ${row.name}`).toMatch(/\w{10}/);
    }
  });
});

const Rows = z.array(z.object({ operation: z.string(), kind: z.enum(['parameter', 'field']), name: z.string(), checks: z.array(z.string()).optional(), free: z.string().optional(), inert: z.string().optional() }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SORA_BASE_URL' && k !== 'SORA_LICENSE'));
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'check', ...args], { cwd: REPO_ROOT, env, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.concurrent('the matrix in reports', () => {
  it('sora-kit check --coverage prints it without a base URL or licence', async () => {
    const { code, stdout, stderr } = await cli('--coverage');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^GET \/videos\s+parameter\s+limit\s+videos\.list\.pages/m);
    expect(stdout.trim().split('\n')).toHaveLength(contractItems().length);
    expect(stdout).not.toMatch(/NOT COVERED/);
  }, 30_000);

  it('sora-kit check --coverage --reporter json prints the rows', async () => {
    const { code, stdout } = await cli('--coverage', '--reporter', 'json');
    expect(code).toBe(0);
    expect(Rows.parse(JSON.parse(stdout))).toEqual(coverageRows());
  }, 30_000);

  it('the json report of a run carries it', async () => {
    const mock = await startMock();
    try {
      const report = await runConformance({ ...runOptions(mock.url), only: ['models'] });
      const json = JSON.parse(formatJson(report)) as { coverage: unknown };
      expect(Rows.parse(json.coverage)).toEqual(coverageRows());
    } finally {
      await mock.server.close();
    }
  }, 30_000);
});

/**
 * The strong form (for each judged item, a mutant of it that one of its checks kills) needs the
 * mutant harness's results: mutants.test.ts runs the harness once and asserts it with
 * `unprovenItems`; here, that the function finds an item nothing proves.
 */
describe('unprovenItems', () => {
  const item = contractItems().find((i) => itemKey(i) === 'GET /videos parameter limit')!;
  const result = (failed: string[], itemName = itemKey(item)): MutantResult =>
    ({ mutant: { item: itemName, broken: true }, ok: failed.length > 0, named: false, altered: 1, failed: failed.map((id) => ({ id, severity: 'should', message: '' })) }) as unknown as MutantResult;

  it('is empty for an item killed by one of its checks', () => {
    expect(unprovenItems([result(['videos.list.pages'])], [item])).toEqual([]);
  });
  it('names an item only other checks killed, or no mutant reached', () => {
    expect(unprovenItems([result(['objects.schema'])], [item])).toEqual([itemKey(item)]);
    expect(unprovenItems([result(['videos.list.pages'], 'GET /videos parameter order')], [item])).toEqual([itemKey(item)]);
  });
});
