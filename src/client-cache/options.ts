/** `clientCache` option: reads of single keys answered from memory, invalidated by the server. */
export interface ClientCacheOptions {
  /** Most replies kept (least recently used dropped first). Default 10 000. */
  maxEntries?: number;
  /** ms a reply may be served from memory at most, invalidation or not. Default: no limit. */
  ttl?: number;
}

export const CLIENT_CACHE_DEFAULTS = { maxEntries: 10_000, ttl: 0 } as const;

const KNOWN = new Set(['maxEntries', 'ttl']);

/** Refuses a bad `clientCache` at once with a TypeError naming it; returns the options with defaults. */
export function validateClientCache(value: unknown): Required<ClientCacheOptions> | null {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`clientCache must be an object { maxEntries?, ttl? }, got ${String(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!KNOWN.has(key)) throw new TypeError(`clientCache.${key} is not an option (known: maxEntries, ttl)`);
  }
  const { maxEntries, ttl } = value as ClientCacheOptions;
  if (maxEntries !== undefined && (typeof maxEntries !== 'number' || !Number.isInteger(maxEntries) || maxEntries < 1)) {
    throw new TypeError(`clientCache.maxEntries must be an integer >= 1, got ${String(maxEntries)}`);
  }
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0)) {
    throw new TypeError(`clientCache.ttl must be a positive number of milliseconds, got ${String(ttl)}`);
  }
  return {
    maxEntries: maxEntries ?? CLIENT_CACHE_DEFAULTS.maxEntries,
    ttl: ttl ?? CLIENT_CACHE_DEFAULTS.ttl,
  };
}
