// The client-side cache (clientCache) on a pool to one real redis-server: hits, invalidation by another
// client's write, read-your-writes, server flushes, the redirect (invalidation) connection and a tracked
// connection killed, the bound (LRU), ttl, the per-call opt-out, replies that cannot be changed through
// what a call returned, pipelines, and bad options.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createRedis, createRedisPool, type Redis } from '../../src/client/redis.js';
import type { ClientCacheStats } from '../../src/client-cache/client-cache.js';
import type { ConnectionsPool } from '../../src/pool/pool.js';
import { createSentinel } from '../../src/sentinel/index.js';
import { RedisServer, freePort, waitFor } from '../../src/testing/index.js';
import { uniq } from '../helpers/util.js';

let server: RedisServer;
let other: Redis;

before(async () => {
  server = await RedisServer.start();
  other = await createRedis(server.address);
});

after(async () => {
  other?.close();
  await other?.waitClosed();
  await server?.stop();
});

function stats(redis: Redis): ClientCacheStats {
  const s = (redis.connection as ConnectionsPool).cacheStats;
  assert.ok(s !== null, 'the pool has a cache');
  return s;
}

/** A pool with the cache whose tracking is in place (a first read got kept). */
async function cached(options: { maxEntries?: number; ttl?: number } = {}, size = 2): Promise<Redis> {
  const redis = await createRedisPool(server.address, { minsize: size, maxsize: size, clientCache: options });
  const probe = uniq('probe');
  await waitFor(
    'the cache to keep a reply (tracking in place)',
    async () => {
      await redis.get(probe);
      return stats(redis).entries > 0;
    },
    { timeoutMs: 10_000 },
  );
  return redis;
}

async function closeClient(redis: Redis | undefined): Promise<void> {
  redis?.close();
  await redis?.waitClosed();
}

/** The CLIENT LIST lines of the server, as records. */
async function clients(): Promise<Record<string, string>[]> {
  const text = String(await other.execute('CLIENT', 'LIST'));
  return text
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split('=', 2) as [string, string])));
}

/** Connections of the server in subscriber mode (the cache's invalidation connection). */
async function subscribers(): Promise<number> {
  return (await clients()).filter((c) => c.cmd === 'subscribe').length;
}

