import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { HealthCheckService } from '@nestjs/terminus';
import type { Redis } from '../../src/client/redis.js';
import { SentinelHealthIndicator, SentinelHealthModule } from '../../src/health/index.js';
import { SentinelModule, getRedisToken } from '../../src/nest/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { LONG_TIMEOUT_MS, NO_WAIT_BOUND_MS, within } from '../helpers/util.js';

const SERVICE = 'mymaster';

type Detail = Record<string, unknown> & { status: string; message?: string };

function detail(result: Record<string, unknown>, key: string): Detail {
  const value = result[key] as Detail | undefined;
  assert.ok(value, `no ${key} in ${JSON.stringify(result)}`);
  return value;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const value = await fn();
  return [value, Date.now() - started];
}

function startApp(topology: SentinelTopology, failoverTimeout?: number): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [
      SentinelModule.forRoot({
        sentinels: topology.sentinelAddresses,
        services: [{ name: SERVICE, roles: ['master', 'slave'] }],
        logger: false,
        ...(failoverTimeout === undefined ? {} : { failoverTimeout }),
      }),
      SentinelHealthModule,
    ],
  }).compile();
}

describe('SentinelHealthIndicator on a healthy topology', () => {
  let topology: SentinelTopology;
  let app: TestingModule;
  let indicator: SentinelHealthIndicator;

  before(async () => {
    // A long down-after so that pausing the master (timeout test) does not start a failover.
    topology = await SentinelTopology.start({ replicas: 2, sentinels: 2, downAfterMs: 5_000 });
    app = await startApp(topology);
    indicator = app.get(SentinelHealthIndicator);
  });

  after(async () => {
    await app?.close();
    await topology?.stop();
  });

  test('pingCheck is up for the master and the replica', async () => {
    const master = detail(await indicator.pingCheck('redis-master', { service: SERVICE }), 'redis-master');
    assert.equal(master.status, 'up', JSON.stringify(master));
    assert.equal(master.role, 'master');
    assert.equal(master.address, topology.master.address.join(':'));
    const replica = detail(
      await indicator.pingCheck('redis-replica', { service: SERVICE, role: 'slave' }),
      'redis-replica',
    );
    assert.equal(replica.status, 'up', JSON.stringify(replica));
    assert.ok(
      topology.replicas.some((r) => r.address.join(':') === replica.address),
      JSON.stringify(replica),
    );
  });

  test('check is up: quorum, matching master address, healthy replica count', async () => {
    // Use the master client first so that it has an address to compare.
    await app.get<Redis>(getRedisToken(SERVICE)).ping();
    const sentinel = detail(await indicator.check('sentinel', { service: SERVICE }), 'sentinel');
    assert.equal(sentinel.status, 'up', JSON.stringify(sentinel));
    assert.match(String(sentinel.quorum), /^OK/);
    assert.equal(sentinel.masterAddress, topology.master.address.join(':'));
    assert.equal(sentinel.clientAddress, sentinel.masterAddress);
    assert.equal(sentinel.replicas, 2);
    assert.equal(sentinel.knownReplicas, 2);
  });

  test('works through terminus HealthCheckService', async () => {
    const health = await Test.createTestingModule({
      imports: [
        SentinelModule.forRoot({ sentinels: topology.sentinelAddresses, services: [SERVICE], logger: false }),
        SentinelHealthModule,
      ],
    }).compile();
    try {
      const service = health.get(HealthCheckService);
      const healthIndicator = health.get(SentinelHealthIndicator);
      const result = await service.check([
        () => healthIndicator.check('sentinel', { service: SERVICE }),
        () => healthIndicator.pingCheck('master', { service: SERVICE }),
      ]);
      assert.equal(result.status, 'ok', JSON.stringify(result));
      assert.equal(result.info?.sentinel?.status, 'up');
      assert.equal(result.info?.master?.status, 'up');
    } finally {
      await health.close();
    }
  });

  test('reports down with a reason, never throws: unknown service, missing connection, too few replicas', async () => {
    const unknown = detail(await indicator.check('sentinel', { service: 'nosuchservice' }), 'sentinel');
    assert.equal(unknown.status, 'down');
    assert.equal(unknown.message, 'the sentinels do not monitor a service named nosuchservice');

    const noConnection = detail(await indicator.pingCheck('x', { service: SERVICE, connectionName: 'other' }), 'x');
    assert.equal(noConnection.status, 'down');
    assert.match(String(noConnection.message), /connection "other"/);

    const fewReplicas = detail(await indicator.check('sentinel', { service: SERVICE, minReplicas: 3 }), 'sentinel');
    assert.equal(fewReplicas.status, 'down');
    assert.match(String(fewReplicas.message), /2 healthy replicas, fewer than minReplicas \(3\)/);
    assert.equal(fewReplicas.replicas, 2);

    const badOptions = detail(await indicator.pingCheck('x', undefined as never), 'x');
    assert.equal(badOptions.status, 'down');
  });

  test('a master that does not answer reports down within the timeout', async () => {
    // Frozen until the check has answered: a 'down' can only come from the check's own timeout.
    const frozen = topology.master;
    frozen.pause();
    try {
      const result = await within(
        NO_WAIT_BOUND_MS,
        'pingCheck against a frozen master',
        indicator.pingCheck('redis-master', { service: SERVICE, timeout: 300 }),
      );
      const master = detail(result, 'redis-master');
      assert.equal(master.status, 'down', JSON.stringify(master));
      assert.match(String(master.message), /took longer than 300 ms/);
    } finally {
      frozen.resume();
    }
    // Once resumed the same client answers again.
    await waitFor('the master to answer again', async () => {
      const master = detail(await indicator.pingCheck('redis-master', { service: SERVICE }), 'redis-master');
      return master.status === 'up';
    });
  });
});

