/**
 * Licences: `Authorization: <licence>` (the seed's form) or `Bearer <licence>` (what OpenAI SDKs send).
 * Chat is always included in a licence; images and videos are paid add-ons (seed: 需要额外付费开通).
 */
import { HttpError } from './http.js';
import { maskSecret } from './mask.js';
import type { Feature, LicenseConfig } from './types.js';

export function licenseKeyOf(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  if (!header) return undefined;
  const trimmed = header.trim();
  const key = /^bearer\s+/i.test(trimmed) ? trimmed.replace(/^bearer\s+/i, '') : trimmed;
  return key.length > 0 ? key : undefined;
}

/** Returns the licence, or throws 401/403 as an OpenAI-style error. */
export function authorize(request: Request, licenses: readonly LicenseConfig[], feature: Feature): LicenseConfig {
  const key = licenseKeyOf(request);
  if (!key) {
    throw new HttpError(
      401,
      "Missing licence: send it in the Authorization header, as 'Authorization: <licence>' or 'Authorization: Bearer <licence>'.",
      { type: 'authentication_error', param: null, code: 'missing_license' },
      { 'www-authenticate': 'Bearer realm="sora"' },
    );
  }
  const licence = licenses.find((l) => l.key === key);
  if (!licence) {
    const shown = maskSecret(key);
    throw new HttpError(
      401,
      `Unknown licence '${shown}': it is not one of this server's licences.`,
      { type: 'authentication_error', param: null, code: 'invalid_license' },
      { 'www-authenticate': 'Bearer realm="sora"' },
    );
  }
  if (feature !== 'chat' && !licence.features.includes(feature)) {
    throw new HttpError(
      403,
      `This licence does not include the paid '${feature}' add-on required by this endpoint; ` +
        `it includes: ${['chat', ...licence.features.filter((f) => f !== 'chat')].join(', ')}.`,
      { type: 'permission_error', param: null, code: 'feature_not_enabled' },
    );
  }
  return licence;
}
