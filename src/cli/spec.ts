import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('spec').description('Print the OpenAPI 3.1 document of /sora/v1 (being written).');
}
