/**
 * The runner catches deviations: against each broken deployment (the clean mock behind an altering
 * proxy) the check named for the fault fails, and every check outside its declared collateral passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance, type Report } from '../../src/conformance/index.js';
import { BROKEN } from './helpers/deviations.js';
import { LICENSE, startMock } from './helpers/mock.js';
import { startProxy } from './helpers/proxy.js';

let mock: Awaited<ReturnType<typeof startMock>>;
let fiveSecondMp4: Buffer;

async function fetchFiveSecondVideo(url: string): Promise<Buffer> {
  const headers = { authorization: LICENSE, 'content-type': 'application/json' };
  const created = (await (await fetch(`${url}/sora/v1/videos`, { method: 'POST', headers, body: JSON.stringify({ model: 'sora_video', prompt: 'five seconds' }) })).json()) as { id: string };
  for (;;) {
    const job = (await (await fetch(`${url}/sora/v1/videos/${created.id}`, { headers })).json()) as { status: string };
    if (job.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return Buffer.from(await (await fetch(`${url}/sora/v1/videos/${created.id}/content`, { headers })).arrayBuffer());
}

const failedIds = (report: Report) => report.checks.filter((c) => c.status === 'failed').map((c) => c.id);

beforeAll(async () => {
  mock = await startMock();
  fiveSecondMp4 = await fetchFiveSecondVideo(mock.url);
});
afterAll(() => mock.server.close());

describe('broken deployments', () => {
  it('the clean mock passes every check, fuzz included', async () => {
    const report = await runConformance({ baseUrl: mock.url, license: LICENSE, fuzz: 8 });
    expect(report.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(report.summary.passed).toBe(report.checks.length);
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
      ]);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  for (const broken of BROKEN) {
    it(`${broken.name}: reported by ${broken.catches.join(', ')}`, async () => {
      const proxy = await startProxy(mock.url, broken.deviation({ fiveSecondMp4 }));
      try {
        const report = await runConformance({ baseUrl: proxy.url, license: LICENSE, timeoutMs: 1500, maxWaitSeconds: 20 });
        const failed = failedIds(report);
        for (const id of broken.catches) expect(failed, `${id} should report "${broken.name}"`).toContain(id);
        const unexpected = failed.filter((id) => !broken.catches.includes(id) && !(broken.collateral ?? []).includes(id));
        expect(unexpected.map((id) => `${id}: ${report.checks.find((c) => c.id === id)!.message}`)).toEqual([]);
        // The report says why, with the request that showed it.
        const message = report.checks.find((c) => c.id === broken.catches[0])!.message;
        expect(message.length).toBeGreaterThan(20);
      } finally {
        await proxy.close();
      }
    }, 60_000);
  }
});
