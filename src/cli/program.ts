/**
 * The `sora-kit` program: one subcommand per file in this folder. Each subcommand module exports
 * `register(program)`; this file only wires them together (index.ts runs it).
 *
 * A subcommand's module is loaded only when that subcommand runs: `sora-kit serve` never loads the
 * conformance runner (with fast-check and its arbitraries), `sora-kit check` never loads the server,
 * and `--version` loads none. The full help, no arguments and a mistyped name (which commander answers
 * with the closest one) load them all.
 */
import { Command } from 'commander';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

interface SubcommandModule {
  register: (program: Command, context: { version: string }) => void;
}

/** Every subcommand, in the order the help lists them. */
const SUBCOMMANDS: Record<string, () => Promise<SubcommandModule>> = {
  spec: () => import('./spec.js'),
  media: () => import('./media.js'),
  serve: () => import('./serve.js'),
  check: () => import('./check.js'),
  proxy: () => import('./proxy.js'),
  drill: () => import('./drill.js'),
};

const isSubcommand = (name: string | undefined): name is string => name !== undefined && Object.hasOwn(SUBCOMMANDS, name);

/**
 * The subcommands `args` (the arguments after the program) can run. The program itself has no option
 * that takes a value, so the first argument not starting with `-` is the subcommand, or `help` and then
 * the subcommand.
 */
export function subcommandsFor(args: readonly string[]): string[] {
  const words = args.filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  if (isSubcommand(named)) return [named];
  if (words.length === 0 && args.length > 0 && args.every((a) => a === '-V' || a === '--version')) return [];
  return Object.keys(SUBCOMMANDS);
}

export async function buildProgram(names: readonly string[] = Object.keys(SUBCOMMANDS)): Promise<Command> {
  const program = new Command('sora-kit')
    .description('Mock server and conformance test kit for the Sora platform API (/sora/v1).')
    .version(version)
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });
  const modules = await Promise.all(Object.keys(SUBCOMMANDS).filter((name) => names.includes(name)).map((name) => SUBCOMMANDS[name]()));
  for (const module of modules) module.register(program, { version });
  return program;
}
