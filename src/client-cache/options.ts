/** `clientCache` option: reads of single keys answered from memory, invalidated by the server. */
export interface ClientCacheOptions {
  /** Most replies kept (least recently used dropped first). Default 10 000. */
  maxEntries?: number;
  /** ms a reply may be served from memory at most, invalidation or not. Default: no limit. */
  ttl?: number;
  /**
   * `'default'`: the server remembers which keys this client read and invalidates those.
   * `'broadcast'` (`BCAST`): the server invalidates every key under `prefixes`, read or not (no memory
   * on the server per key; more messages); only keys under the prefixes are cached. Default `'default'`.
   */
  mode?: 'default' | 'broadcast';
  /** With `mode: 'broadcast'`: the key prefixes to track (none: every key). Must not overlap. */
  prefixes?: readonly string[];
}

/** The options with defaults applied; `prefixes` null outside broadcast mode. */
export interface ClientCacheSettings {
  maxEntries: number;
  ttl: number;
  broadcast: boolean;
  prefixes: readonly string[];
}

export const CLIENT_CACHE_DEFAULTS = { maxEntries: 10_000, ttl: 0 } as const;

const KNOWN = new Set(['maxEntries', 'ttl', 'mode', 'prefixes']);

/** Refuses a bad `clientCache` at once with a TypeError naming it; returns the settings with defaults. */
export function validateClientCache(value: unknown): ClientCacheSettings | null {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`clientCache must be an object { maxEntries?, ttl?, mode?, prefixes? }, got ${String(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(`clientCache.${key} is not an option (known: maxEntries, ttl, mode, prefixes)`);
    }
  }
  const { maxEntries, ttl, mode, prefixes } = value as ClientCacheOptions;
  if (maxEntries !== undefined && (typeof maxEntries !== 'number' || !Number.isInteger(maxEntries) || maxEntries < 1)) {
    throw new TypeError(`clientCache.maxEntries must be an integer >= 1, got ${String(maxEntries)}`);
  }
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0)) {
    throw new TypeError(`clientCache.ttl must be a positive number of milliseconds, got ${String(ttl)}`);
  }
  if (mode !== undefined && mode !== 'default' && mode !== 'broadcast') {
    throw new TypeError(`clientCache.mode must be 'default' or 'broadcast', got ${JSON.stringify(mode)}`);
  }
  const broadcast = mode === 'broadcast';
  if (prefixes !== undefined) {
    if (!broadcast) throw new TypeError("clientCache.prefixes needs mode: 'broadcast'");
    if (!Array.isArray(prefixes) || prefixes.some((p) => typeof p !== 'string' || p.length === 0)) {
      throw new TypeError(
        `clientCache.prefixes must be an array of non-empty strings, got ${JSON.stringify(prefixes)}`,
      );
    }
    // The server refuses overlapping prefixes (one would be invalidated twice): say so before connecting.
    for (const a of prefixes) {
      for (const b of prefixes) {
        if (a !== b && b.startsWith(a)) throw new TypeError(`clientCache.prefixes overlap: '${a}' and '${b}'`);
      }
    }
  }
  return {
    maxEntries: maxEntries ?? CLIENT_CACHE_DEFAULTS.maxEntries,
    ttl: ttl ?? CLIENT_CACHE_DEFAULTS.ttl,
    broadcast,
    prefixes: [...new Set(prefixes ?? [])],
  };
}
