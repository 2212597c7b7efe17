/**
 * `generate.ts <seconds> <tag>`: generate distinct 25 s 1792x1024 videos (the media-load bench's kind)
 * on this process's own thread for `seconds`, then print how many were made. bench/media-load.ts runs
 * one and then two side by side to measure what two cores of this machine can do at all: two
 * independent processes share nothing but the hardware, so their speed-up is the ceiling of any
 * pool's.
 */
import { generateMedia, type Recipe } from '../../src/media/index.js';
import { parseModelName } from '../../src/spec/model.js';
import { resolveVideoRequest } from '../../src/spec/rules.js';

const MODEL = 'sora_video2-landscape-hd-25s';
const seconds = Number(process.argv[2] ?? 5);
const tag = process.argv[3] ?? '0';
const parsed = parseModelName(MODEL);
if (!parsed.ok) throw new Error(`${MODEL} must parse`);
const resolved = resolveVideoRequest({ model: parsed.model });
if (!resolved.ok) throw new Error(`${MODEL} must resolve`);
const { spec } = resolved;

const recipe = (i: number): Recipe => ({
  kind: 'video',
  spec,
  promptDigest: `${tag}-${i}`.padStart(64, '0'),
  model: MODEL,
  index: 0,
  seed: 'bench',
  watermark: false,
});

await generateMedia(recipe(-1), 'video');
let made = 0;
const until = performance.now() + seconds * 1000;
while (performance.now() < until) {
  await generateMedia(recipe(made), 'video');
  made++;
}
process.stdout.write(`${made}\n`);
