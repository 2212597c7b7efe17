/** The deployment's address as the user gave it, made the API root every part of the judge reads. */
import { BASE_PATH } from '../spec/operations.js';
import { isLoopbackHost } from '../util/host-guard.js';
import { ConformanceUsageError } from './types.js';

/**
 * The API root from what the user gave: the platform root (`http://host:port`, `/sora/v1` appended)
 * or the API root itself (`http://host:port/sora/v1`, kept). A trailing slash is ignored.
 */
export function normalizeBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ConformanceUsageError(`baseUrl '${input}' is not a URL; expected e.g. http://127.0.0.1:4010 or http://127.0.0.1:4010/sora/v1.`, 'baseUrl');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConformanceUsageError(`baseUrl '${input}' must be http:// or https://.`, 'baseUrl');
  if (url.search || url.hash) throw new ConformanceUsageError(`baseUrl '${input}' must not have a query or fragment.`, 'baseUrl');
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path.endsWith(BASE_PATH) ? path : `${path}${BASE_PATH}`}`;
}

/** Loopback hosts, where generations cost nothing: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(baseUrl: string): boolean {
  return isLoopbackHost(new URL(baseUrl).hostname);
}
