/** Hostile recordings built in the test, and `sora-kit serve --replay` started on them. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SoraServer } from '../../src/adapters/node.js';
import { loadServeConfig } from '../../src/cli/config.js';
import { startServe } from '../../src/cli/serve.js';
import { toHarEntry, type Har, type HarChunk, type HarEntry } from '../../src/replay/index.js';

/** Where the recordings say the deployment was. */
export const DEPLOYMENT = 'http://deploy.test';

export interface Recorded {
  method?: string;
  /** Under the deployment: `/sora/v1/files/a.svg`. */
  path: string;
  status?: number;
  type: string;
  body: string | Uint8Array;
  chunks?: HarChunk[];
}

export function entryOf(answer: Recorded): HarEntry {
  return toHarEntry({
    startedAt: Date.now(),
    by: 'client',
    request: { method: answer.method ?? 'GET', url: `${DEPLOYMENT}${answer.path}`, httpVersion: '1.1', headers: [], body: new Uint8Array(0) },
    response: {
      status: answer.status ?? 200,
      statusText: 'OK',
      httpVersion: '1.1',
      headers: [['content-type', answer.type]],
      body: typeof answer.body === 'string' ? new TextEncoder().encode(answer.body) : answer.body,
      ...(answer.chunks ? { chunks: answer.chunks } : {}),
    },
    timings: { send: 0, wait: 1, receive: 1 },
  });
}

export function harOf(entries: HarEntry[]): Har {
  return { log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } };
}

/** `har` written to a file of its own (`name`), for `serve --replay`. */
export function harFile(har: Har, name = 'hostile.har'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sora-kit-replay-')), name);
  writeFileSync(path, JSON.stringify(har));
  return path;
}

/** `sora-kit serve` with `flags`; `server` is undefined (and `lines` say why) when it refused to start. */
export async function serveReplay(flags: Record<string, string | boolean>): Promise<{ server?: SoraServer; url: string; lines: string[] }> {
  const lines: string[] = [];
  const config = await loadServeConfig({ flags: { port: '0', quiet: true, ...flags }, env: {} });
  const server = await startServe(config, { io: { out: (l) => lines.push(l), err: (l) => lines.push(l) } });
  return { server, url: (server?.url as string | undefined) ?? '', lines };
}
