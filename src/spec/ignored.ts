/**
 * The ignored-parameters header: how a response tells the client which body parameters the model
 * name overrode and why. The mock writes it, the conformance runner reads it, so both live here.
 */
import { safeDecode } from '../util/index.js';

/** A body parameter the model name overrode, reported to the client in IGNORED_PARAMS_HEADER. */
export interface IgnoredParam {
  param: string;
  /** The value as received, as text. */
  value: string;
  reason: string;
}

/**
 * Response header in which the mock lists body parameters the model name overrode. Format (one entry
 * per parameter, entries joined by ", "):  `size=1792x1024; reason="model sora_video2-portrait fixes orientation portrait"`.
 * Values are tokens (no spaces, commas, semicolons or quotes; anything else is percent-encoded) and
 * reasons are quoted strings with `\` escapes, in the style of RFC 9110 parameters.
 */
export const IGNORED_PARAMS_HEADER = 'x-sora-ignored-params';

/** encodeURIComponent throws on lone surrogates; a header must never make the response fail. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function encodeToken(s: string): string {
  return wellFormed(s).replace(/[^A-Za-z0-9._~:/+\-]/gu, (c) => encodeURIComponent(c).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16).toUpperCase()}`));
}

function quote(s: string): string {
  // Header values must be visible ASCII; non-ASCII reasons are percent-encoded like token values.
  return `"${encodeNonAscii(s).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function encodeNonAscii(s: string): string {
  // '%' itself is encoded too, so that decoding restores a reason that happens to contain '%41'.
  return wellFormed(s).replace(/[^\x20-\x7e]+|%/g, (run) => encodeURIComponent(run));
}

export function formatIgnoredHeader(ignored: readonly IgnoredParam[]): string {
  return ignored.map((i) => `${encodeToken(i.param)}=${encodeToken(i.value)}; reason=${quote(i.reason)}`).join(', ');
}

/** Read IGNORED_PARAMS_HEADER back. Lenient: entries it cannot read are skipped, never thrown. */
export function parseIgnoredHeader(value: string | null | undefined): IgnoredParam[] {
  if (!value) return [];
  const out: IgnoredParam[] = [];
  // param=value; reason="..."  with the quoted reason allowed to contain commas and escaped quotes.
  const entry = /\s*([^=,;\s]+)=([^;,\s]*)\s*(?:;\s*reason="((?:[^"\\]|\\.)*)")?\s*(?:,|$)/y;
  let pos = 0;
  while (pos < value.length) {
    entry.lastIndex = pos;
    const m = entry.exec(value);
    if (!m || m[0].length === 0) {
      const next = value.indexOf(',', pos);
      if (next < 0) break;
      pos = next + 1;
      continue;
    }
    out.push({ param: safeDecode(m[1]), value: safeDecode(m[2]), reason: safeDecode((m[3] ?? '').replace(/\\(.)/g, '$1')) });
    pos = entry.lastIndex;
  }
  return out;
}
