// The client-side cache through Sentinel: dropped at every failover (graceful and SIGKILL), so a value
// another client wrote on the new master is read fresh right after +switch-master; dropped when the
// master is objectively down; slaveFor clients track on the replica they read from; stats() per service
// and role.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Redis } from '../../src/client/redis.js';
import type { ClientCacheStats } from '../../src/client-cache/client-cache.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { command } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { closeSentinel, failoverBy, withTopology } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

function cacheStats(sentinel: RedisSentinel, role: 'master' | 'slave'): ClientCacheStats {
  const s = sentinel.stats().find((p) => p.role === role)?.clientCache;
  assert.ok(s !== undefined, `${role} pool has cache stats`);
  return s;
}

/** Reads `key` until a read is answered from memory (tracking is in place on the pool's connections). */
async function untilCached(sentinel: RedisSentinel, redis: Redis, role: 'master' | 'slave', key: string) {
  await waitFor(
    `a read of ${key} on the ${role} to be a hit`,
    async () => {
      const hits = cacheStats(sentinel, role).hits;
      await redis.get(key);
      return cacheStats(sentinel, role).hits > hits;
    },
    { timeoutMs: 10_000 },
  );
}

/** CLIENT LIST of one server, as records. */
async function clientsOf(address: Address): Promise<Record<string, string>[]> {
  const text = String(await command(address, {}, 'CLIENT', 'LIST'));
  return text
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split('=', 2) as [string, string])));
}

describe('client-side cache through Sentinel', () => {
  for (const kind of ['graceful', 'kill'] as const) {
    test(`${kind} failover: a value written on the new master is read fresh right after +switch-master`, async () => {
      await withTopology({ replicas: 1 }, async (topology) => {
        let sentinel: RedisSentinel | undefined;
        try {
          sentinel = await createSentinel(topology.sentinelAddresses, {
            failoverTimeout: 15_000,
            clientCache: {},
          });
          const s = sentinel;
          const redis = s.masterFor(topology.service);
          const key = uniq(`fo-${kind}`);
          await redis.set(key, 'v1');
          await untilCached(s, redis, 'master', key);
          const start = cacheStats(s, 'master');
          assert.ok(start.entries > 0);
          const switched = new Promise<{ to: Address }>((resolve) => s.once('switch-master', resolve));
          await failoverBy(topology, kind);
          const { to } = await switched;
          // Another client writes on the new master; the next read must not come from before the switch.
          assert.equal(await command(to, {}, 'SET', key, 'v2'), 'OK');
          assert.equal(await redis.get(key), 'v2');
          const end = cacheStats(s, 'master');
          assert.ok(end.flushes > start.flushes, 'the cache was dropped');
          // The cache works on the new master: tracking set up there, and invalidated there.
          await untilCached(s, redis, 'master', key);
          await command(to, {}, 'SET', key, 'v3');
          await waitFor('the invalidation from the new master', async () => (await redis.get(key)) === 'v3', {
            timeoutMs: 5_000,
          });
        } finally {
          await closeSentinel(sentinel);
        }
      });
    });
  }

  test('slaveFor tracks on the replica it reads from; a write on the master invalidates it', async () => {
    await withTopology({ replicas: 1 }, async (topology) => {
      let sentinel: RedisSentinel | undefined;
      try {
        sentinel = await createSentinel(topology.sentinelAddresses, { clientCache: { maxEntries: 100 } });
        const s = sentinel;
        const master = s.masterFor(topology.service);
        const replica = s.slaveFor(topology.service);
        const key = uniq('rep');
        await master.set(key, 'v1');
        await waitFor('the replica to have the key', async () => (await replica.get(key, { cache: false })) === 'v1', {
          timeoutMs: 5_000,
        });
        await untilCached(s, replica, 'slave', key);
        const replicaAddress = replica.address!;
        assert.deepEqual(replicaAddress, topology.replicas[0]!.address);
        const list = await clientsOf(replicaAddress);
        const tracking = list.filter((c) => c.flags?.includes('t'));
        assert.ok(tracking.length > 0, 'connections on the replica track');
        // The redirect is a subscribed connection on the replica itself (the sentinel's own hello
        // subscription is there too, so the link is found by id).
        const link = list.find((c) => c.id === tracking[0]!.redir);
        assert.ok(link !== undefined && link.sub === '1', JSON.stringify(list));
        assert.ok(
          tracking.every((c) => c.redir === link.id),
          JSON.stringify(tracking),
        );
        const start = cacheStats(s, 'slave');
        await master.set(key, 'v2');
        await waitFor('the replica read to see v2', async () => (await replica.get(key)) === 'v2', {
          timeoutMs: 5_000,
        });
        assert.ok(cacheStats(s, 'slave').invalidations > start.invalidations, 'invalidated by the replica');
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });

  test('stats(): the cache counters per service and role, only when the cache is on', async () => {
    await withTopology({ replicas: 1 }, async (topology) => {
      let cached: RedisSentinel | undefined;
      let plain: RedisSentinel | undefined;
      try {
        cached = await createSentinel(topology.sentinelAddresses, { clientCache: {} });
        plain = await createSentinel(topology.sentinelAddresses);
        const redis = cached.masterFor(topology.service);
        const key = uniq('stats');
        await redis.set(key, 'v');
        await untilCached(cached, redis, 'master', key);
        const first = cacheStats(cached, 'master');
        await redis.get(key);
        await redis.get(key);
        await redis.get(uniq('missing'));
        const next = cacheStats(cached, 'master');
        assert.equal(next.hits - first.hits, 2);
        assert.equal(next.misses - first.misses, 1);
        assert.equal(next.entries, first.entries + 1);
        assert.deepEqual(Object.keys(next).toSorted(), ['entries', 'flushes', 'hits', 'invalidations', 'misses']);
        await plain.masterFor(topology.service).ping();
        const stats = plain.stats();
        assert.equal(stats.length, 1);
        assert.equal(stats[0]!.clientCache, undefined);
      } finally {
        await closeSentinel(cached);
        await closeSentinel(plain);
      }
    });
  });

  test('a master objectively down drops the cache; reads after it comes back are fresh', async () => {
    const topology = await SentinelTopology.start({
      replicas: 0,
      sentinels: 1,
      quorum: 1,
      downAfterMs: 500,
      failoverTimeoutMs: 2_000,
    });
    let sentinel: RedisSentinel | undefined;
    const master = topology.master;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: 15_000, clientCache: {} });
      const s = sentinel;
      const redis = s.masterFor(topology.service);
      const key = uniq('odown');
      await redis.set(key, 'v1');
      await untilCached(s, redis, 'master', key);
      const start = cacheStats(s, 'master');
      master.pause();
      try {
        await waitFor('the client to drop the cache on +odown', () => cacheStats(s, 'master').flushes > start.flushes, {
          timeoutMs: 10_000,
        });
        assert.equal(cacheStats(s, 'master').entries, 0);
      } finally {
        master.resume();
      }
      await waitFor('-odown', async () => !(await s.master(topology.service)).flags.includes('o_down'), {
        timeoutMs: 10_000,
      });
      await command(master.address, {}, 'SET', key, 'v2');
      assert.equal(await redis.get(key), 'v2');
    } finally {
      master.resume();
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});
