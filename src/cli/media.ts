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
  generateMedia,
  imageRecipe,
  inputDigestOf,
  videoRecipe,
  type MediaVariant,
} from '../media/index.js';
import { VIDEO_DEFAULTS, formatModelName, parseModelName, type ModelName, type Orientation } from '../spec/model.js';
import {
  imageAspectOf,
  imageSpecFor,
  videoOrientationOf,
  videoSpecFor,
  type Dimensions,
  type ImageSpec,
  type VideoSpec,
} from '../spec/rules.js';

/** An error in what the user typed: reported as one line, exit status 2. */
export class UsageError extends Error {}

const MAX_N = 4;
const VIDEO_VARIANTS = ['video', 'thumbnail', 'spritesheet'] as const;

function parseSizeOption(value: string): Dimensions {
  const m = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected WxH with positive integers (e.g. 1536x1024), got '${value}'.`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

function parseN(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > MAX_N) {
    throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_N}, got '${value}'.`);
  }
  return n;
}

function parseModel(value: string): ModelName {
  const parsed = parseModelName(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.error.message);
  return parsed.model;
}

/** Resolve the image spec: the platform maps any WxH to the aspect it implies (default 1:1). */
export function resolveImageSpec(model: ModelName, size?: Dimensions): ImageSpec {
  if (model.base !== 'sora_image') {
    throw new UsageError(`--model '${formatModelName(model)}' makes videos; images need --model sora_image.`);
  }
  return imageSpecFor(size ? imageAspectOf(size) : '1:1');
}

/**
 * Resolve the video spec: the orientation comes from the model name, else from --size, else the
 * platform default (portrait). A name and a size that disagree are an error, not a silent choice.
 */
export function resolveVideoSpec(model: ModelName, size?: Dimensions): VideoSpec {
  if (model.base === 'sora_image') {
    throw new UsageError(`--model 'sora_image' makes images; videos need sora_video or sora_video2[-options].`);
  }
  const fromSize: Orientation | undefined = size ? videoOrientationOf(size) : undefined;
  if (model.orientation && fromSize && model.orientation !== fromSize) {
    throw new UsageError(
      `--size '${size!.width}x${size!.height}' is ${fromSize} but --model '${formatModelName(model)}' is ${model.orientation}; ` +
        'give a size of the same orientation or a model name without one.',
    );
  }
  return videoSpecFor(model, model.orientation ?? fromSize ?? VIDEO_DEFAULTS.orientation);
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

async function write(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  process.stdout.write(`${path} (${bytes.length} bytes)\n`);
}

interface CommonOptions {
  model: ModelName;
  size?: Dimensions;
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
    .option('--n <N>', `number of variants, 1..${MAX_N}; with N > 1 the files are named FILE-1.png .. FILE-N.png`, parseN, 1)
    .requiredOption('--prompt <text>', 'the prompt (decides colours and layout)')
    .requiredOption('--out <file>', 'output PNG path')
    .option('--seed <seed>', 'seed mixed into every choice of the scene', DEFAULT_SEED)
    .option('--input <files...>', 'input image(s) of an edit: the picture gets a frame derived from their digest')
    .action(async (opts: CommonOptions & { n: number }) => {
      const spec = resolveImageSpec(opts.model, opts.size);
      const inputDigest = await readInputs(opts.input);
      for (let index = 0; index < opts.n; index++) {
        const recipe = imageRecipe({ prompt: opts.prompt, spec, index, seed: opts.seed, inputDigest });
        await write(variantPath(opts.out, index, opts.n), await generateMedia(recipe, 'image'));
      }
    });

  media
    .command('video')
    .description('Write an H.264 MP4 (or its WebP thumbnail / JPEG spritesheet) of the model spec.')
    .requiredOption('--model <name>', 'video model, e.g. sora_video2-landscape-hd-15s', parseModel)
    .option('--size <WxH>', 'requested size; only its orientation matters (wide -> landscape, else portrait)', parseSizeOption)
    .option('--watermark', 'show the SORA watermark', false)
    .requiredOption('--prompt <text>', 'the prompt (decides colours and layout)')
    .requiredOption('--out <file>', 'output path (.mp4, .webp or .jpg by --variant)')
    .addOption(new Option('--variant <variant>', 'what to write').choices(VIDEO_VARIANTS).default('video'))
    .option('--seed <seed>', 'seed mixed into every choice of the scene', DEFAULT_SEED)
    .option('--input <files...>', 'input image(s) of an image-to-video request: a frame derived from their digest')
    .action(async (opts: CommonOptions & { watermark: boolean; variant: MediaVariant }) => {
      const spec = resolveVideoSpec(opts.model, opts.size);
      const inputDigest = await readInputs(opts.input);
      const recipe = videoRecipe({ prompt: opts.prompt, spec, seed: opts.seed, inputDigest, watermark: opts.watermark });
      await write(opts.out, await generateMedia(recipe, opts.variant));
    });
}
