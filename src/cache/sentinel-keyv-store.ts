import { EventEmitter } from 'node:events';
import type { Redis } from '../client/redis.js';

/** Options of SentinelKeyvStore. */
export interface SentinelKeyvStoreOptions {
  /** The namespace whose keys `clear()` removes (Keyv sets its own on the store; default `'keyv'`, as Keyv's). */
  namespace?: string;
  /** A client for reads (`sentinel.slaveFor(name)`): replicas copy writes asynchronously, so a read may be stale. */
  readClient?: Redis;
  /** Keys per SCAN / UNLINK round in `clear()` and the iterator. Default 500. */
  scanCount?: number;
}

/** `key` -> `[key, value]` tuples for Keyv's iterator. */
type Entry = [key: string, value: string | undefined];

/** Glob metacharacters in a namespace are matched literally by SCAN MATCH. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * A Keyv storage adapter (Keyv 5, as cache-manager 7 and `@nestjs/cache-manager` use it) over a `Redis`
 * client of this library, so the cache follows Sentinel failovers with the client: writes are held during a
 * failover and go to the new master after it. Keys are what Keyv gives (`<namespace>:<key>`); values are
 * what Keyv serialized; a TTL (ms) becomes the key's expiry (`SET ... PX`). `getMany`, `setMany`,
 * `deleteMany` and `hasMany` take one round trip; `clear()` removes only this namespace's keys (SCAN +
 * UNLINK), never FLUSHDB. It never emits 'error': a failure rejects the call.
 */
export class SentinelKeyvStore extends EventEmitter {
  /** Read by Keyv; the options this store was made with. */
  readonly opts: SentinelKeyvStoreOptions & { dialect: 'redis' };
  /** Set by Keyv to its namespace; `clear()` and the iterator stay inside it. */
  namespace: string | undefined;
  private readonly reader: Redis;
  private readonly scanCount: number;

  constructor(
    private readonly redis: Redis,
    options: SentinelKeyvStoreOptions = {},
  ) {
    super();
    if (redis === null || typeof redis !== 'object' || typeof (redis as Redis).execute !== 'function') {
      throw new TypeError(
        'SentinelKeyvStore needs a Redis client of nestjs-redis-sentinel (for example masterFor(name))',
      );
    }
    this.opts = { ...options, dialect: 'redis' };
    this.namespace = options.namespace ?? 'keyv';
    this.reader = options.readClient ?? redis;
    this.scanCount = options.scanCount ?? 500;
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const value = await this.reader.get(key);
    return (value ?? undefined) as Value | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<(Value | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.reader.mget(keys);
    return values.map((v) => (v ?? undefined) as Value | undefined);
  }

  /** `ttl` in milliseconds; none (or 0): no expiry. */
  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const reply = await this.redis.set(key, value as string, ttlOptions(ttl));
    return reply === 'OK';
  }

  async setMany(entries: { key: string; value: unknown; ttl?: number }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { key, value, ttl } of entries) pipeline.set(key, value as string, ttlOptions(ttl));
    const results = await pipeline.exec();
    const failed = results.find(([error]) => error !== null);
    if (failed) throw failed[0]!;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.unlink(key)) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    return (await this.redis.unlink(keys)) > 0;
  }

  async has(key: string): Promise<boolean> {
    return (await this.reader.exists(key)) > 0;
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const pipeline = this.reader.pipeline();
    for (const key of keys) pipeline.exists(key);
    const results = await pipeline.exec();
    return results.map(([error, n]) => {
      if (error !== null) throw error;
      return Number(n) > 0;
    });
  }

  /** Removes this namespace's keys, SCAN by SCAN (UNLINK frees memory in the background); never FLUSHDB. */
  async clear(): Promise<void> {
    for await (const keys of this.scanNamespace(this.redis)) await this.redis.unlink(keys);
  }

  /** Keyv's iterator: `[key, value]` for every key of the namespace. */
  async *iterator(namespace?: string): AsyncGenerator<Entry, void> {
    for await (const keys of this.scanNamespace(this.reader, namespace)) {
      const values = await this.reader.mget(keys);
      for (let i = 0; i < keys.length; i++) yield [keys[i]!, values[i] ?? undefined];
    }
  }

  /** The client belongs to the application (or the Nest module), which closes it: nothing to do here. */
  async disconnect(): Promise<void> {}

  private async *scanNamespace(client: Redis, namespace = this.namespace): AsyncGenerator<string[], void> {
    if (namespace === undefined || namespace.length === 0) {
      throw new TypeError('SentinelKeyvStore: clear() and iterator() need a namespace; they never touch other keys');
    }
    let batch: string[] = [];
    for await (const key of client.scanIterator({ MATCH: `${escapeGlob(namespace)}:*`, COUNT: this.scanCount })) {
      batch.push(key);
      if (batch.length >= this.scanCount) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

function ttlOptions(ttl: number | undefined): { PX: number } | undefined {
  return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? { PX: Math.ceil(ttl) } : undefined;
}
