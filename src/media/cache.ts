/**
 * A bounded LRU of generated media. Generation is lazy (nothing is made until asked for) and
 * concurrent requests for one key share one promise, so a burst of downloads of the same video
 * encodes it once. Failures are not cached: the next request tries again.
 */
export interface MediaCacheOptions {
  /** Upper bound on the bytes kept; an item larger than this is returned but never kept. */
  maxBytes: number;
}

export interface MediaCache {
  get(key: string, produce: () => Uint8Array | Promise<Uint8Array>): Promise<Uint8Array>;
  has(key: string): boolean;
  delete(key: string): boolean;
  clear(): void;
  /** Bytes currently kept. */
  readonly bytes: number;
  /** Entries currently kept (not counting generations in flight). */
  readonly size: number;
}

export function createMediaCache(options: MediaCacheOptions): MediaCache {
  const { maxBytes } = options;
  if (!Number.isFinite(maxBytes) || maxBytes < 0) {
    throw new RangeError(`createMediaCache: maxBytes must be a finite number >= 0, got ${maxBytes}`);
  }
  // A Map iterates in insertion order; re-inserting on every hit keeps the oldest use first.
  const entries = new Map<string, Uint8Array>();
  const inFlight = new Map<string, Promise<Uint8Array>>();
  let bytes = 0;

  const keep = (key: string, value: Uint8Array) => {
    if (value.byteLength > maxBytes) return;
    entries.set(key, value);
    bytes += value.byteLength;
    for (const [oldest, old] of entries) {
      if (bytes <= maxBytes) break;
      entries.delete(oldest);
      bytes -= old.byteLength;
    }
  };

  return {
    get(key, produce) {
      const hit = entries.get(key);
      if (hit) {
        entries.delete(key);
        entries.set(key, hit);
        return Promise.resolve(hit);
      }
      const pending = inFlight.get(key);
      if (pending) return pending;
      // produce runs in a later microtask, after the promise is registered, so even a synchronous
      // throw clears its own in-flight entry.
      const promise = Promise.resolve()
        .then(produce)
        .then((value) => {
          keep(key, value);
          return value;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return promise;
    },
    has: (key) => entries.has(key),
    delete(key) {
      const value = entries.get(key);
      if (!value) return false;
      entries.delete(key);
      bytes -= value.byteLength;
      return true;
    },
    clear() {
      entries.clear();
      bytes = 0;
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
