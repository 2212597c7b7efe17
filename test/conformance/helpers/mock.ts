/** The clean reference deployment for conformance tests: the mock's node server, fast, on an ephemeral port. */
import { createSoraServer, type SoraServer } from '../../../src/adapters/node.js';

export const LICENSE = 'sk-sora-mock';

/**
 * Speed 50: a default 10 s video renders in 60 ms. sora_video jobs (the runner's early-content probe)
 * render 10 times slower through the mock's `slow` scenario, so the probe's content request lands
 * before completion even on a loaded machine (otherwise that check is honestly skipped, not passed).
 */
export async function startMock(speed = 50): Promise<{ server: SoraServer; url: string }> {
  const server = createSoraServer({ speed, scenarios: [{ model: 'sora_video', scenario: 'slow' }] });
  const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, url };
}
