/**
 * The clean mock passes every check (fuzz included), and a deployment without OpenAI's list and delete
 * is not judged on them. The broken deployments are faults.test.ts's, the legitimate ones variants.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/index.js';
import { LICENSE, startMock } from './helpers/mock.js';
import { startProxy } from './helpers/proxy.js';

let mock: Awaited<ReturnType<typeof startMock>>;

beforeAll(async () => {
  mock = await startMock();
});
afterAll(() => mock.server.close());

describe('the clean deployment', () => {
  it('the clean mock passes every check, fuzz included', async () => {
    const report = await runConformance({ baseUrl: mock.url, license: LICENSE, fuzz: 8 });
    // The early-content probe is honestly skipped when a loaded machine lets its job finish first.
    const notPassed = report.checks.filter((c) => c.status !== 'passed' && !(c.status === 'skipped' && c.id === 'videos.content.before-completion'));
    expect(notPassed.map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(report.passed).toBe(true);
  }, 60_000);

  it('a deployment without the OpenAI-only list and delete is not judged on them', async () => {
    const proxy = await startProxy(mock.url, {
      response: (res, req) =>
        (req.method === 'GET' && req.path.split('?')[0] === '/sora/v1/videos') || req.method === 'DELETE'
          ? { ...res, status: 404, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"error":{"message":"no route","type":"invalid_request_error","param":null,"code":"unknown_route"}}') }
          : res,
    });
    try {
      const report = await runConformance({ baseUrl: proxy.url, license: LICENSE, only: ['videos'] });
      expect(report.checks.filter((c) => c.status !== 'passed').map((c) => [c.id, c.status, c.message])).toEqual([
        ['videos.list', 'skipped', 'GET /videos is not offered (404)'],
        ['videos.delete', 'skipped', 'DELETE /videos/{id} is not offered (404)'],
        ['videos.list.pages', 'skipped', 'GET /videos is not offered (404)'],
      ]);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
