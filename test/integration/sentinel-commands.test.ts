// RedisSentinel against a real sentinel: every SENTINEL method, bad input, unknown services, closing,
// and createSentinel with no reachable sentinel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MasterNotFoundError,
  PoolClosedError,
  ReplyError,
  SentinelConnectionError,
  SlaveNotFoundError,
} from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { RedisServer, SentinelTopology, freePort } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import {
  backToBaseline,
  closeSentinel,
  createSentinelInChild,
  resourceCounts,
  timedRejection,
} from '../helpers/sentinel.js';
import { LONG_TIMEOUT_MS, NO_WAIT_BOUND_MS } from '../helpers/util.js';

const SERVICE = 'mymaster';
let topology: SentinelTopology;
let sentinel: RedisSentinel;

/** Starts a fresh data node, has the sentinel monitor it under a unique name, runs fn, then cleans up. */
async function withMonitored(fn: (name: string, server: RedisServer) => Promise<void>): Promise<void> {
  const server = await RedisServer.start();
  const name = `svc-${server.port}`;
  try {
    assert.equal(await sentinel.monitor(name, '127.0.0.1', server.port, 1), true);
    await fn(name, server);
  } finally {
    await sentinel.remove(name).catch(() => undefined);
    await server.stop();
  }
}

before(async () => {
  topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, downAfterMs: 1_000, failoverTimeoutMs: 2_000 });
  sentinel = await createSentinel(topology.sentinelAddresses);
});

after(async () => {
  await closeSentinel(sentinel);
  await topology?.stop();
});

