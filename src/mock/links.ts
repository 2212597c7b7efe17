/**
 * Signed media links. A file URL names its recipe, and the bytes are regenerated from it on demand,
 * so without a signature anyone could write a recipe URL and make the mock generate any image or
 * video, licence or not. Each link therefore carries a MAC of (variant, recipe) under the instance's
 * media secret: HMAC-SHA-256, truncated to 128 bits and written as 22 base64url characters.
 *
 * The MAC is computed by @noble/hashes, synchronously and the same in every runtime. Web Crypto would
 * do the same sums, but only as a promise run on another thread (in Node, a libuv task per link: a
 * video job signs three, and that hand-off cost more than the hashing), and browsers give it only to
 * secure contexts, so a page served from a LAN address could not sign links at all.
 *
 * The secret is random per instance unless the `mediaSecret` option gives one; instances that share
 * it (and the seed) issue the same links and accept each other's. The secret never leaves this module.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { MediaVariant } from '../media/index.js';
import { toBase64Url } from '../util/index.js';

/** Characters of a signature: 16 bytes of the MAC in base64url without padding. */
export const SIGNATURE_LENGTH = 22;
const MAC_BYTES = 16;
/** Domain separation: the same secret could one day sign other things. */
const CONTEXT = 'sora-kit media link v1';

export interface LinkSigner {
  /** The signature of `recipe` (its canonical encoding) served as `variant`. */
  sign(variant: MediaVariant, recipe: string): string;
  /** Whether `signature` is the one `sign` gives; compares in time independent of where they differ. */
  verify(variant: MediaVariant, recipe: string, signature: string): boolean;
}

const utf8 = new TextEncoder();

/** A signer keyed by `secret`, or by 32 random bytes when none is given. */
export function createLinkSigner(secret?: string): LinkSigner {
  if (secret !== undefined && (typeof secret !== 'string' || secret.length === 0)) {
    throw new TypeError('mediaSecret must be a non-empty string (it signs media links; omit it for a random one per instance).');
  }
  const raw = secret === undefined ? crypto.getRandomValues(new Uint8Array(32)) : utf8.encode(secret);
  // The keyed state (the key's inner and outer pads, hashed once); each MAC continues a copy of it.
  const keyed = hmac.create(sha256, raw);

  function sign(variant: MediaVariant, recipe: string): string {
    const mac = keyed.clone().update(utf8.encode(`${CONTEXT}\u0000${variant}\u0000${recipe}`)).digest();
    return toBase64Url(mac.subarray(0, MAC_BYTES));
  }

  return {
    sign,
    verify(variant, recipe, signature) {
      if (signature.length !== SIGNATURE_LENGTH) return false;
      // Compare the canonical text, not decoded bytes: base64url's last character has spare bits, and
      // an edited one must not decode to the same MAC.
      const expected = sign(variant, recipe);
      let diff = 0;
      for (let i = 0; i < SIGNATURE_LENGTH; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
      return diff === 0;
    },
  };
}
