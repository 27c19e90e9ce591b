// While a failover holds writes, the health indicator says so (holding: true) and stays up: holding
// writes is the client working as designed, not a fault. Driven by a real SENTINEL FAILOVER: the hold
// lasts from +try-failover to +switch-master (about a second here), polled every 5 ms.
import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import type { Redis } from '../../src/client/redis.js';
import { SentinelHealthIndicator, SentinelHealthModule } from '../../src/health/index.js';
import { SentinelModule, getRedisToken } from '../../src/nest/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';

const SERVICE = 'mymaster';

type Detail = Record<string, unknown> & { status: string };

describe('SentinelHealthIndicator during a failover', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  let app: TestingModule;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 });
    app = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({ sentinels: topology.sentinelAddresses, services: [SERVICE], logger: false }),
        SentinelHealthModule,
      ],
    }).compile();
  });

  after(async () => {
    await app?.close();
    await topology?.stop();
  });

  test('up with holding: true while writes are held, then up with a PING on the new master', async () => {
    const indicator = app.get(SentinelHealthIndicator);
    const redis = app.get<Redis>(getRedisToken(SERVICE));
    await redis.set('k', 'v');
    const pool = redis.connection as unknown as { holding: boolean };
    const before = (await indicator.pingCheck('redis', { service: SERVICE })).redis as Detail;
    assert.equal(before.status, 'up');
    assert.equal(before.holding, undefined);
    const old = topology.master.address;
    const failover = topology.failover({ timeoutMs: 30_000 });
    let during: Detail | undefined;
    await waitFor(
      'the client to hold writes and the indicator to report it',
      async () => {
        if (!pool.holding) return false;
        during = (await indicator.pingCheck('redis', { service: SERVICE })).redis as Detail;
        return during.holding === true;
      },
      { timeoutMs: 20_000, intervalMs: 5 },
    );
    assert.equal(during!.status, 'up', JSON.stringify(during));
    const to = await failover;
    assert.notDeepEqual(to, old);
    await waitFor('the hold to end', () => !pool.holding, { timeoutMs: 20_000 });
    const after = (await indicator.pingCheck('redis', { service: SERVICE })).redis as Detail;
    assert.equal(after.status, 'up');
    assert.equal(after.holding, undefined);
  });
});
