import type { RedisArg } from '../types.js';

/**
 * The one list of commands whose replies the client-side cache keeps: reads of one key (the first
 * argument) whose reply depends only on that key's value and the arguments. Left out on purpose:
 * anything with a side effect (GETEX, GETDEL, PFCOUNT, which may rewrite the HyperLogLog), anything
 * time-dependent (TTL, PTTL, EXPIRETIME, OBJECT, the H*TTL family), random (RANDOMKEY, SRANDMEMBER,
 * HRANDFIELD, ZRANDMEMBER), or reading other keys too (SORT_RO with BY/GET, SINTER, ZUNION, MGET).
 */
export const CACHEABLE_COMMANDS: readonly string[] = [
  // strings and bits
  'get',
  'getrange',
  'substr',
  'strlen',
  'getbit',
  'bitcount',
  'bitpos',
  'bitfield_ro',
  // keys (EXISTS only with a single key: see isCacheable)
  'exists',
  'type',
  // hashes
  'hget',
  'hmget',
  'hgetall',
  'hexists',
  'hlen',
  'hkeys',
  'hvals',
  'hstrlen',
  // lists
  'lrange',
  'llen',
  'lindex',
  'lpos',
  // sets
  'smembers',
  'sismember',
  'smismember',
  'scard',
  // sorted sets
  'zscore',
  'zmscore',
  'zcard',
  'zcount',
  'zlexcount',
  'zrank',
  'zrevrank',
  'zrange',
  'zrangebyscore',
  'zrangebylex',
  'zrevrange',
  'zrevrangebyscore',
  'zrevrangebylex',
  // streams and geo
  'xlen',
  'xrange',
  'xrevrange',
  'geopos',
  'geodist',
  'geohash',
];

const LISTED = new Set(CACHEABLE_COMMANDS);

/**
 * The store groups of one command spelling: one per reply form (strings, Buffers) and argument shape
 * (a single string argument, whose entry id is the argument itself; anything else, whose id is
 * argsKey()). Kept apart so that the two kinds of id can never meet.
 */
export interface CacheGroups {
  readonly single: readonly [strings: string, buffers: string];
  readonly other: readonly [strings: string, buffers: string];
  /** EXISTS: cacheable with one key only. */
  readonly oneKeyOnly: boolean;
}

/** Per spelling ('GET', 'get', 'Get'): one Map lookup on the hot path; null when not cacheable. */
const bySpelling = new Map<string, CacheGroups | null>();

/** The groups of a cacheable call, or null when this call's reply may not be kept. */
export function cacheGroups(name: string, args: readonly RedisArg[]): CacheGroups | null {
  let groups = bySpelling.get(name);
  if (groups === undefined) {
    const lower = name.toLowerCase();
    groups = LISTED.has(lower)
      ? {
          single: [`${name}\u0000s1`, `${name}\u0000b1`],
          other: [`${name}\u0000sn`, `${name}\u0000bn`],
          // EXISTS k1 k2 depends on two keys: an entry indexed by one would miss the other's invalidation.
          oneKeyOnly: lower === 'exists',
        }
      : null;
    bySpelling.set(name, groups);
  }
  if (groups === null || args.length === 0 || (groups.oneKeyOnly && args.length > 1)) return null;
  return groups;
}

/** True when this call's reply may be kept: a listed command with its key, and EXISTS of one key only. */
export function isCacheable(name: string, args: readonly RedisArg[]): boolean {
  return cacheGroups(name, args) !== null;
}
