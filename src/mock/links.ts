/**
 * Signed media links. A file URL names its recipe, and the bytes are regenerated from it on demand,
 * so without a signature anyone could write a recipe URL and make the mock generate any image or
 * video, licence or not. Each link therefore carries a MAC of (variant, recipe) under the instance's
 * media secret: HMAC-SHA-256 through Web Crypto (Node >= 20 and browsers, so the mock stays
 * runtime-free), truncated to 128 bits and written as 22 base64url characters.
 *
 * The secret is random per instance unless the `mediaSecret` option gives one; instances that share
 * it (and the seed) issue the same links and accept each other's. The secret never leaves this module.
 */
import type { MediaVariant } from '../media/index.js';
import { toBase64Url } from '../util/index.js';

/** Characters of a signature: 16 bytes of the MAC in base64url without padding. */
export const SIGNATURE_LENGTH = 22;
const MAC_BYTES = 16;
/** Domain separation: the same secret could one day sign other things. */
const CONTEXT = 'sora-kit media link v1';

export interface LinkSigner {
  /** The signature of `recipe` (its canonical encoding) served as `variant`. */
  sign(variant: MediaVariant, recipe: string): Promise<string>;
  /** Whether `signature` is the one `sign` gives; compares in time independent of where they differ. */
  verify(variant: MediaVariant, recipe: string, signature: string): Promise<boolean>;
}

const utf8 = new TextEncoder();

function subtleCrypto(): SubtleCrypto {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new Error(
      'media links are signed with Web Crypto (crypto.subtle), which this runtime does not provide; browsers give it only to secure contexts (https:// or localhost)',
    );
  }
  return subtle;
}

/** A signer keyed by `secret`, or by 32 random bytes when none is given. */
export function createLinkSigner(secret?: string): LinkSigner {
  if (secret !== undefined && (typeof secret !== 'string' || secret.length === 0)) {
    throw new TypeError('mediaSecret must be a non-empty string (it signs media links; omit it for a random one per instance).');
  }
  const raw = secret === undefined ? crypto.getRandomValues(new Uint8Array(32)) : utf8.encode(secret);
  let key: Promise<CryptoKey> | undefined;
  const keyOf = () =>
    (key ??= Promise.resolve().then(() => subtleCrypto().importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])));

  async function sign(variant: MediaVariant, recipe: string): Promise<string> {
    const mac = await subtleCrypto().sign('HMAC', await keyOf(), utf8.encode(`${CONTEXT}\u0000${variant}\u0000${recipe}`));
    return toBase64Url(new Uint8Array(mac, 0, MAC_BYTES));
  }

  return {
    sign,
    async verify(variant, recipe, signature) {
      if (signature.length !== SIGNATURE_LENGTH) return false;
      // Compare the canonical text, not decoded bytes: base64url's last character has spare bits, and
      // an edited one must not decode to the same MAC.
      const expected = await sign(variant, recipe);
      let diff = 0;
      for (let i = 0; i < SIGNATURE_LENGTH; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
      return diff === 0;
    },
  };
}
