/**
 * pathAndQuery reads the path and query of a serialized URL by position, instead of parsing it again
 * on every request: for any http(s) URL, once serialized (as Request.url always is), it must say
 * exactly what `new URL()` says, or nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathAndQuery } from '../../src/util/index.js';

// As Request.url and @hono/node-server serialize it (a Request refuses credentials, a URL keeps them).
const serialized = (href: string) => new URL(href).href;

describe('pathAndQuery', () => {
  it('equals URL pathname and search for any serialized http(s) URL', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true, validSchemes: ['http', 'https'], authoritySettings: { withUserInfo: true, withPort: true, withIPv6: true, withIPv4: true } }), (href) => {
        const url = new URL(serialized(href));
        expect(pathAndQuery(url.href)).toEqual({ pathname: url.pathname, search: url.search });
      }),
      { numRuns: 2000 },
    );
  });

  it('the edges: an empty query, a query in the fragment, ports, userinfo, encoded characters, dot segments', () => {
    for (const href of [
      'http://127.0.0.1:4010/sora/v1/videos?',
      'http://h/sora/v1/videos#frag?not=query',
      'http://h/a?b=c#d?e',
      'https://user:p%40ss@host.test:8443/x/y?z=%2F',
      'http://h/sora/v1/../v1/models',
      'http://h/%E7%8C%AB?q=%E7%8C%AB',
      'http://[::1]:4010/sora/v1/models?limit=1',
    ]) {
      const url = new URL(serialized(href));
      expect(pathAndQuery(url.href), href).toEqual({ pathname: url.pathname, search: url.search });
    }
  });

  it('nothing for what is not a serialized http(s) URL', () => {
    expect(pathAndQuery('/sora/v1/models')).toBeUndefined();
    expect(pathAndQuery('ftp://h/x')).toBeUndefined();
    expect(pathAndQuery('http://h')).toBeUndefined();
  });
});
