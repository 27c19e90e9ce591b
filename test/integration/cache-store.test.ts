// SentinelKeyvStore with the real Keyv 5 / cache-manager 7 / @nestjs/cache-manager 12: get/set/TTL,
// the batch calls in one round trip, clear() only in its namespace, the Nest wiring through
// getRedisToken, and values written before a failover read after it.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { SentinelKeyvStore } from '../../src/cache/index.js';
import type { Redis } from '../../src/client/redis.js';
import { SentinelModule, getRedisToken } from '../../src/nest/index.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { closeSentinel } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

describe('SentinelKeyvStore', { timeout: 90_000 }, () => {
  let topology: SentinelTopology;
  let sentinel: RedisSentinel;
  let redis: Redis;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 });
    sentinel = await createSentinel(topology.sentinelAddresses);
    redis = sentinel.masterFor(topology.service);
  });
  after(async () => {
    await closeSentinel(sentinel);
    await topology?.stop();
  });

  test('Keyv get / set / TTL / delete / has, keys under the namespace, values as Keyv serialized them', async () => {
    const namespace = uniq('ns');
    const keyv = new Keyv({ store: new SentinelKeyvStore(redis), namespace });
    await keyv.set('user:1', { name: 'Ada', tags: ['x'] });
    assert.deepEqual(await keyv.get('user:1'), { name: 'Ada', tags: ['x'] });
    assert.match(String(await redis.get(`${namespace}:user:1`)), /"name":"Ada"/);
    assert.equal(await redis.ttl(`${namespace}:user:1`), -1, 'no TTL: no expiry');
    await keyv.set('short', 'v', 60_000);
    const pttl = await redis.pttl(`${namespace}:short`);
    assert.ok(pttl > 50_000 && pttl <= 60_000, `PX from the TTL in ms, got ${pttl}`);
    await keyv.set('gone', 'v', 30);
    await waitFor('the key to expire on the server', async () => (await redis.exists(`${namespace}:gone`)) === 0);
    assert.equal(await keyv.get('gone'), undefined);
    assert.equal(await keyv.has('user:1'), true);
    assert.equal(await keyv.delete('user:1'), true);
    assert.equal(await keyv.delete('user:1'), false);
    assert.equal(await keyv.get('user:1'), undefined);
  });

  test('getMany / setMany / deleteMany / hasMany, each one round trip', async () => {
    const namespace = uniq('ns');
    const store = new SentinelKeyvStore(redis);
    const keyv = new Keyv({ store, namespace });
    const calls = async (name: string): Promise<number> => {
      const stats = String(await redis.execute('INFO', 'commandstats'));
      return Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    };
    await keyv.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 60_000 },
    ]);
    const mgets = await calls('mget');
    assert.deepEqual(await keyv.getMany(['a', 'b', 'c']), [1, 2, undefined]);
    assert.equal(await calls('mget'), mgets + 1, 'getMany is one MGET');
    assert.ok((await redis.pttl(`${namespace}:b`)) > 0, 'setMany keeps each TTL');
    assert.deepEqual(await store.hasMany([`${namespace}:a`, `${namespace}:c`]), [true, false]);
    const unlinks = await calls('unlink');
    assert.equal(await keyv.deleteMany(['a', 'b']), true);
    assert.equal(await calls('unlink'), unlinks + 1, 'deleteMany is one UNLINK');
    assert.deepEqual(await keyv.getMany(['a', 'b']), [undefined, undefined]);
  });

  test('clear() removes only its namespace (SCAN + UNLINK), other keys and namespaces stay', async () => {
    const [mine, theirs] = [uniq('mine'), uniq('theirs')];
    const a = new Keyv({ store: new SentinelKeyvStore(redis, { scanCount: 10 }), namespace: mine });
    const b = new Keyv({ store: new SentinelKeyvStore(redis), namespace: theirs });
    for (let i = 0; i < 55; i++) await a.set(`k${i}`, i);
    await b.set('k', 'kept');
    const outside = uniq('outside');
    await redis.set(outside, 'kept');
    await a.clear();
    assert.equal(await a.get('k1'), undefined);
    let left = 0;
    for await (const _ of redis.scanIterator({ MATCH: `${mine}:*` })) left++;
    assert.equal(left, 0);
    assert.equal(await b.get('k'), 'kept');
    assert.equal(await redis.get(outside), 'kept');
  });

  test('cache-manager 7 createCache over it: set / get / ttl / del', async () => {
    const cache = createCache({ stores: [new Keyv({ store: new SentinelKeyvStore(redis), namespace: uniq('cm') })] });
    await cache.set('answer', 42, 60_000);
    assert.equal(await cache.get('answer'), 42);
    const ttl = await cache.ttl('answer');
    assert.ok(typeof ttl === 'number' && ttl > Date.now(), `expiry time ${String(ttl)}`);
    await cache.del('answer');
    assert.equal(await cache.get('answer'), undefined);
  });

  test('@nestjs/cache-manager CacheModule.registerAsync with getRedisToken', async () => {
    const namespace = uniq('nest');
    const app = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({ sentinels: topology.sentinelAddresses, services: [topology.service], logger: false }),
        CacheModule.registerAsync({
          inject: [getRedisToken(topology.service)],
          useFactory: (client: Redis) => ({ stores: [new Keyv({ store: new SentinelKeyvStore(client), namespace })] }),
        }),
      ],
    }).compile();
    try {
      const cache = app.get<Cache>(CACHE_MANAGER);
      await cache.set('greeting', 'hello', 10_000);
      assert.equal(await cache.get('greeting'), 'hello');
      assert.ok((await redis.pttl(`${namespace}:greeting`)) > 0);
    } finally {
      await app.close();
    }
  });

  test('a failover: values written before it (confirmed by a replica) are read after it, writes go on', async () => {
    const namespace = uniq('fo');
    // throwOnErrors: Keyv would otherwise turn a store's error into undefined.
    const keyv = new Keyv({ store: new SentinelKeyvStore(redis), namespace, throwOnErrors: true });
    await keyv.set('before', 'v1');
    assert.equal(await redis.execute('WAIT', 1, 5000), 1);
    const to = await topology.failover({ timeoutMs: 30_000 });
    await keyv.set('after', 'v2');
    assert.deepEqual(redis.address, to);
    assert.equal(await keyv.get('before'), 'v1');
    assert.equal(await keyv.get('after'), 'v2');
  });

  test('bad input: a store without a client is a TypeError; clear() without a namespace refuses', async () => {
    assert.throws(() => new SentinelKeyvStore({} as Redis), TypeError);
    const store = new SentinelKeyvStore(redis);
    store.namespace = undefined;
    await assert.rejects(store.clear(), /need a namespace/);
  });
});
