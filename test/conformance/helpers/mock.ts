/** The clean reference deployment for conformance tests: the mock's node server, fast, on an ephemeral port. */
import { createSoraServer, type SoraServer } from '../../../src/adapters/node.js';
import { PROMPTS } from '../../../src/conformance/resources.js';

export const LICENSE = 'sk-sora-mock';

/**
 * Speed 50: a default 10 s video renders in 60 ms. The runner's early-content probe (a sora_video job
 * with the runner's video prompt, whose content it asks for at once and which it deletes without
 * waiting for it) never completes here, through the mock's `stall` scenario: its content request lands
 * before completion however loaded the machine is, so the check judges (a job that completed first
 * would only be skipped, and a fault answering early content would go unseen). Before, the probe
 * rendered 10 times slower (`slow`), 300 ms, which a loaded machine outran.
 */
export async function startMock(speed = 50): Promise<{ server: SoraServer; url: string }> {
  const probe = { model: 'sora_video', prompt: `^${PROMPTS.video}$`, scenario: 'stall' } as const;
  const server = createSoraServer({ speed, scenarios: [probe] });
  const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, url };
}
