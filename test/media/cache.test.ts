import { describe, expect, it } from 'vitest';
import { createMediaCache, createMediaStore, imageRecipe } from '../../src/media/index.js';
import { IMAGE_SIZES } from '../../src/spec/rules.js';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('media cache', () => {
  it('generates lazily and shares one promise between concurrent requests', async () => {
    const cache = createMediaCache({ maxBytes: 100 });
    let calls = 0;
    const produce = async () => {
      calls++;
      return bytes(10);
    };
    expect(calls).toBe(0);
    const [a, b] = await Promise.all([cache.get('k', produce), cache.get('k', produce)]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    await cache.get('k', produce);
    expect(calls).toBe(1);
  });

  it('evicts the least recently used entries to stay within maxBytes', async () => {
    const cache = createMediaCache({ maxBytes: 30 });
    await cache.get('a', () => bytes(10));
    await cache.get('b', () => bytes(10));
    await cache.get('c', () => bytes(10));
    await cache.get('a', () => bytes(10, 9)); // hit: a becomes most recent
    await cache.get('d', () => bytes(10));
    expect(cache.has('b')).toBe(false);
    expect(['a', 'c', 'd'].every((k) => cache.has(k))).toBe(true);
    expect(cache.bytes).toBe(30);
    const big = await cache.get('huge', () => bytes(31));
    expect(big.length).toBe(31);
    expect(cache.has('huge')).toBe(false);
    expect(cache.bytes).toBe(30);
  });

  it('does not cache failures, even synchronous ones', async () => {
    const cache = createMediaCache({ maxBytes: 100 });
    await expect(cache.get('k', () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(cache.get('k', () => bytes(3))).resolves.toHaveLength(3);
  });

  it('the store serves each variant with its content type and rejects variants the kind lacks', async () => {
    const store = createMediaStore({ maxBytes: 10_000_000 });
    const recipe = imageRecipe({ prompt: 'store', spec: { aspect: '1:1', ...IMAGE_SIZES['1:1'] } });
    const png = await store.get(recipe, 'image');
    expect(png.contentType).toBe('image/png');
    expect([...png.bytes.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect((await store.get(recipe, 'image')).bytes).toBe(png.bytes);
    const webp = await store.get(recipe, 'thumbnail');
    expect(webp.contentType).toBe('image/webp');
    await expect(store.get(recipe, 'video')).rejects.toThrow(/variant 'video' does not exist for image media; accepted: image, thumbnail/);
  });
});
