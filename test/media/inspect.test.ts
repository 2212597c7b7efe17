import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectMedia, MediaInspectionError, sniffMediaType, type MediaFacts } from '../../src/media/inspect.js';
import { withTimeout } from '../../src/media/inspect-error.js';
import { expectAgreesWithFfprobe } from './inspect-probe.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/media');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
/** The one fixture that is not an image or video: inspection must refuse it. */
const AUDIO_ONLY = 'audio-only-aac-1s.m4a';
const MEDIA_FIXTURES = readdirSync(FIXTURES).filter((f) => !/\.(sh|md)$/.test(f) && f !== AUDIO_ONLY);

async function rejection(bytes: Uint8Array): Promise<MediaInspectionError> {
  const outcome = await inspectMedia(bytes).then(
    (facts) => ({ facts }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.facts)}`);
  expect(outcome.error).toBeInstanceOf(MediaInspectionError);
  return outcome.error as MediaInspectionError;
}

/** What each fixture is, written down independently of both ffprobe and the readers. */
const EXPECTED: Record<string, Partial<MediaFacts> & Record<string, unknown>> = {
  'h264-aac-320x240-25fps-2s.mp4': { kind: 'video', format: 'mp4', width: 320, height: 240, codec: 'h264', frameRate: 25, durationSeconds: 2, hasAudio: true, audioCodec: 'aac' },
  'h264-moov-at-end-320x240-30fps-1s.mp4': { kind: 'video', format: 'mp4', width: 320, height: 240, codec: 'h264', frameRate: 30, durationSeconds: 1, hasAudio: false },
  'h264-portrait-144x256-24fps-1s.mp4': { kind: 'video', format: 'mp4', width: 144, height: 256, codec: 'h264', frameRate: 24, hasAudio: false },
  'h264-rotated90-160x96-24fps-1s.mp4': { kind: 'video', width: 96, height: 160, codedWidth: 160, codedHeight: 96 },
  'h264-160x120-24fps-1s.mov': { kind: 'video', format: 'mov', mime: 'video/quicktime', width: 160, height: 120, codec: 'h264' },
  'vp9-opus-256x144-25fps-1s.webm': { kind: 'video', format: 'webm', mime: 'video/webm', width: 256, height: 144, codec: 'vp9', frameRate: 25, hasAudio: true, audioCodec: 'opus' },
  'image-64x48.png': { kind: 'image', format: 'png', mime: 'image/png', width: 64, height: 48 },
  'image-96x64.jpg': { kind: 'image', format: 'jpeg', mime: 'image/jpeg', width: 96, height: 64 },
  'image-80x60.webp': { kind: 'image', format: 'webp', mime: 'image/webp', width: 80, height: 60 },
  'image-40x30-animated.gif': { kind: 'image', format: 'gif', mime: 'image/gif', width: 40, height: 30 },
};

describe('inspectMedia on files made by ffmpeg (not by sora-kit)', () => {
  it('has an expectation for every fixture file', () => {
    expect(MEDIA_FIXTURES.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of Object.keys(EXPECTED)) {
    it(`${name}: agrees with ffprobe and with what the fixture was made to be`, async () => {
      const bytes = fixture(name);
      const facts = await inspectMedia(bytes);
      expect(facts).toMatchObject(EXPECTED[name]);
      await expectAgreesWithFfprobe(facts, bytes, name);
    });
  }

  it('the ffprobe comparison itself catches wrong facts (so the agreement tests can fail)', async () => {
    const name = 'h264-aac-320x240-25fps-2s.mp4';
    const bytes = fixture(name);
    const facts = await inspectMedia(bytes);
    if (facts.kind !== 'video') throw new Error('fixture is a video');
    const wrong = [
      { ...facts, frameRate: 24 },
      { ...facts, width: 240, height: 320 },
      { ...facts, durationSeconds: 2.1 },
      { ...facts, hasAudio: false, audioCodec: undefined },
      { ...facts, codecString: 'avc1.42c00d' },
    ];
    for (const w of wrong) await expect(expectAgreesWithFfprobe(w, bytes, name)).rejects.toThrow();
  });

  it('reads an H.264 codec string a browser can use', async () => {
    const facts = await inspectMedia(fixture('h264-portrait-144x256-24fps-1s.mp4'));
    expect(facts.kind === 'video' && facts.codecString).toBe('avc1.42c00c');
  });

  it('accepts a Uint8Array view into a larger buffer', async () => {
    const bytes = fixture('image-64x48.png');
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    await expect(inspectMedia(padded.subarray(5, 5 + bytes.length))).resolves.toMatchObject({ width: 64, height: 48 });
  });
});

describe('inspectMedia errors', () => {
  it('empty input', async () => {
    const error = await rejection(new Uint8Array(0));
    expect(error.code).toBe('empty');
    expect(error.message).toMatch(/saw 0 bytes/);
  });

  it('an HTML page says it was HTML and quotes the start', async () => {
    const body = new TextEncoder().encode('<html><head><title>502 Bad Gateway</title></head></html>');
    const error = await rejection(body);
    expect(error.code).toBe('unsupported');
    expect(error.message).toContain('HTML document');
    expect(error.message).toContain('502 Bad Gateway');
    expect(error.message).toContain(`${body.length} bytes`);
    expect(error.bytesSeen).toBe(body.length);
  });

  it('a JSON error body says it was JSON', async () => {
    const error = await rejection(new TextEncoder().encode('  {"error":{"message":"invalid licence"}}'));
    expect(error.code).toBe('unsupported');
    expect(error.message).toMatch(/JSON/);
    expect(error.message).toContain('invalid licence');
  });

  it('unknown binary is shown as hex', async () => {
    const error = await rejection(new Uint8Array([0x00, 0x01, 0x02, 0xfe]));
    expect(error.code).toBe('unsupported');
    expect(error.message).toContain('00 01 02 fe');
  });

  it('an audio-only MP4 is unsupported, and says it holds audio only', async () => {
    const error = await rejection(fixture(AUDIO_ONLY));
    expect(error.code).toBe('unsupported');
    expect(error.message).toMatch(/found none.*audio only/);
  });

  it('an MP3 is unsupported and named as MP3', async () => {
    const error = await rejection(new Uint8Array([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0]));
    expect(error.code).toBe('unsupported');
    expect(error.message).toContain('MP3');
  });

  it('a faststart MP4 cut inside its media data is truncated, not reported as a good file', async () => {
    const bytes = fixture('h264-aac-320x240-25fps-2s.mp4');
    const error = await rejection(bytes.subarray(0, bytes.length - 1));
    expect(error.code).toBe('truncated');
    expect(error.message).toContain(`expected at least ${bytes.length} bytes, saw ${bytes.length - 1}`);
  });

  it('a moov-at-end MP4 cut before its moov is truncated', async () => {
    const bytes = fixture('h264-moov-at-end-320x240-30fps-1s.mp4');
    const error = await rejection(bytes.subarray(0, bytes.length - 100));
    expect(error.code).toBe('truncated');
    expect(error.message).toContain("'moov'");
  });

  it('a PNG without its IEND chunk is truncated', async () => {
    const bytes = fixture('image-64x48.png');
    const error = await rejection(bytes.subarray(0, bytes.length - 12));
    expect(error.code).toBe('truncated');
    expect(error.message).toContain('IEND');
  });

  it('a JPEG without its end-of-image marker is truncated', async () => {
    const bytes = fixture('image-96x64.jpg');
    const error = await rejection(bytes.subarray(0, bytes.length - 2));
    expect(error.code).toBe('truncated');
  });

  it('an MP4 box declaring a size smaller than its header is corrupt', async () => {
    const bytes = fixture('h264-portrait-144x256-24fps-1s.mp4').slice();
    bytes.set([0, 0, 0, 4], 0); // ftyp size 4 < 8
    const error = await rejection(bytes);
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/'ftyp'.*size 4/);
  });

  it('the timeout guard rejects work that never settles with code timeout', async () => {
    let cancelled = false;
    const never = new Promise<never>(() => {});
    const outcome = await withTimeout(never, 20, { what: 'MP4', bytesSeen: 7 }, () => {
      cancelled = true;
    }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(MediaInspectionError);
    expect((outcome as MediaInspectionError).code).toBe('timeout');
    expect((outcome as MediaInspectionError).message).toContain('20 ms');
    expect(cancelled).toBe(true);
  });

  it('rejects a non-positive timeout instead of racing a zero timer', async () => {
    const outcome = await inspectMedia(fixture('image-64x48.png'), { timeoutMs: 0 }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(MediaInspectionError);
    expect((outcome as MediaInspectionError).message).toContain('timeoutMs');
  });
});

describe('sniffMediaType', () => {
  it('identifies every fixture by its magic number', () => {
    for (const name of MEDIA_FIXTURES) {
      const { kind, format } = EXPECTED[name];
      const sniffed = sniffMediaType(fixture(name));
      expect(sniffed?.kind, name).toBe(kind);
      if (format) expect(sniffed?.format, name).toBe(format);
    }
  });

  it('recognises common non-media bodies and returns undefined for noise', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(sniffMediaType(text('<!DOCTYPE html><html>'))?.format).toBe('html');
    expect(sniffMediaType(text('{"a":1}'))?.format).toBe('json');
    expect(sniffMediaType(text('%PDF-1.7'))?.format).toBe('pdf');
    expect(sniffMediaType(new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69, 0x66]))?.format).toBe('avif');
    expect(sniffMediaType(new Uint8Array([0x00, 0x13, 0x37]))).toBeUndefined();
  });
});
