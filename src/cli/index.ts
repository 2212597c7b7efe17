#!/usr/bin/env node
/** The `sora-kit` executable: the program of program.ts, given the command line. */
import { buildProgram, subcommandsFor } from './program.js';

/**
 * `sora-kit spec | head`: when whoever reads standard output stops early, end quietly, as Unix tools
 * do, instead of dying on an unhandled EPIPE 'error' event with a stack trace. Once here, so it holds
 * for every subcommand. The exit status is the one already decided (0 unless a command set another).
 */
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

buildProgram(subcommandsFor(process.argv.slice(2)))
  .then((program) => program.parseAsync(process.argv))
  .catch((error: unknown) => {
    process.stderr.write(`sora-kit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