describe('RedisSentinel commands against a real sentinel', () => {
  test('ping() resolves PONG', async () => {
    assert.equal(await sentinel.ping(), 'PONG');
  });

  test('master(name) gives a typed MasterState', async () => {
    const state = await sentinel.master(SERVICE);
    assert.equal(state.name, SERVICE);
    assert.equal(state.ip, '127.0.0.1');
    assert.equal(state.port, topology.master.port);
    assert.equal(typeof state.port, 'number');
    assert.equal(state.quorum, 1);
    assert.equal(state['num-slaves'], 1);
    assert.equal(state['num-other-sentinels'], 0);
    assert.equal(state['down-after-milliseconds'], 1_000);
    assert.equal(state['failover-timeout'], 2_000);
    assert.ok(Array.isArray(state.flags));
    assert.ok(state.flags.includes('master'), `flags ${state.flags.join(',')}`);
    assert.equal(typeof state['role-reported'], 'string');
  });

  test('masterAddress(name) gives [host, numeric port]; null for an unknown name', async () => {
    assert.deepEqual(await sentinel.masterAddress(SERVICE), ['127.0.0.1', topology.master.port]);
    assert.equal(await sentinel.masterAddress('no-such-service'), null);
  });

  test('masters() gives an array of MasterState', async () => {
    const masters = await sentinel.masters();
    assert.ok(Array.isArray(masters));
    const mine = masters.find((m) => m.name === SERVICE);
    assert.ok(mine, `masters: ${masters.map((m) => m.name).join(', ')}`);
    assert.equal(mine.port, topology.master.port);
    assert.ok(mine.flags.includes('master'));
  });

  test('slaves(name) and replicas(name) list the replica, typed', async () => {
    for (const list of [await sentinel.slaves(SERVICE), await sentinel.replicas(SERVICE)]) {
      assert.equal(list.length, 1);
      const [replica] = list;
      assert.equal(replica!.port, topology.replicas[0]!.port);
      assert.ok(replica!.flags.includes('slave'), `flags ${replica!.flags.join(',')}`);
      assert.equal(replica!['master-port'], topology.master.port);
      assert.equal(replica!['master-link-status'], 'ok');
      assert.equal(typeof replica!['slave-priority'], 'number');
    }
  });

  test('sentinels(name) is [] when the sentinel is alone', async () => {
    assert.deepEqual(await sentinel.sentinels(SERVICE), []);
  });

  test('monitor() a fresh server returns true, and remove() returns true', async () => {
    const server = await RedisServer.start();
    const name = `fresh-${server.port}`;
    try {
      assert.equal(await sentinel.monitor(name, '127.0.0.1', server.port, 1), true);
      const state = await sentinel.master(name);
      assert.equal(state.port, server.port);
      assert.equal(state.quorum, 1);
      assert.deepEqual(await sentinel.masterAddress(name), ['127.0.0.1', server.port]);
      // A second MONITOR under the same name is refused.
      assert.ok(
        (await timedRejection(sentinel.monitor(name, '127.0.0.1', server.port, 1))).error instanceof ReplyError,
      );
      assert.equal(await sentinel.remove(name), true);
      assert.equal(await sentinel.masterAddress(name), null);
      assert.ok((await timedRejection(sentinel.master(name))).error instanceof ReplyError);
    } finally {
      await sentinel.remove(name).catch(() => undefined);
      await server.stop();
    }
  });

  test("set(name, 'down-after-milliseconds', 2000) returns true and master() reflects it", async () => {
    await withMonitored(async (name) => {
      assert.equal(await sentinel.set(name, 'down-after-milliseconds', 2000), true);
      assert.equal((await sentinel.master(name))['down-after-milliseconds'], 2000);
    });
  });

  test('set() with a bad option rejects ReplyError', async () => {
    await withMonitored(async (name) => {
      const { error } = await timedRejection(sentinel.set(name, 'no-such-option', 1));
      assert.ok(error instanceof ReplyError, `${error.name}: ${error.message}`);
      assert.match(error.message, /Unknown option|no-such-option/i);
    });
  });

  test('checkQuorum() gives the OK status line', async () => {
    const line = await sentinel.checkQuorum(SERVICE);
    assert.equal(typeof line, 'string');
    assert.match(line, /^OK /);
  });

  test('checkQuorum() rejects ReplyError (NOQUORUM) once quorum is above the number of sentinels', async () => {
    await withMonitored(async (name) => {
      assert.match(await sentinel.checkQuorum(name), /^OK/);
      assert.equal(await sentinel.set(name, 'quorum', 2), true);
      assert.equal((await sentinel.master(name)).quorum, 2);
      const { error } = await timedRejection(sentinel.checkQuorum(name));
      assert.ok(error instanceof ReplyError, `${error.name}: ${error.message}`);
      assert.match(error.message, /^NOQUORUM/);
    });
  });

  test('failover() of an unknown name rejects ReplyError', async () => {
    const { error } = await timedRejection(sentinel.failover('no-such-service'));
    assert.ok(error instanceof ReplyError, `${error.name}: ${error.message}`);
    assert.match(error.message, /No such master/i);
  });

  test("execute('get-master-addr-by-name', name) gives the raw reply", async () => {
    assert.deepEqual(await sentinel.execute('get-master-addr-by-name', SERVICE), [
      '127.0.0.1',
      String(topology.master.port),
    ]);
    assert.equal(await sentinel.execute('get-master-addr-by-name', 'no-such-service'), null);
  });

  test('master(), slaves(), replicas() and sentinels() of an unknown name reject ReplyError', async () => {
    for (const call of [
      () => sentinel.master('no-such-service'),
      () => sentinel.slaves('no-such-service'),
      () => sentinel.replicas('no-such-service'),
      () => sentinel.sentinels('no-such-service'),
      () => sentinel.checkQuorum('no-such-service'),
      () => sentinel.remove('no-such-service'),
      () => sentinel.set('no-such-service', 'quorum', 1),
    ]) {
      const { error } = await timedRejection(call());
      assert.ok(error instanceof ReplyError, `${error.name}: ${error.message}`);
      assert.match(error.message, /No such master/i);
    }
  });

  test('masterFor() and slaveFor() reach the master and the replica', async () => {
    const master = sentinel.masterFor(SERVICE);
    assert.equal(sentinel.masterFor(SERVICE), master);
    assert.equal(await master.set('commands:key', 'v'), 'OK');
    assert.deepEqual(master.address, topology.master.address);
    const slave = sentinel.slaveFor(SERVICE);
    assert.equal(sentinel.replicaFor(SERVICE), slave);
    const role = await slave.role();
    assert.equal(role.role, 'slave');
    assert.deepEqual(slave.address, topology.replicas[0]!.address);
  });
});

