/**
 * describeConformance used the way another project would: start the deployment in beforeAll, hand the
 * URL over lazily, and get one vitest test per check.
 */
import { afterAll, beforeAll } from 'vitest';
import { describeConformance } from '../../src/conformance/vitest.js';
import { LICENSE, startMock } from './helpers/mock.js';

let mock: Awaited<ReturnType<typeof startMock>>;
beforeAll(async () => {
  mock = await startMock();
});
afterAll(() => mock.server.close());

describeConformance({ baseUrl: () => mock.url, license: LICENSE, fuzz: 4, maxWaitSeconds: 30, testTimeout: 30_000 });
