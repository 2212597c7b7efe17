import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import { OPENAPI_FORMATS, renderOpenApiDocument } from '../spec/openapi.js';
import type { OpenApiFormat } from '../spec/openapi.js';

/** `--out x.json` without `--format` means JSON: the extension already says what the user wants. */
function formatFor(format: OpenApiFormat | undefined, out: string | undefined): OpenApiFormat {
  if (format) return format;
  return out && extname(out).toLowerCase() === '.json' ? 'json' : 'yaml';
}

export function register(program: Command): void {
  program
    .command('spec')
    .description('Print the OpenAPI 3.1 document of the /sora/v1 API, generated from the zod schemas.')
    .addOption(
      new Option('--format <format>', 'output format (default: yaml, or json when --out ends in .json)').choices(
        OPENAPI_FORMATS,
      ),
    )
    .option('--out <file>', 'write the document to FILE instead of standard output')
    .action((options: { format?: OpenApiFormat; out?: string }) => {
      const text = renderOpenApiDocument(formatFor(options.format, options.out));
      if (options.out) {
        writeFileSync(options.out, text);
        process.stderr.write(`sora-kit: wrote ${options.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
