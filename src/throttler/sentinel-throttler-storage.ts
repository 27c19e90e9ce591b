import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from '../client/redis.js';
import { defineScript } from '../commands/script.js';

/** What `increment` resolves: the shape of `@nestjs/throttler`'s ThrottlerStorageRecord, times in seconds. */
export interface ThrottlerRecord {
  totalHits: number;
  /** Seconds until the window of hits ends. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until the block ends (0 when not blocked). */
  timeToBlockExpire: number;
}

export interface SentinelThrottlerStorageOptions {
  /** Prefix of every key this storage writes. Default `'throttler:'`. */
  prefix?: string;
}

/**
 * One call, atomic on the master: count a hit in the key's window (a fixed window of `ttl` ms that starts
 * with its first hit), and once hits pass `limit` with a `blockDuration`, block the key for that long.
 * While blocked no hit is counted; when the block ends the count starts again (as the built-in storage).
 * KEYS: hits, block. ARGV: ttl ms, limit, blockDuration ms. Returns hits, window ms left, blocked, block ms left.
 */
const INCREMENT = defineScript(`
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return { tonumber(redis.call('GET', KEYS[2])), blockLeft, 1, blockLeft }
end
local ttl = tonumber(ARGV[1])
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  left = ttl
end
local block = tonumber(ARGV[3])
if block > 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], hits, 'PX', block)
  redis.call('DEL', KEYS[1])
  return { hits, block, 1, block }
end
return { hits, left, 0, 0 }
`);

/**
 * A `ThrottlerStorage` for `@nestjs/throttler` 6 over a `Redis` client of this library (typically
 * `@InjectRedis('mymaster')`): every application instance counts in the same keys, each increment is one
 * script call (EVALSHA, EVAL on NOSCRIPT), so 20 concurrent hits are counted 20 times, and through a
 * failover the calls wait for the new master with the client's write hold.
 */
export class SentinelThrottlerStorage implements ThrottlerStorage {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: SentinelThrottlerStorageOptions = {},
  ) {
    if (redis === null || typeof redis !== 'object' || typeof (redis as Redis).evalScript !== 'function') {
      throw new TypeError('SentinelThrottlerStorage needs a Redis client of nestjs-redis-sentinel (masterFor(name))');
    }
    this.prefix = options.prefix ?? 'throttler:';
  }

  /** `ttl` and `blockDuration` in milliseconds (as the guard passes them); times in the result in seconds. */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerRecord> {
    for (const [name, value] of [
      ['ttl', ttl],
      ['limit', limit],
      ['blockDuration', blockDuration],
    ] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new TypeError(`SentinelThrottlerStorage.increment: ${name} must be a number >= 0, got ${String(value)}`);
      }
    }
    const base = `${this.prefix}${throttlerName}:${key}`;
    const [hits, left, blocked, blockLeft] = await this.redis.evalScript<number[]>(
      INCREMENT,
      [`${base}:hits`, `${base}:block`],
      [Math.max(1, Math.ceil(ttl)), limit, Math.ceil(blockDuration)],
    );
    return {
      totalHits: Number(hits),
      timeToExpire: Math.ceil(Number(left) / 1000),
      isBlocked: Number(blocked) === 1,
      timeToBlockExpire: Math.ceil(Number(blockLeft) / 1000),
    };
  }
}
