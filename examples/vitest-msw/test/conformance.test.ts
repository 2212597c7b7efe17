import { createSoraServer } from 'sora-kit/server';
import { describeConformance } from 'sora-kit/vitest';
import { afterAll, beforeAll } from 'vitest';

// A served mock stands in for the deployment another project would point this at.
const server = createSoraServer({ instant: true });
let url = '';
beforeAll(async () => {
  url = (await server.listen({ port: 0, host: '127.0.0.1' })).url;
});
afterAll(() => server.close());

describeConformance({ baseUrl: () => url, license: 'sk-sora-mock' });
