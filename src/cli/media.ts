/**
 * `sora-kit media image|video`: write the media the mock would serve, so users can make fixtures.
 * Specs are resolved with the same model-name grammar and size rules as the mock.
 */
import type { Command, CommanderError } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import {
  DEFAULT_SEED,
  MEDIA_CONTENT_TYPES,
  MEDIA_EXTENSIONS,
  generateMedia,
  imageRecipe,
  inputDigestOf,
  videoRecipe,
  type MediaVariant,
} from '../media/index.js';
import { formatModelName, isVideoModel, parseModelName, type ModelName } from '../spec/model.js';
import {
  IMAGE_COUNT_MAX,
  IMAGE_COUNT_MIN,
  parseImageCount,
  parseSize,
  resolveImageRequest,
  resolveVideoRequest,
  type IgnoredParam,
  type ImageSpec,
  type RuleError,
  type VideoSpec,
} from '../spec/rules.js';

/** An error in what the user typed: reported as one line, exit status 2. */
export class UsageError extends Error {}

const VIDEO_VARIANTS = ['video', 'thumbnail', 'spritesheet'] as const;

/** The rules' own parsers check each flag, so the CLI accepts exactly what the platform accepts. */
function accepted<R extends { ok: boolean }>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw new InvalidArgumentError((result as unknown as { error: RuleError }).error.message);
  return result as Extract<R, { ok: true }>;
}

function parseSizeOption(value: string): string {
  accepted(parseSize(value));
  return value;
}

const parseN = (value: string): number => accepted(parseImageCount(/^[0-9]+$/.test(value) ? Number(value) : value)).n;

function parseModel(value: string): ModelName {
  const parsed = parseModelName(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.error.message);
  return parsed.model;
}

function ruleUsage(error: RuleError): UsageError {
  return new UsageError(`--${error.param}: ${error.message}`);
}

/** The image spec by the platform's rules (the mock's own function): only the aspect of --size matters. */
export function resolveImageSpec(model: ModelName, size?: string, n?: number): { spec: ImageSpec; n: number } {
  if (isVideoModel(model)) {
    throw new UsageError(`--model '${formatModelName(model)}' makes videos; images need --model sora_image.`);
  }
  const resolved = resolveImageRequest({ size, n });
  if (!resolved.ok) throw ruleUsage(resolved.error);
  return { spec: resolved.spec, n: resolved.n };
}

/**
 * The video spec by the platform's rules (the mock's own function): the model name wins over --size
 * and --seconds where they disagree, and what it overrode is reported, as the mock's
 * `x-sora-ignored-params` header does.
 */
export function resolveVideoSpec(model: ModelName, size?: string, seconds?: string): { spec: VideoSpec; ignored: IgnoredParam[] } {
  if (!isVideoModel(model)) {
    throw new UsageError(`--model '${formatModelName(model)}' makes images; videos need sora_video or sora_video2[-options].`);
  }
  const resolved = resolveVideoRequest({ model, size, seconds });
  if (!resolved.ok) throw ruleUsage(resolved.error);
  return { spec: resolved.spec, ignored: resolved.ignored };
}

/** `cat.png` -> `cat-2.png` for variant index 1 of several; a single image keeps the name. */
export function variantPath(out: string, index: number, n: number): string {
  if (n === 1) return out;
  const ext = extname(out);
  return `${out.slice(0, out.length - ext.length)}-${index + 1}${ext}`;
}

async function readInputs(paths: string[] | undefined): Promise<string | undefined> {
  if (!paths?.length) return undefined;
  const images = await Promise.all(
    paths.map((p) =>
      readFile(p).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`--input '${p}' cannot be read (${e.code ?? e.message}).`);
      }),
    ),
  );
  return inputDigestOf(images.map((b) => new Uint8Array(b)));
}

/** `--out -`: the bytes go to standard output (a pipe, `> file`), as Unix tools take `-`. */
const STDOUT = '-';

/**
 * `--out` as the variant can be written: a file whose extension, when it has one, is the variant's
 * (a video named `.gif` would still be an MP4), or `-` for one file on standard output.
 */
export function checkOut(out: string, variant: MediaVariant, files = 1): void {
  const expected = MEDIA_EXTENSIONS[variant];
  if (out === STDOUT) {
    if (files > 1) throw new UsageError(`--out -: standard output takes one file, and --n ${files} makes ${files}; give a file name ending in .${expected} (they are numbered).`);
    return;
  }
  const ext = extname(out).slice(1);
  if (ext !== '' && ext.toLowerCase() !== expected) {
    throw new UsageError(`--out '${out.slice(0, 200)}': ${variant === 'image' ? 'an image' : `a ${variant}`} is written as ${MEDIA_CONTENT_TYPES[variant]}; give a name ending in .${expected} (or - for standard output).`);
  }
}