describe('client-side cache on a pool', () => {
  test('a second read is a hit; another client write invalidates it and the next read sees the new value', async () => {
    const redis = await cached();
    try {
      const key = uniq('k');
      await other.set(key, 'v1');
      const start = stats(redis);
      assert.equal(await redis.get(key), 'v1');
      assert.equal(await redis.get(key), 'v1');
      const mid = stats(redis);
      assert.equal(mid.misses - start.misses, 1);
      assert.equal(mid.hits - start.hits, 1);
      await other.set(key, 'v2');
      // The invalidation travels on another connection than the write's reply: poll.
      await waitFor('the invalidation to arrive', () => stats(redis).invalidations > mid.invalidations, {
        timeoutMs: 5_000,
      });
      assert.equal(await redis.get(key), 'v2');
      assert.equal(await redis.get(key), 'v2');
      assert.equal(stats(redis).hits - mid.hits, 1, 'the new value is cached again');
    } finally {
      await closeClient(redis);
    }
  });

  test('this client reads its own writes at once (its writes drop their keys locally)', async () => {
    const redis = await cached();
    try {
      const key = uniq('own');
      const hash = uniq('h');
      await redis.set(key, 'a');
      await redis.hset(hash, 'f', '1');
      assert.equal(await redis.get(key), 'a');
      assert.deepEqual(await redis.hgetall(hash), { f: '1' });
      assert.equal(await redis.get(key), 'a'); // a hit
      await redis.set(key, 'b');
      await redis.hset(hash, 'g', '2');
      assert.equal(await redis.get(key), 'b');
      assert.deepEqual(await redis.hgetall(hash), { f: '1', g: '2' });
      await redis.pipeline().set(key, 'c').exec();
      assert.equal(await redis.get(key), 'c');
    } finally {
      await closeClient(redis);
    }
  });

  test('many kinds of reads are cached and invalidated by key', async () => {
    const redis = await cached();
    try {
      const h = uniq('h');
      const s = uniq('s');
      const z = uniq('z');
      const l = uniq('l');
      await other.hset(h, { a: '1', b: '2' });
      await other.sadd(s, ['x', 'y']);
      await other.zadd(z, [
        [1, 'one'],
        [2, 'two'],
      ]);
      await other.rpush(l, ['p', 'q']);
      const reads = async (): Promise<unknown[]> => [
        await redis.hgetall(h),
        await redis.hget(h, 'a'),
        await redis.hmget(h, ['a', 'b']),
        (await redis.smembers(s)).toSorted(),
        await redis.sismember(s, 'x'),
        await redis.zscore(z, 'two'),
        await redis.zrange(z, 0, -1),
        await redis.lrange(l, 0, -1),
        await redis.llen(l),
        await redis.exists(h),
        await redis.type(z),
      ];
      const first = await reads();
      const hitsBefore = stats(redis).hits;
      assert.deepEqual(await reads(), first);
      assert.equal(stats(redis).hits - hitsBefore, first.length, 'every read of the second round is a hit');
      await other.hset(h, 'a', '9');
      await other.rpush(l, 'r');
      await waitFor(
        'both invalidations to reach the cache',
        async () => (await redis.hget(h, 'a')) === '9' && (await redis.llen(l)) === 3,
        { timeoutMs: 5_000 },
      );
      assert.deepEqual(await redis.hgetall(h), { a: '9', b: '2' });
      assert.deepEqual(await redis.lrange(l, 0, -1), ['p', 'q', 'r']);
      assert.deepEqual((await redis.smembers(s)).toSorted(), ['x', 'y']);
    } finally {
      await closeClient(redis);
    }
  });

  test('a Buffer read and a string read of one key are separate entries, both invalidated', async () => {
    const redis = await cached();
    try {
      const key = uniq('bin');
      await other.set(key, 'v1');
      assert.equal(await redis.get(key), 'v1');
      assert.deepEqual(await redis.get(key, { encoding: null }), Buffer.from('v1'));
      const hits = stats(redis).hits;
      assert.equal(await redis.get(key), 'v1');
      assert.deepEqual(await redis.get(key, { encoding: null }), Buffer.from('v1'));
      assert.equal(stats(redis).hits - hits, 2);
      await other.set(key, 'v2');
      await waitFor('the string entry to be invalidated', async () => (await redis.get(key)) === 'v2', {
        timeoutMs: 5_000,
      });
      assert.deepEqual(await redis.get(key, { encoding: null }), Buffer.from('v2'));
    } finally {
      await closeClient(redis);
    }
  });

  test('changing what a call returned does not change what the next hit returns', async () => {
    const redis = await cached();
    try {
      const l = uniq('l');
      await other.rpush(l, ['a', 'b']);
      const first = await redis.lrange(l, 0, -1);
      first.push('mutated');
      const second = await redis.lrange(l, 0, -1);
      second[0] = 'changed';
      const hits = stats(redis).hits;
      assert.deepEqual(await redis.lrange(l, 0, -1), ['a', 'b']);
      assert.equal(stats(redis).hits - hits, 1);
    } finally {
      await closeClient(redis);
    }
  });

  test('FLUSHDB by another client drops the whole cache', async () => {
    const redis = await cached();
    try {
      const key = uniq('f');
      await other.set(key, 'v');
      assert.equal(await redis.get(key), 'v');
      const start = stats(redis);
      assert.ok(start.entries > 0);
      await other.flushdb();
      await waitFor('the flush to reach the cache', () => stats(redis).flushes > start.flushes, { timeoutMs: 5_000 });
      assert.equal(stats(redis).entries, 0);
      assert.equal(await redis.get(key), null);
    } finally {
      await closeClient(redis);
    }
  });

  test('the per-call opt-out ({ cache: false }) neither reads nor fills the cache', async () => {
    const redis = await cached();
    try {
      const key = uniq('opt');
      await other.set(key, 'v');
      const start = stats(redis);
      assert.equal(await redis.get(key, { cache: false }), 'v');
      assert.equal(await redis.get(key, { cache: false }), 'v');
      const end = stats(redis);
      assert.equal(end.entries, start.entries);
      assert.equal(end.hits, start.hits);
      assert.equal(end.misses, start.misses);
      // The same read without the opt-out is kept.
      await redis.get(key);
      assert.equal(stats(redis).entries, start.entries + 1);
    } finally {
      await closeClient(redis);
    }
  });

  test('pipelines, MULTI and withConnection are not cached', async () => {
    const redis = await cached();
    try {
      const key = uniq('p');
      await other.set(key, 'v');
      const start = stats(redis);
      const results = await redis.pipeline().get(key).get(key).exec();
      assert.deepEqual(
        results.map(([, v]) => v),
        ['v', 'v'],
      );
      await redis.multi().get(key).exec();
      assert.equal(await redis.withConnection((own) => own.get(key)), 'v');
      assert.equal(stats(redis).entries, start.entries);
      assert.equal(stats(redis).hits, start.hits);
    } finally {
      await closeClient(redis);
    }
  });

  test('maxEntries bounds the cache, least recently used out first', async () => {
    const redis = await cached({ maxEntries: 3 });
    try {
      const keys = [uniq('a'), uniq('b'), uniq('c'), uniq('d')];
      for (const k of keys) await other.set(k, k);
      const [a, b, c, d] = keys as [string, string, string, string];
      await redis.get(a);
      await redis.get(b);
      await redis.get(c);
      assert.equal(stats(redis).entries, 3);
      await redis.get(a); // a hit: a is now the most recent, b the least
      await redis.get(d); // evicts b
      assert.equal(stats(redis).entries, 3);
      const s = stats(redis);
      await redis.get(a);
      await redis.get(c);
      await redis.get(d);
      assert.equal(stats(redis).hits - s.hits, 3);
      await redis.get(b);
      assert.equal(stats(redis).misses - s.misses, 1, 'b was evicted');
      for (let i = 0; i < 50; i++) await redis.get(uniq('many'));
      assert.equal(stats(redis).entries, 3);
    } finally {
      await closeClient(redis);
    }
  });

  test('ttl: an entry is served from memory at most ttl ms', async () => {
    const redis = await cached({ ttl: 300 });
    try {
      const key = uniq('ttl');
      await other.set(key, 'v');
      await redis.get(key);
      const kept = stats(redis);
      const started = Date.now();
      // No write touches the key: only the ttl can end the entry, and not before ttl ms.
      await waitFor(
        'a read of the key to miss again',
        async () => {
          await redis.get(key);
          return stats(redis).misses > kept.misses;
        },
        { timeoutMs: 10_000 },
      );
      assert.ok(Date.now() - started >= 250, 'not dropped before its ttl');
    } finally {
      await closeClient(redis);
    }
  });

  test('the invalidation connection killed: cache dropped, tracking set up again on a new one', async () => {
    const redis = await cached({}, 2);
    try {
      const key = uniq('redir');
      await other.set(key, 'v1');
      await redis.get(key);
      const start = stats(redis);
      const link = (await clients()).find((c) => c.cmd === 'subscribe' && c.sub === '1');
      assert.ok(link !== undefined, 'the invalidation connection is subscribed');
      const tracking = (await clients()).filter((c) => c.flags?.includes('t'));
      assert.equal(tracking.length, 2, 'both data connections track');
      assert.ok(tracking.every((c) => c.redir === link.id));
      await other.execute('CLIENT', 'KILL', 'ID', link.id!);
      await waitFor('the cache to be dropped', () => stats(redis).flushes > start.flushes, { timeoutMs: 5_000 });
      assert.equal(stats(redis).entries, 0);
      // Tracking moves to the new invalidation connection: the cache fills again and is invalidated again.
      await waitFor(
        'both data connections to redirect to a new invalidation connection',
        async () => {
          const list = await clients();
          const next = list.find((c) => c.cmd === 'subscribe' && c.sub === '1');
          const t = list.filter((c) => c.flags?.includes('t'));
          return next !== undefined && next.id !== link.id && t.length === 2 && t.every((c) => c.redir === next.id);
        },
        { timeoutMs: 10_000 },
      );
      await waitFor(
        'the read to be kept again',
        async () => {
          await redis.get(key);
          return stats(redis).entries > 0;
        },
        { timeoutMs: 10_000 },
      );
      await other.set(key, 'v2');
      await waitFor('the new value to be read', async () => (await redis.get(key)) === 'v2', { timeoutMs: 5_000 });
    } finally {
      await closeClient(redis);
    }
  });

  test('a tracked data connection killed drops the cache', async () => {
    const redis = await cached({}, 2);
    try {
      const key = uniq('data');
      await other.set(key, 'v');
      await redis.get(key);
      const start = stats(redis);
      assert.ok(start.entries > 0);
      const victim = (await clients()).find((c) => c.flags?.includes('t'));
      assert.ok(victim !== undefined);
      await other.execute('CLIENT', 'KILL', 'ID', victim.id!);
      await waitFor('the cache to be dropped', () => stats(redis).flushes > start.flushes, { timeoutMs: 5_000 });
      assert.equal(stats(redis).entries, 0);
      assert.equal(await redis.get(key), 'v');
    } finally {
      await closeClient(redis);
    }
  });

  test('reads during another client writes: once its last invalidation is in, every read is the last value', async () => {
    const redis = await cached({}, 4);
    try {
      const keys = Array.from({ length: 20 }, (_, i) => uniq(`race${i}`));
      const last = new Map<string, string>();
      for (const k of keys) await other.set(k, '0');
      const writer = { busy: true };
      // 40 readers keep every key cached and in flight while the writer changes them; each lets I/O in
      // between reads (a hit resolves at once: without the turn, the writer would never run).
      const readers = Array.from({ length: 40 }, async (_, r) => {
        for (let i = r; writer.busy; i++) {
          await redis.get(keys[i % keys.length]!);
          await nextTurn();
        }
      });
      for (let n = 1; n <= 400; n++) {
        const k = keys[n % keys.length]!;
        await other.set(k, String(n));
        last.set(k, String(n));
      }
      writer.busy = false;
      await Promise.all(readers);
      // Invalidations come in order on one connection: once the marker's is in, so are all the writes'.
      const marker = uniq('marker');
      await redis.get(marker);
      await other.set(marker, 'done');
      await waitFor('the marker invalidation', async () => (await redis.get(marker)) === 'done', { timeoutMs: 5_000 });
      for (const k of keys) assert.equal(await redis.get(k), last.get(k), k);
      assert.ok(stats(redis).hits > 0, 'the readers were answered from memory');
    } finally {
      await closeClient(redis);
    }
  });

  test('close() closes the invalidation connection too', async () => {
    const redis = await cached();
    assert.equal(await subscribers(), 1);
    await closeClient(redis);
    await waitFor('no invalidation connection left', async () => (await subscribers()) === 0, { timeoutMs: 5_000 });
  });
});

