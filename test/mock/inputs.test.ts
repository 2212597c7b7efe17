/** Input images: the remote-fetch allow-list (the mock must never become an open proxy) and data URIs. */
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/mock/app.js';
import { HttpError } from '../../src/mock/http.js';
import { imageFromUrl, isFetchAllowed } from '../../src/mock/inputs.js';
import { pngBytes } from './helpers.js';

const allows = (url: string, rules: string[]) => isFetchAllowed(new URL(url), rules);

describe('the remote image allow-list', () => {
  it('matches URL prefixes by origin and path, not by text', () => {
    expect(allows('https://cdn.example/images/cat.png', ['https://cdn.example/images/'])).toBe(true);
    expect(allows('https://cdn.example/cat.png', ['https://cdn.example'])).toBe(true);
    expect(allows('https://cdn.example.evil.net/cat.png', ['https://cdn.example'])).toBe(false);
    expect(allows('https://cdn.example@evil.net/cat.png', ['https://cdn.example'])).toBe(false);
    expect(allows('https://cdn.example:8443/cat.png', ['https://cdn.example'])).toBe(false);
    expect(allows('http://cdn.example/cat.png', ['https://cdn.example'])).toBe(false);
    expect(allows('https://cdn.example/other/cat.png', ['https://cdn.example/images/'])).toBe(false);
  });

  it('matches host globs within one label, on any port', () => {
    expect(allows('https://a.example.com/x.png', ['*.example.com'])).toBe(true);
    expect(allows('http://a.example.com:8080/x.png', ['*.example.com'])).toBe(true);
    expect(allows('https://a.b.example.com/x.png', ['*.example.com'])).toBe(false);
    expect(allows('https://example.com.evil.net/x.png', ['example.com'])).toBe(false);
    expect(allows('https://EXAMPLE.com/x.png', ['example.com'])).toBe(true);
    expect(allows('https://example.com/x.png', [])).toBe(false);
  });
});

describe('image URLs without fetching', () => {
  const options = resolveOptions();
  const reject = async (url: string) => {
    try {
      await imageFromUrl(url, 'p', options);
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      return (error as HttpError).options;
    }
    throw new Error(`expected ${url.slice(0, 40)} to be refused`);
  };

  it('decodes base64 data URIs (standard and URL-safe) to real images with their shape', async () => {
    const png = await pngBytes();
    const standard = await imageFromUrl(`data:image/png;base64,${Buffer.from(png).toString('base64')}`, 'p', options);
    expect(standard.dims).toEqual({ width: 1536, height: 1024 });
    expect(standard.bytes).toEqual(png);
    const urlSafe = await imageFromUrl(`data:image/png;base64,${Buffer.from(png).toString('base64url')}`, 'p', options);
    expect(urlSafe.bytes).toEqual(png);
  });

  it('refuses data URIs that are not base64, do not decode, or are not images', async () => {
    expect(await reject('data:image/png,rawtext')).toMatchObject({ param: 'p', code: 'invalid_image' });
    expect(await reject('data:image/png;base64,@@@@')).toMatchObject({ param: 'p', code: 'invalid_image' });
    expect(await reject(`data:image/png;base64,${Buffer.from('GIF89a but not really').toString('base64')}`)).toMatchObject({ code: 'invalid_image' });
  });

  it('uses an unfetched remote URL as the input itself: no bytes fetched, no shape known', async () => {
    const input = await imageFromUrl('https://cdn.example/cat.png', 'p', options);
    expect(new TextDecoder().decode(input.bytes)).toBe('https://cdn.example/cat.png');
    expect(input.dims).toBeUndefined();
  });
});