async function write(path: string, bytes: Uint8Array): Promise<void> {
  if (path === STDOUT) {
    // Nothing else on standard output: it is the file.
    await new Promise<void>((done, fail) => process.stdout.write(bytes, (error) => (error ? fail(error) : done())));
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  process.stdout.write(`${path} (${bytes.length} bytes)\n`);
}

interface CommonOptions {
  model: ModelName;
  size?: string;
  prompt: string;
  out: string;
  seed: string;
  input?: string[];
}

export function register(program: Command): void {
  const media = program
    .command('media')
    .description('Generate the deterministic media the mock serves (PNG images, H.264 MP4 videos, thumbnails, spritesheets).')
    // Bad input is a usage error: exit 2 like every other sora-kit usage error (commander's default is 1).
    // Set before the subcommands are added so they inherit it.
    .exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : 2));

  media
    .command('image')
    .description('Write PNG image(s) of the size the platform rules give for --size.')
    .addOption(new Option('--model <name>', 'image model').default(parseModel('sora_image'), 'sora_image').argParser(parseModel))
    .option('--size <WxH>', 'requested size; only its aspect matters (square -> 1024x1024, wide -> 1536x1024, tall -> 1024x1536)', parseSizeOption)
    .option('--n <N>', `number of variants, ${IMAGE_COUNT_MIN}..${IMAGE_COUNT_MAX}; with N > 1 the files are named FILE-1.png .. FILE-N.png`, parseN, 1)
    .requiredOption('--prompt <text>', 'the prompt (decides colours and layout)')
    .requiredOption('--out <file>', 'output PNG path, or - for standard output')
    .option('--seed <seed>', 'seed mixed into every choice of the scene', DEFAULT_SEED)
    .option('--input <files...>', 'input image(s) of an edit: the picture gets a frame derived from their digest')
    .action(async (opts: CommonOptions & { n: number }) => {
      const { spec, n } = resolveImageSpec(opts.model, opts.size, opts.n);
      checkOut(opts.out, 'image', n);
      const inputDigest = await readInputs(opts.input);
      for (let index = 0; index < n; index++) {
        const recipe = imageRecipe({ prompt: opts.prompt, spec, index, seed: opts.seed, inputDigest });
        await write(variantPath(opts.out, index, n), await generateMedia(recipe, 'image'));
      }
    });

  media
    .command('video')
    .description('Write an H.264 MP4 (or its WebP thumbnail / JPEG spritesheet) of the model spec.')
    .requiredOption('--model <name>', 'video model, e.g. sora_video2-landscape-hd-15s', parseModel)
    .option('--size <WxH>', 'requested size; only its orientation matters (wide -> landscape, else portrait); an orientation in --model wins', parseSizeOption)
    .option('--seconds <s>', 'duration where the model name leaves it open (sora_video2: 10, 15 or 25; default 10)')
    .option('--watermark', 'show the SORA watermark', false)
    .requiredOption('--prompt <text>', 'the prompt (decides colours and layout)')
    .requiredOption('--out <file>', `output path (${VIDEO_VARIANTS.map((v) => `.${MEDIA_EXTENSIONS[v]}`).join(', ')} by --variant), or - for standard output`)
    .addOption(new Option('--variant <variant>', 'what to write').choices(VIDEO_VARIANTS).default('video'))
    .option('--seed <seed>', 'seed mixed into every choice of the scene', DEFAULT_SEED)
    .option('--input <files...>', 'input image(s) of an image-to-video request: a frame derived from their digest')
    .action(async (opts: CommonOptions & { watermark: boolean; variant: MediaVariant; seconds?: string }) => {
      const { spec, ignored } = resolveVideoSpec(opts.model, opts.size, opts.seconds);
      checkOut(opts.out, opts.variant);
      for (const i of ignored) process.stderr.write(`sora-kit media: --${i.param} '${i.value}' ignored: ${i.reason}\n`);
      const inputDigest = await readInputs(opts.input);
      const recipe = videoRecipe({ prompt: opts.prompt, spec, seed: opts.seed, inputDigest, watermark: opts.watermark });
      await write(opts.out, await generateMedia(recipe, opts.variant));
    });
}