describe('broadcast mode', () => {
  test('keys under the prefixes are cached and invalidated; others are not cached', async () => {
    const prefix = `${uniq('bc')}:`;
    const redis = await createRedisPool(server.address, {
      minsize: 2,
      maxsize: 2,
      clientCache: { mode: 'broadcast', prefixes: [prefix] },
    });
    try {
      const inside = `${prefix}k`;
      const outside = uniq('out');
      await other.set(inside, 'v1');
      await other.set(outside, 'w1');
      await waitFor(
        'a read under the prefix to be a hit',
        async () => {
          const hits = stats(redis).hits;
          await redis.get(inside);
          return stats(redis).hits > hits;
        },
        { timeoutMs: 10_000 },
      );
      const start = stats(redis);
      assert.equal(await redis.get(outside), 'w1');
      assert.equal(await redis.get(outside), 'w1');
      const end = stats(redis);
      assert.equal(end.hits, start.hits, 'a key outside the prefixes is never answered from memory');
      assert.equal(end.misses, start.misses, 'nor counted');
      assert.equal(end.entries, start.entries);
      const tracking = (await clients()).filter((c) => c.flags?.includes('t'));
      assert.equal(tracking.length, 2);
      assert.ok(
        tracking.every((c) => c.flags!.includes('B')),
        'broadcast tracking (flag B)',
      );
      // A write by another client under the prefix reaches the cache (broadcast: whether or not it was read).
      await other.set(inside, 'v2');
      await waitFor('the broadcast invalidation', async () => (await redis.get(inside)) === 'v2', {
        timeoutMs: 5_000,
      });
      await other.set(`${prefix}never-read`, 'x');
      await waitFor('an invalidation of a key never read', () => stats(redis).invalidations >= end.invalidations + 2, {
        timeoutMs: 5_000,
      });
    } finally {
      await closeClient(redis);
    }
  });
});

