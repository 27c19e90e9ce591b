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
/** Per spelling ('GET', 'get', 'Get'): one Map lookup on the hot path. */
const bySpelling = new Map<string, boolean>();

/** True when this call's reply may be kept: a listed command with its key, and EXISTS of one key only. */
export function isCacheable(name: string, args: readonly RedisArg[]): boolean {
  let listed = bySpelling.get(name);
  if (listed === undefined) {
    listed = LISTED.has(name.toLowerCase());
    bySpelling.set(name, listed);
  }
  if (!listed || args.length === 0) return false;
  // EXISTS k1 k2 depends on two keys: an entry indexed by one would miss the other's invalidation.
  return args.length === 1 || (name.length !== 6 || name.toLowerCase() !== 'exists');
}
