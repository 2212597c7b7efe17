import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ffprobe, toTempFile } from '../helpers/ffmpeg.js';
import { CLI, REPO_ROOT } from '../helpers/cli.js';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'sora-kit-cli-media-'));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'media', ...args], { cwd: REPO_ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The command's standard output as bytes (a file written to `-`). */
function runBytes(...args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'media', ...args], { cwd: REPO_ROOT, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

describe('sora-kit media', () => {
  it('image --n 2 writes FILE-1.png and FILE-2.png at the size the aspect gives', async () => {
    const file = join(out, 'cat.png');
    const r = await cli('image', '--model', 'sora_image', '--size', '300x200', '--n', '2', '--prompt', '画小猫', '--out', file);
    expect(r.code).toBe(0);
    for (const name of ['cat-1.png', 'cat-2.png']) {
      const probe = await ffprobe(join(out, name));
      expect(probe.streams[0]).toMatchObject({ codec_name: 'png', width: 1536, height: 1024 });
    }
    expect(existsSync(file)).toBe(false);
  });

  it('video writes an MP4 of the model spec, and its thumbnail / spritesheet by --variant', async () => {
    const mp4 = join(out, 'fox.mp4');
    const webp = join(out, 'fox.webp');
    const jpg = join(out, 'fox.jpg');
    const common = ['--model', 'sora_video2-landscape', '--watermark', '--prompt', 'fox'];
    const results = await Promise.all([
      cli('video', ...common, '--out', mp4),
      cli('video', ...common, '--variant', 'thumbnail', '--out', webp),
      cli('video', ...common, '--variant', 'spritesheet', '--out', jpg),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const probe = await ffprobe(mp4);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(Math.abs(Number(probe.format.duration) - 10)).toBeLessThanOrEqual(1 / 24);
    expect((await ffprobe(webp)).streams[0]).toMatchObject({ codec_name: 'webp', width: 320, height: 180 });
    expect((await ffprobe(jpg)).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 800, height: 450 });
  });

  it('exits 2 naming the parameter, the value and what is accepted', async () => {
    const bad = await Promise.all([
      cli('image', '--n', '5', '--prompt', 'x', '--out', join(out, 'x.png')),
      cli('image', '--size', '12x', '--prompt', 'x', '--out', join(out, 'x.png')),
      cli('video', '--model', 'sora_video3', '--prompt', 'x', '--out', join(out, 'x.mp4')),
      cli('video', '--model', 'sora_video2', '--seconds', '12', '--prompt', 'x', '--out', join(out, 'x.mp4')),
      cli('image', '--model', 'sora_video2', '--prompt', 'x', '--out', join(out, 'x.png')),
      cli('video', '--model', 'sora_video2', '--variant', 'poster', '--prompt', 'x', '--out', join(out, 'x.mp4')),
    ]);
    expect(bad.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(bad[0].stderr).toMatch(/--n <N>.*5.*1 to 4/);
    expect(bad[1].stderr).toMatch(/--size <WxH>.*'12x'.*WxH/);
    expect(bad[2].stderr).toMatch(/--model <name>.*'sora_video3'.*sora_image, sora_video, sora_video2/);
    expect(bad[3].stderr).toMatch(/--seconds: .*'12'.*10.*15.*25/);
    expect(bad[4].stderr).toMatch(/--model 'sora_video2' makes videos; images need --model sora_image/);
    expect(bad[5].stderr).toMatch(/'poster'.*video.*thumbnail.*spritesheet/);
    expect(existsSync(join(out, 'x.png')) || existsSync(join(out, 'x.mp4'))).toBe(false);
  });

  it('--out - writes the one file to standard output, nothing else, and no file named -', async () => {
    const [image, video] = await Promise.all([
      runBytes('image', '--prompt', 'x', '--out', '-'),
      runBytes('video', '--model', 'sora_video2-landscape', '--variant', 'thumbnail', '--prompt', 'x', '--out', '-'),
    ]);
    expect(image.code, image.stderr).toBe(0);
    expect([...image.stdout.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect((await ffprobe(toTempFile(image.stdout, 'stdout.png'))).streams[0]).toMatchObject({ codec_name: 'png', width: 1024, height: 1024 });
    expect(video.code, video.stderr).toBe(0);
    expect((await ffprobe(toTempFile(video.stdout, 'stdout.webp'))).streams[0]).toMatchObject({ codec_name: 'webp', width: 320, height: 180 });
    expect(existsSync(join(REPO_ROOT, '-'))).toBe(false);
  });

  it('refuses an --out whose extension is not the medium\'s, and - for several images, with exit 2', async () => {
    const bad = await Promise.all([
      cli('video', '--model', 'sora_video2', '--prompt', 'x', '--out', join(out, 'c.gif')),
      cli('video', '--model', 'sora_video2', '--variant', 'thumbnail', '--prompt', 'x', '--out', join(out, 'c.mp4')),
      cli('image', '--prompt', 'x', '--out', join(out, 'c.jpg')),
      cli('image', '--n', '2', '--prompt', 'x', '--out', '-'),
    ]);
    expect(bad.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(bad[0].stderr).toMatch(/--out '.*c\.gif': a video is written as video\/mp4; give a name ending in \.mp4 \(or - for standard output\)/);
    expect(bad[1].stderr).toMatch(/a thumbnail is written as image\/webp; give a name ending in \.webp/);
    expect(bad[2].stderr).toMatch(/an image is written as image\/png; give a name ending in \.png/);
    expect(bad[3].stderr).toMatch(/--out -: standard output takes one file, and --n 2 makes 2/);
    for (const name of ['c.gif', 'c.mp4', 'c.jpg']) expect(existsSync(join(out, name))).toBe(false);
    // Upper case is the same extension.
    expect((await cli('image', '--prompt', 'x', '--out', join(out, 'upper.PNG'))).code).toBe(0);
  });

  it('lets the model name win over --size, as the mock does, and says what it ignored', async () => {
    const mp4 = join(out, 'portrait-wins.mp4');
    const r = await cli('video', '--model', 'sora_video2-portrait', '--size', '1792x1024', '--prompt', 'x', '--out', mp4);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/--size '1792x1024' ignored: .*portrait/);
    expect((await ffprobe(mp4)).streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 720, height: 1280 });
  });

  it('--help lists every option', async () => {
    const image = await cli('image', '--help');
    for (const o of ['--model', '--size', '--n', '--prompt', '--out', '--seed', '--input']) expect(image.stdout).toContain(o);
    const video = await cli('video', '--help');
    for (const o of ['--model', '--size', '--seconds', '--watermark', '--prompt', '--out', '--variant', '--seed', '--input']) expect(video.stdout).toContain(o);
  });
});