describe('bad input and unknown services', () => {
  test('createSentinel([]) rejects TypeError', async () => {
    const { error } = await timedRejection(createSentinel([]));
    assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
    assert.match(error.message, /non-empty/);
  });

  test('createSentinel(one bare [host, port]) rejects TypeError naming the entry', async () => {
    const creating = createSentinel(['127.0.0.1', 26379] as never);
    // Refused before any I/O: it settles ahead of a zero-delay timer (no connection was even tried).
    const first = await Promise.race([
      creating.then(
        () => 'resolved',
        () => 'rejected',
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('a timer fired first'), 0)),
    ]);
    assert.equal(first, 'rejected');
    const { error } = await timedRejection(creating);
    assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
    assert.match(error.message, /127\.0\.0\.1/);
    assert.match(error.message, /26379/);
  });

  test('a port out of range rejects TypeError naming the entry', async () => {
    const { error } = await timedRejection(createSentinel([['127.0.0.1', 70000]]));
    assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
    assert.match(error.message, /70000/);
  });

  test('minsize > maxsize rejects TypeError', async () => {
    const { error } = await timedRejection(createSentinel(topology.sentinelAddresses, { minsize: 5, maxsize: 2 }));
    assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`);
    assert.match(error.message, /minsize/);
  });

  test("masterFor('nope').get('x') rejects MasterNotFoundError quickly, not after failoverTimeout", async () => {
    const s = await createSentinel(topology.sentinelAddresses, { failoverTimeout: LONG_TIMEOUT_MS });
    try {
      const { error, ms } = await timedRejection(s.masterFor('nope').get('x'));
      assert.ok(error instanceof MasterNotFoundError, `${error.name}: ${error.message}`);
      assert.ok(ms < NO_WAIT_BOUND_MS, `took ${ms} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);
      const slave = await timedRejection(s.slaveFor('nope').get('x'));
      assert.ok(slave.error instanceof SlaveNotFoundError, `${slave.error.name}: ${slave.error.message}`);
      assert.ok(slave.ms < NO_WAIT_BOUND_MS, `took ${slave.ms} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);
    } finally {
      await closeSentinel(s);
    }
  });
});

describe('closing', () => {
  test('closing one masterFor client does not break later masterFor calls', async () => {
    const s = await createSentinel(topology.sentinelAddresses);
    try {
      const first = s.masterFor(SERVICE);
      assert.equal(await first.set('close:one', '1'), 'OK');
      first.close();
      await first.waitClosed();
      assert.ok((await timedRejection(first.get('close:one'))).error instanceof PoolClosedError);
      const again = s.masterFor(SERVICE);
      assert.notEqual(again.connection, first.connection);
      assert.equal(await again.get('close:one'), '1');
      assert.equal(s.closed, false);
    } finally {
      await closeSentinel(s);
    }
  });

  test('after close() and waitClosed() every call rejects PoolClosedError and closed is true', async () => {
    const s = await createSentinel(topology.sentinelAddresses);
    const master = s.masterFor(SERVICE);
    assert.equal(await master.set('close:key', '1'), 'OK');
    assert.equal(s.closed, false);
    s.close();
    assert.equal(s.closed, true);
    await s.waitClosed();
    assert.equal(s.closed, true);
    assert.equal(master.closed, true);
    for (const call of [
      () => s.ping(),
      () => s.master(SERVICE),
      () => s.masterAddress(SERVICE),
      () => s.masters(),
      () => s.execute('get-master-addr-by-name', SERVICE),
      () => master.get('close:key'),
      () => s.masterFor(SERVICE).get('close:key'),
      () => s.slaveFor(SERVICE).get('close:key'),
      () => s.masterFor('another').set('k', 'v'),
    ]) {
      const { error } = await timedRejection(call());
      assert.ok(error instanceof PoolClosedError, `${error.name}: ${error.message}`);
    }
  });
});

describe('no reachable sentinel', () => {
  test('createSentinel rejects SentinelConnectionError quickly and leaves nothing open', async () => {
    const closed: Address[] = [
      ['127.0.0.1', await freePort()],
      ['127.0.0.1', await freePort()],
    ];
    const baseline = resourceCounts();
    const { error, ms } = await timedRejection(createSentinel(closed, { timeout: LONG_TIMEOUT_MS }));
    assert.ok(error instanceof SentinelConnectionError, `${error.name}: ${error.message}`);
    for (const [host, port] of closed) assert.ok(error.message.includes(`${host}:${port}`), error.message);
    assert.ok(ms < NO_WAIT_BOUND_MS, `took ${ms} ms (timeout ${LONG_TIMEOUT_MS})`);
    await backToBaseline(baseline, 'the failed createSentinel');
  });

  test('a process that only fails to createSentinel exits by itself', async () => {
    const closed: Address[] = [['127.0.0.1', await freePort()]];
    const result = await createSentinelInChild(closed, { timeout: LONG_TIMEOUT_MS });
    assert.equal(result.name, 'SentinelConnectionError', result.message);
    assert.ok(result.ms < NO_WAIT_BOUND_MS, `took ${result.ms} ms (timeout ${LONG_TIMEOUT_MS})`);
  });
});
