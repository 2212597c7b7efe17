/**
 * Setup file of the projects that promise to stay in-process (vitest.config.ts): a test of the unit
 * project that opens a socket or starts a process, or one of the integration project that starts a
 * process, fails and names the project it belongs in. So the split (and each project's worker count)
 * stays true as tests change.
 */
import childProcess, { ChildProcess } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { Server, Socket } from 'node:net';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** What the project's tests may not do, and the project (vitest.config.ts) a test that does belongs in. */
    forbidden: { sockets?: string; processes?: string };
  }
}

const { sockets, processes } = inject('forbidden');
const refuse = (what: string, home: string) => () => {
  throw new Error(`this project runs in-process: a test that ${what} belongs in the ${home} project (vitest.config.ts)`);
};

if (sockets) {
  Server.prototype.listen = refuse('listens on a socket', sockets);
  Socket.prototype.connect = refuse('connects a socket', sockets);
}
if (processes) {
  // Every asynchronous way (spawn, exec, execFile, fork) goes through ChildProcess#spawn (public in
  // Node, absent from its types); the synchronous ones do not.
  Object.assign(ChildProcess.prototype, { spawn: refuse('starts a process', processes) });
  for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) Object.assign(childProcess, { [name]: refuse('starts a process', processes) });
  syncBuiltinESMExports();
}
