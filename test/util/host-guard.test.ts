import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { allowedHostNames, hostnameOf, isLoopbackHost } from '../../src/util/host-guard.js';
import { isLoopback } from '../../src/conformance/base-url.js';

describe('host guard (one module for the mock server, the proxy and the checker)', () => {
  it('knows loopback names, bracketed or not, and nothing that only looks like one', () => {
    for (const host of ['127.0.0.1', '127.9.0.1', 'localhost', 'LOCALHOST.', 'app.localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['10.0.0.1', 'example.com', '127.example.com', '127.0.0.1.nip.io', '[::2]', '']) expect(isLoopbackHost(host), host).toBe(false);
    // The checker's cost guard reads a base URL through the same test.
    expect(['http://127.0.0.1:1', 'http://localhost', 'http://[::1]:4', 'http://127.9.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['http://10.0.0.1', 'http://example.com', 'http://127.example.com'].map(isLoopback)).toEqual([false, false, false]);
  });

  it('reads the name of a Host header without port, case or trailing dot', () => {
    expect(['127.0.0.1:4010', 'LocalHost.', '[::1]:80', 'mock.test', ' Mock.Test:99 '].map(hostnameOf)).toEqual(['127.0.0.1', 'localhost', '[::1]', 'mock.test', 'mock.test']);
  });

  it('a loopback bind answers its loopback names; a rebinding name, a missing Host and other addresses are refused', () => {
    const allowed = allowedHostNames('127.0.0.1');
    for (const host of ['127.0.0.1:4010', 'localhost:4010', '[::1]:4010']) expect(allowed(host), host).toBe(true);
    for (const host of ['attacker.example:4010', '127.0.0.1.attacker.example', '10.0.0.1', undefined, '']) expect(allowed(host), String(host)).toBe(false);
  });

  it('a bind to one address answers only that address, plus the public URL and the extras (exact or .domain)', () => {
    const allowed = allowedHostNames('192.168.1.5', ['mock.test', '.corp.example', 'fe80::1'], 'https://sora.example.org/base');
    for (const host of ['192.168.1.5:80', 'mock.test', 'corp.example', 'a.b.corp.example:1', '[fe80::1]:4', 'sora.example.org']) expect(allowed(host), host).toBe(true);
    for (const host of ['127.0.0.1', 'localhost', 'evilcorp.example', 'mock.test.evil', 'example.org']) expect(allowed(host), host).toBe(false);
  });

  it('a wildcard bind answers loopback names and this machine\'s own addresses', () => {
    const allowed = allowedHostNames('0.0.0.0');
    const own = Object.values(networkInterfaces()).flatMap((list) => list ?? []).map((i) => (i.family === 'IPv6' ? `[${i.address}]` : i.address));
    for (const host of ['localhost', ...own]) expect(allowed(host), host).toBe(true);
    expect(allowed('attacker.example')).toBe(false);
  });
});
