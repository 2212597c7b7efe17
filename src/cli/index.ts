#!/usr/bin/env node
/**
 * The `sora-kit` executable: one program, one subcommand per file in this folder.
 * Each subcommand module exports `register(program)`; this file only wires them together.
 */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { register as registerSpec } from './spec.js';
import { register as registerMedia } from './media.js';
import { register as registerServe } from './serve.js';
import { register as registerCheck } from './check.js';
import { register as registerProxy } from './proxy.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('sora-kit')
    .description('Mock server and conformance test kit for the Sora platform API (/sora/v1).')
    .version(version)
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });
  registerSpec(program);
  registerMedia(program);
  registerServe(program);
  registerCheck(program);
  registerProxy(program, { version });
  return program;
}

/**
 * `sora-kit spec | head`: when whoever reads standard output stops early, end quietly, as Unix tools
 * do, instead of dying on an unhandled EPIPE 'error' event with a stack trace. Once here, so it holds
 * for every subcommand. The exit status is the one already decided (0 unless a command set another).
 */
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`sora-kit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
