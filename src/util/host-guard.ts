/**
 * Which Host names a local tool's own surface answers under (the mock's `/__sora/*` and inspector, the
 * proxy's `/__sora/proxy/*`): DNS rebinding points a name the attacker owns at 127.0.0.1, so a page
 * of that name is "same-origin" to the tool; refusing every Host that is not one of the tool's own
 * names defeats it. The cross-origin test for requests (Origin, Fetch Metadata) is origin-policy.ts.
 * Transport-free, so the Node server, the proxy and the conformance runner all read loopback one way.
 */
import { isIP } from 'node:net';
import { hostname as machineName, networkInterfaces } from 'node:os';

/** The names a loopback bind answers under by default. */
export const LOOPBACK_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** 127.0.0.0/8, ::1 (bracketed or not), localhost and *.localhost: a name only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return bare === 'localhost' || bare.endsWith('.localhost') || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/** The host name of a Host header, lower-cased, without port or trailing dot; IPv6 keeps its brackets. */
export function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  const name = lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

/** An address as a Host header names it: IPv6 in brackets. */
export const asHostName = (address: string): string => (isIP(address) === 6 ? `[${address.toLowerCase()}]` : address.toLowerCase());

/**
 * The names a Host header may carry on a surface bound to `bound`: for a loopback bind 127.0.0.1,
 * localhost and [::1]; for a wildcard bind (0.0.0.0, ::) those, this machine's addresses and its name;
 * otherwise the bound address. Plus the public URL's host and `extra` (an exact name, or `.domain` for
 * the domain and its subdomains).
 */
export function allowedHostNames(bound: string, extra: readonly string[] = [], publicUrl?: string): (hostHeader: string | undefined) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  if (isLoopbackHost(bound)) for (const n of LOOPBACK_NAMES) exact.add(n);
  if (bound === '0.0.0.0' || bound === '::') {
    for (const n of LOOPBACK_NAMES) exact.add(n);
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) exact.add(asHostName(i.address));
    exact.add(machineName().toLowerCase());
  }
  exact.add(asHostName(bound));
  if (publicUrl) exact.add(new URL(publicUrl).hostname.toLowerCase());
  for (const entry of extra) {
    const name = entry.toLowerCase();
    if (name.startsWith('.')) {
      suffixes.push(name);
      exact.add(name.slice(1));
    } else exact.add(isIP(name) === 6 ? `[${name}]` : name);
  }
  return (hostHeader) => {
    if (!hostHeader) return false;
    const name = hostnameOf(hostHeader);
    return exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix));
  };
}
