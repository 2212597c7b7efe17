/**
 * The one XML text writer: the checker's JUnit reporter and the proxy's JUnit report both escape
 * through it. XML 1.0 (section 2.2) has no way to write some characters at all (C0 controls other
 * than tab, LF and CR, lone surrogates, U+FFFE, U+FFFF): a deployment's text may hold them, and a
 * file with one is not XML, so they become U+FFFD; the five markup characters become entities.
 */

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** `text` as XML character data or an attribute value (either quote). */
export function escapeXml(text: string): string {
  return text.replace(FORBIDDEN, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
