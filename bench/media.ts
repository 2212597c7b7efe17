/**
 * `npm run bench:media`: time and size of every media variant sora-kit generates, against ffmpeg
 * making a comparable file (libx264 -preset ultrafast from lavfi testsrc for video, png from testsrc
 * for images) measured in the same run on the same machine. Prints a table; the targets of issue 3
 * are reported, never enforced (timings are machine-dependent).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine } from './host.js';
import {
  generateImage,
  generateSpritesheet,
  generateThumbnail,
  generateVideo,
  imageRecipe,
  videoRecipe,
} from '../src/media/index.js';
import { parseModelName } from '../src/spec/model.js';
import { IMAGE_SIZES, videoSpecFor, type VideoSpec } from '../src/spec/rules.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** A server generates the same kinds of media over and over: measure it with the JIT warm, as it runs. */
const WARMUPS = 3;
const scratch = mkdtempSync(join(tmpdir(), 'sora-kit-bench-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function time<T extends Uint8Array>(make: () => T | Promise<T>): Promise<{ ms: number; bytes: number }> {
  for (let i = 0; i < WARMUPS; i++) await make(); // warm-up: JIT and lazy module state
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const out = await make();
    times.push(performance.now() - t0);
    bytes = out.length;
  }
  return { ms: median(times), bytes };
}

function ffmpeg(args: string[], out: string): { ms: number; bytes: number } {
  const t0 = performance.now();
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args, out], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return { ms, bytes: statSync(out).size };
}

function spec(name: string, orientation: 'portrait' | 'landscape'): VideoSpec {
  const parsed = parseModelName(name);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return videoSpecFor(parsed.model, orientation);
}

interface Row {
  variant: string;
  size: string;
  seconds: string;
  ms: number;
  bytes: number;
  ffMs?: number;
  ffBytes?: number;
}

const rows: Row[] = [];
const videoSpecs: VideoSpec[] = [];
for (const orientation of ['portrait', 'landscape'] as const) {
  videoSpecs.push(spec('sora_video', orientation));
  for (const hd of ['', '-hd']) {
    for (const s of ['', '-15s', '-25s']) videoSpecs.push(spec(`sora_video2-${orientation}${hd}${s}`, orientation));
  }
}

for (const v of videoSpecs) {
  const recipe = videoRecipe({ prompt: 'a red fox running through snow', spec: v, watermark: true });
  const ours = await time(() => generateVideo(recipe));
  const ff = ffmpeg(
    ['-f', 'lavfi', '-i', `testsrc=size=${v.width}x${v.height}:rate=${v.fps}`, '-t', String(v.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    join(scratch, `ff-${v.size}-${v.seconds}.mp4`),
  );
  rows.push({ variant: 'video mp4', size: v.size, seconds: String(v.seconds), ...ours, ffMs: ff.ms, ffBytes: ff.bytes });
}
for (const s of Object.values(IMAGE_SIZES)) {
  const recipe = imageRecipe({ prompt: 'a red fox running through snow', spec: { aspect: '1:1', ...s } });
  const ours = await time(() => generateImage(recipe));
  const ff = ffmpeg(['-f', 'lavfi', '-i', `testsrc=size=${s.size}`, '-frames:v', '1', '-c:v', 'png'], join(scratch, `ff-${s.size}.png`));
  rows.push({ variant: 'image png', size: s.size, seconds: '', ...ours, ffMs: ff.ms, ffBytes: ff.bytes });
}
const hd25 = videoRecipe({ prompt: 'a red fox running through snow', spec: spec('sora_video2-landscape-hd-25s', 'landscape'), watermark: true });
const thumb = await time(() => generateThumbnail(hd25));
const ffThumb = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=448x256', '-frames:v', '1', '-c:v', 'libwebp', '-lossless', '1'], join(scratch, 'ff-thumb.webp'));
rows.push({ variant: 'thumbnail webp', size: '448x256', seconds: '', ...thumb, ffMs: ffThumb.ms, ffBytes: ffThumb.bytes });
const sprites = await time(() => generateSpritesheet(hd25));
const ffSprites = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=1120x640', '-frames:v', '1', '-q:v', '3'], join(scratch, 'ff-sprites.jpg'));
rows.push({ variant: 'spritesheet jpeg', size: '1120x640', seconds: '', ...sprites, ffMs: ffSprites.ms, ffBytes: ffSprites.bytes });
rmSync(scratch, { recursive: true, force: true });

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const table = rows.map((r) => ({
  variant: r.variant,
  size: r.size,
  s: r.seconds,
  'sora-kit ms': r.ms.toFixed(1),
  'sora-kit size': kb(r.bytes),
  'ffmpeg ms': r.ffMs?.toFixed(1) ?? '',
  'ffmpeg size': r.ffBytes ? kb(r.ffBytes) : '',
  'x faster': r.ffMs ? (r.ffMs / r.ms).toFixed(1) : '',
}));
console.log(`media benchmark: median of ${RUNS} runs after ${WARMUPS} warm-up runs; ffmpeg (one run each, includes process start) in the same run`);
console.log(`${machineLine()}\n`);
console.table(table);

const big = rows.find((r) => r.variant === 'video mp4' && r.size === '1792x1024' && r.seconds === '25')!;
const png = rows.find((r) => r.variant === 'image png' && r.size === '1536x1024')!;
const slowest = Math.min(...rows.filter((r) => r.ffMs).map((r) => r.ffMs! / r.ms));
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
console.log('\ntargets (issue 3):');
console.log(`  25 s 1792x1024 MP4 <= 150 ms: ${big.ms.toFixed(1)} ms (${verdict(big.ms <= 150)})`);
console.log(`  25 s 1792x1024 MP4 <= 1 MB:   ${kb(big.bytes)} (${verdict(big.bytes <= 1024 * 1024)})`);
console.log(`  1536x1024 PNG <= 60 ms:       ${png.ms.toFixed(1)} ms (${verdict(png.ms <= 60)})`);
console.log(`  >= 5x faster than ffmpeg:     worst ratio ${slowest.toFixed(1)}x (${verdict(slowest >= 5)})`);