describe('a server that will not track for us', () => {
  // An ACL user without the invalidation channel, and one without CLIENT TRACKING: the cache turns itself
  // off (one flush), keeps nothing, and every command goes on working.
  for (const [what, rules] of [
    ['no access to the __redis__:invalidate channel', ['resetchannels', '+@all']],
    ['CLIENT TRACKING denied', ['allchannels', '+@all', '-client|tracking']],
  ] as const) {
    test(`${what}: the cache turns itself off and commands work`, async () => {
      const user = uniq('u');
      await other.aclSetuser(user, 'on', '>pw', '~*', ...rules);
      let redis: Redis | undefined;
      try {
        redis = await createRedisPool(server.address, { username: user, password: 'pw', clientCache: {} });
        const r = redis;
        const key = uniq('acl');
        await r.set(key, 'v1');
        await waitFor('the cache to turn itself off', () => stats(r).flushes > 0, { timeoutMs: 10_000 });
        assert.equal(await r.get(key), 'v1');
        assert.equal(await r.get(key), 'v1');
        await other.set(key, 'v2');
        assert.equal(await r.get(key), 'v2', 'nothing was kept');
        assert.equal(stats(r).hits, 0);
        assert.equal(stats(r).entries, 0);
      } finally {
        await closeClient(redis);
        await other.aclDeluser(user);
      }
    });
  }
});

describe('clientCache option', () => {
  test('bad values reject with a TypeError naming the option, before anything is opened', async () => {
    const unused = await freePort();
    for (const bad of [{ maxEntries: 0 }, { ttl: -5 }, { size: 3 }, 'yes']) {
      await assert.rejects(
        createRedisPool(['127.0.0.1', unused], { clientCache: bad as never }),
        (err: Error) => err instanceof TypeError && /clientCache/.test(err.message),
      );
      // Against a port nobody listens on: a TypeError (not a connection error) shows nothing was tried.
      await assert.rejects(
        createSentinel([['127.0.0.1', unused]], { clientCache: bad as never }),
        (err: Error) => err instanceof TypeError && /clientCache/.test(err.message),
      );
    }
  });
});