describe('SentinelHealthIndicator when the master is gone for good', () => {
  let topology: SentinelTopology;
  let app: TestingModule;

  before(async () => {
    // No replica: the sentinels cannot fail over.
    topology = await SentinelTopology.start({ replicas: 0, sentinels: 1, downAfterMs: 1_000 });
    // A failoverTimeout far beyond NO_WAIT_BOUND_MS: a check that waited for it instead of its own timeout fails.
    app = await startApp(topology, LONG_TIMEOUT_MS);
  });

  after(async () => {
    await app?.close();
    await topology?.stop();
  });

  test('pingCheck and check report down with a reason, within their timeout', async () => {
    const indicator = app.get(SentinelHealthIndicator);
    const healthy = detail(await indicator.check('sentinel', { service: SERVICE }), 'sentinel');
    assert.equal(healthy.status, 'up', JSON.stringify(healthy));
    assert.equal(healthy.replicas, 0);

    await topology.killMaster();

    const [pinged, took] = await timed(() => indicator.pingCheck('redis-master', { service: SERVICE, timeout: 500 }));
    const master = detail(pinged, 'redis-master');
    assert.equal(master.status, 'down', JSON.stringify(master));
    assert.ok(typeof master.message === 'string' && master.message.length > 0);
    assert.ok(took < NO_WAIT_BOUND_MS, `pingCheck took ${took} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);

    // The sentinels flag the master down after down-after-milliseconds.
    const down = await waitFor(
      'the check to report the master down',
      async () => {
        const [result, elapsed] = await timed(() => indicator.check('sentinel', { service: SERVICE, timeout: 1_000 }));
        assert.ok(elapsed < NO_WAIT_BOUND_MS, `check took ${elapsed} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);
        const sentinel = detail(result, 'sentinel');
        return sentinel.status === 'down' ? sentinel : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    assert.match(String(down.message), /the master 127\.0\.0\.1:\d+ as .*(s_down|o_down|disconnected)/);
  });
});
