/**
 * What a byte string is, from its magic numbers alone (no parsing). Besides the formats the readers
 * inspect, it recognises the things a misbehaving gateway tends to send instead of media (an HTML error
 * page, a JSON error body, an audio-only file) so an inspection error can say what was actually seen.
 *
 * Hand-written because the magic-number libraries on npm (file-type and friends) are Node-first
 * (streams, `node:` imports) and do not know about text bodies; the signatures below are fixed by the
 * format specifications and fit in one screen.
 */

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';
export type VideoFormat = 'mp4' | 'mov' | 'webm' | 'mkv' | 'ts';
/** Recognised, but not something the readers report facts about. */
export type OtherFormat =
  | 'avif'
  | 'heic'
  | 'bmp'
  | 'tiff'
  | 'avi'
  | 'mp3'
  | 'ogg'
  | 'flac'
  | 'wav'
  | 'pdf'
  | 'zip'
  | 'html'
  | 'xml'
  | 'json'
  | 'text';

export type SniffedMediaType =
  | { kind: 'image'; format: ImageFormat; mime: string }
  | { kind: 'video'; format: VideoFormat; mime: string }
  | { kind: 'other'; format: OtherFormat; mime: string };

export const IMAGE_MIME: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

export const VIDEO_MIME: Record<VideoFormat, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  ts: 'video/mp2t',
};

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length && i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  return signature.every((b, i) => bytes[at + i] === b);
}

const image = (format: ImageFormat): SniffedMediaType => ({ kind: 'image', format, mime: IMAGE_MIME[format] });
const video = (format: VideoFormat): SniffedMediaType => ({ kind: 'video', format, mime: VIDEO_MIME[format] });
const other = (format: OtherFormat, mime: string): SniffedMediaType => ({ kind: 'other', format, mime });

/** ISO BMFF top-level box types that can open a file with no `ftyp` (old QuickTime writers). */
const BARE_QUICKTIME_BOXES = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

function sniffIsoBmff(bytes: Uint8Array): SniffedMediaType | undefined {
  const type = ascii(bytes, 4, 4);
  if (type !== 'ftyp') return BARE_QUICKTIME_BOXES.has(type) && bytes.length >= 8 ? video('mov') : undefined;
  const brand = ascii(bytes, 8, 4);
  if (brand === 'avif' || brand === 'avis') return other('avif', 'image/avif');
  if (brand === 'heic' || brand === 'heix' || brand === 'mif1' || brand === 'msf1') return other('heic', 'image/heic');
  return brand === 'qt  ' ? video('mov') : video('mp4');
}

function sniffRiff(bytes: Uint8Array): SniffedMediaType | undefined {
  if (ascii(bytes, 0, 4) !== 'RIFF') return undefined;
  const form = ascii(bytes, 8, 4);
  if (form === 'WEBP') return image('webp');
  if (form === 'AVI ') return other('avi', 'video/x-msvideo');
  if (form === 'WAVE') return other('wav', 'audio/wav');
  return undefined;
}

function sniffEbml(bytes: Uint8Array): SniffedMediaType | undefined {
  if (!startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return undefined;
  // The DocType string sits inside the EBML header, a few dozen bytes in; a scan avoids parsing it.
  const head = ascii(bytes, 4, 64);
  if (head.includes('webm')) return video('webm');
  return video('mkv');
}

/** Text bodies: what a proxy or gateway sends when it fails, instead of the media that was asked for. */
function sniffText(bytes: Uint8Array): SniffedMediaType | undefined {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 512));
  const trimmed = head.replace(/^\uFEFF/, '').trimStart();
  const lower = trimmed.toLowerCase();
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html') || /^<(head|body|title)\b/.test(lower)) {
    return other('html', 'text/html');
  }
  if (lower.startsWith('<?xml') || lower.startsWith('<svg')) return other('xml', 'application/xml');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return other('json', 'application/json');
  // Mostly printable characters (allowing any UTF-8) means text; binary formats are full of control bytes.
  const sample = bytes.subarray(0, 512);
  let control = 0;
  for (const b of sample) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) control++;
  return sample.length > 0 && control === 0 ? other('text', 'text/plain') : undefined;
}

/** Identify bytes by their leading signature; `undefined` when nothing known matches. */
export function sniffMediaType(bytes: Uint8Array): SniffedMediaType | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return image('png');
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return image('jpeg');
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return image('gif');
  const riff = sniffRiff(bytes);
  if (riff) return riff;
  const iso = sniffIsoBmff(bytes);
  if (iso) return iso;
  const ebml = sniffEbml(bytes);
  if (ebml) return ebml;
  // MPEG-TS: a sync byte every 188 bytes; two in a row rules out chance matches in most text and binaries.
  if (bytes.length >= 189 && bytes[0] === 0x47 && bytes[188] === 0x47) return video('ts');
  if (startsWith(bytes, [0x42, 0x4d]) && bytes.length >= 26) return other('bmp', 'image/bmp');
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return other('tiff', 'image/tiff');
  }
  if (ascii(bytes, 0, 3) === 'ID3' || (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0)) {
    return other('mp3', 'audio/mpeg');
  }
  if (ascii(bytes, 0, 4) === 'OggS') return other('ogg', 'audio/ogg');
  if (ascii(bytes, 0, 4) === 'fLaC') return other('flac', 'audio/flac');
  if (ascii(bytes, 0, 5) === '%PDF-') return other('pdf', 'application/pdf');
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return other('zip', 'application/zip');
  return sniffText(bytes);
}

/** A short, printable rendering of the first bytes, for error messages. */
export function describeLeadingBytes(bytes: Uint8Array, max = 24): string {
  const head = bytes.subarray(0, max);
  const printable = head.every((b) => b >= 0x20 && b < 0x7f);
  if (printable) return JSON.stringify(ascii(head, 0, head.length)) + (bytes.length > max ? '...' : '');
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `0x[${hex}${bytes.length > max ? ' ...' : ''}]`;
}
