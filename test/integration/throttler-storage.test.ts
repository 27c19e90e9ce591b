// SentinelThrottlerStorage: one limit shared by two "app instances" (each with its own sentinel client),
// every concurrent increment counted once, blocking as @nestjs/throttler expects, the guard wired in a
// real Nest app, and counting through a failover.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { Test } from '@nestjs/testing';
import type { Redis } from '../../src/client/redis.js';
import { SentinelModule, getRedisToken } from '../../src/nest/index.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { SentinelThrottlerStorage } from '../../src/throttler/index.js';
import { closeSentinel } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

@Controller()
class PingController {
  @Get('ping')
  ping(): string {
    return 'pong';
  }
}

describe('SentinelThrottlerStorage', { timeout: 90_000 }, () => {
  let topology: SentinelTopology;
  let one: RedisSentinel;
  let two: RedisSentinel;
  let a: Redis;
  let b: Redis;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 });
    [one, two] = await Promise.all([
      createSentinel(topology.sentinelAddresses),
      createSentinel(topology.sentinelAddresses),
    ]);
    a = one.masterFor(topology.service);
    b = two.masterFor(topology.service);
  });
  after(async () => {
    await Promise.all([closeSentinel(one), closeSentinel(two)]);
    await topology?.stop();
  });

  test('20 concurrent increments from two instances are counted once each (1..20)', async () => {
    const key = uniq('ip');
    const stores = [new SentinelThrottlerStorage(a), new SentinelThrottlerStorage(b)];
    const records = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % 2]!.increment(key, 60_000, 100, 0, 'default')),
    );
    assert.deepEqual(
      records.map((r) => r.totalHits).toSorted((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    for (const r of records) {
      assert.equal(r.isBlocked, false);
      assert.ok(r.timeToExpire > 0 && r.timeToExpire <= 60, `timeToExpire in seconds: ${r.timeToExpire}`);
      assert.equal(r.timeToBlockExpire, 0);
    }
  });

  test('past the limit the key is blocked for blockDuration; hits are not counted meanwhile; then counting restarts', async () => {
    const key = uniq('ip');
    const store = new SentinelThrottlerStorage(a);
    for (let i = 1; i <= 3; i++) assert.equal((await store.increment(key, 60_000, 3, 300, 'short')).isBlocked, false);
    const blocked = await store.increment(key, 60_000, 3, 300, 'short');
    assert.deepEqual(
      { ...blocked, timeToExpire: 0 },
      { totalHits: 4, timeToExpire: 0, isBlocked: true, timeToBlockExpire: 1 },
    );
    const still = await store.increment(key, 60_000, 3, 300, 'short');
    assert.equal(still.isBlocked, true);
    assert.equal(still.totalHits, 4);
    // Another throttler name is another count.
    assert.equal((await store.increment(key, 60_000, 3, 300, 'long')).totalHits, 1);
    await waitFor('the block to end', async () => (await a.exists(`throttler:short:${key}:block`)) === 0);
    const after = await store.increment(key, 60_000, 3, 300, 'short');
    assert.deepEqual([after.isBlocked, after.totalHits], [false, 1]);
  });

  test('the ThrottlerGuard of a real Nest app limits requests through it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({ sentinels: topology.sentinelAddresses, services: [topology.service], logger: false }),
        ThrottlerModule.forRootAsync({
          inject: [getRedisToken(topology.service)],
          useFactory: (redis: Redis) => ({
            throttlers: [{ name: uniq('guard').replace(':', '-'), ttl: 60_000, limit: 2 }],
            storage: new SentinelThrottlerStorage(redis),
          }),
        }),
      ],
      controllers: [PingController],
      providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
    }).compile();
    const app: INestApplication = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    try {
      const url = `${await app.getUrl()}/ping`;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(url)).status);
      assert.deepEqual(statuses, [200, 200, 429, 429]);
    } finally {
      await app.close();
    }
  });

  test('a failover: counts confirmed by the replica carry over, increments go on on the new master', async () => {
    const key = uniq('ip');
    const store = new SentinelThrottlerStorage(a);
    for (let i = 0; i < 5; i++) await store.increment(key, 60_000, 100, 0, 'default');
    await a.execute('WAIT', 1, 5000);
    const to = await topology.failover({ timeoutMs: 30_000 });
    const next = await new SentinelThrottlerStorage(b).increment(key, 60_000, 100, 0, 'default');
    assert.equal(next.totalHits, 6);
    assert.deepEqual(b.address, to);
  });

  test('bad input: TypeError naming the argument; a store without a client is refused', async () => {
    const store = new SentinelThrottlerStorage(a);
    await assert.rejects(store.increment('k', -1, 1, 0, 'x'), /ttl must be a number >= 0/);
    await assert.rejects(store.increment('k', 1000, Number.NaN, 0, 'x'), /limit must be a number >= 0/);
    assert.throws(() => new SentinelThrottlerStorage({} as Redis), TypeError);
  });
});
