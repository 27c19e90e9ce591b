// sentinel.stats() through real failovers: while a graceful failover holds writes (sampled in the
// 'failover-start' listener itself, where API.md says writes are held "from here"), after it (the new
// master, the last failover consistent with 'failover-end' and the wall clock, the replica entry on a
// replica of the new master), and the in-doubt count through a SIGKILL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectionClosedError } from '../../src/errors.js';
import { createSentinel, type PoolStats, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { command, parseInfo } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { closeSentinel, recordEvents, sentinelsSettled, startWriter } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

const PASSWORD = 'stats-data-secret';

const OTHER = 'other';

function entry(sentinel: RedisSentinel, role: 'master' | 'slave', service = 'mymaster'): PoolStats {
  const found = sentinel.stats().find((p) => p.role === role && p.service === service);
  assert.ok(found !== undefined, `stats() has a ${role} entry for ${service}: ${JSON.stringify(sentinel.stats())}`);
  return found;
}

/** INFO replication of `address`: its role and, for a replica, its master's port and link. */
async function replication(address: Address): Promise<Record<string, string>> {
  return parseInfo(await command(address, { password: PASSWORD, timeoutMs: 1_000 }, 'INFO', 'replication'));
}

describe('stats() during and after real failovers', { timeout: 120_000 }, () => {
  let topology: SentinelTopology;

  before(async () => {
    // A second service watched by the same sentinel: its entry must not move when mymaster fails over.
    topology = await SentinelTopology.start({
      services: ['mymaster', OTHER],
      replicas: 2,
      sentinels: 1,
      password: PASSWORD,
    });
  });
  after(() => topology?.stop());

  test('graceful failover: holding and queued while held; then the new master, lastFailover, a replica of it', async () => {
    await sentinelsSettled(topology);
    const sentinel = await createSentinel(topology.sentinelAddresses, { password: PASSWORD, failoverTimeout: 15_000 });
    const log = recordEvents(sentinel);
    try {
      const master = sentinel.masterFor(topology.service);
      const replica = sentinel.slaveFor(topology.service);
      const key = uniq('stats');
      await master.set(key, 'before');
      await waitFor('the replica to serve the key', async () => (await replica.get(key)) === 'before', {
        timeoutMs: 5_000,
      });
      const old = await topology.masterAddress();

      const idle = entry(sentinel, 'master');
      assert.deepEqual(idle.address, old);
      assert.equal(idle.state, 'connected');
      assert.equal(idle.holding, false);
      assert.equal(idle.queued, 0);
      assert.equal(idle.lastFailover, null);
      assert.equal(idle.inDoubt, 0);
      assert.ok(idle.size >= 1, `an open connection (size ${idle.size})`);
      const replicaBefore = entry(sentinel, 'slave');
      assert.ok(
        topology.replicas.some((r) => r.port === replicaBefore.address?.[1]),
        `the replica entry is on a replica (${String(replicaBefore.address)})`,
      );

      // What a listener sees in 'failover-start' itself: writes held from here, a write issued now waits.
      let atStart: PoolStats | undefined;
      let afterWrite: PoolStats | undefined;
      let held: Promise<unknown> | undefined;
      sentinel.once('failover-start', () => {
        atStart = entry(sentinel, 'master');
        held = master.set(key, 'during');
        afterWrite = entry(sentinel, 'master');
      });

      const t0 = Date.now();
      const to = await topology.failover({ timeoutMs: 30_000 });
      await waitFor('failover-end', () => log.of('failover-end').length > 0, { timeoutMs: 20_000 });
      assert.ok(held !== undefined && atStart !== undefined && afterWrite !== undefined, 'failover-start was emitted');
      await held;
      const t1 = Date.now();

      assert.equal(atStart.holding, true, `holding in the failover-start listener: ${JSON.stringify(atStart)}`);
      assert.equal(atStart.state, 'holding');
      assert.equal(afterWrite.holding, true);
      assert.ok(afterWrite.queued >= 1, `the write issued during the hold is queued: ${JSON.stringify(afterWrite)}`);
      // Held, then sent to the new master: the old one (a replica now or soon) never took it.
      assert.equal(await command(to, { password: PASSWORD }, 'GET', key), 'during');

      const ended = log.of('failover-end')[0]!.payload as { heldMs: number };
      // The held write was answered by the new master: the first connection to it is already counted.
      const done = entry(sentinel, 'master');
      assert.equal(done.holding, false);
      assert.equal(done.queued, 0);
      assert.equal(done.state, 'connected');
      assert.deepEqual(done.address, to);
      assert.notDeepEqual(done.address, old);
      assert.equal(done.inDoubt, 0, 'nothing was in flight while writes were held');
      const last = done.lastFailover!;
      assert.ok(last.at >= t0 && last.at <= t1, `lastFailover.at ${last.at} within the failover [${t0}, ${t1}]`);
      assert.equal(last.heldMs, ended.heldMs, 'stats() and failover-end give the same held time');
      assert.ok(last.heldMs > 0, `writes were held (${last.heldMs} ms)`);
      assert.ok(last.at + last.heldMs <= t1, `the hold ended within the failover (${last.heldMs} ms)`);
      assert.ok(
        last.followedMs !== null && last.followedMs >= 0 && last.at + last.followedMs <= t1,
        `followed the switch within the failover (${last.followedMs} ms)`,
      );
      assert.equal(log.of('failover-start').length, 1);
      assert.equal(log.of('failover-abort').length, 0);

      // The replica entry ends up on a replica of the new master that serves the held write.
      await waitFor(
        'the replica entry to be on a synced replica of the new master',
        async () => {
          if ((await replica.get(key)) !== 'during') return false;
          const at = entry(sentinel, 'slave').address;
          if (at === null) return false;
          const info = await replication(at);
          return info.role === 'slave' && Number(info.master_port) === to[1] && info.master_link_status === 'up';
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      const replicaAfter = entry(sentinel, 'slave');
      assert.notDeepEqual(replicaAfter.address, to);
      assert.equal(replicaAfter.holding, false, 'a replica pool never holds');
      assert.equal(replicaAfter.queued, 0);
      assert.equal(replicaAfter.inDoubt, 0);
      assert.ok(replicaAfter.size >= 1);
    } finally {
      await closeSentinel(sentinel);
    }
  });

  test('SIGKILL with writes in flight: inDoubt counts exactly the rejections with mayHaveBeenApplied', async () => {
    await sentinelsSettled(topology);
    const sentinel = await createSentinel(topology.sentinelAddresses, { password: PASSWORD, failoverTimeout: 15_000 });
    const log = recordEvents(sentinel);
    try {
      const master = sentinel.masterFor(topology.service);
      const replica = sentinel.slaveFor(topology.service);
      const other = sentinel.masterFor(OTHER);
      const key = uniq('in-doubt');
      await master.rpush(key, 'first');
      await replica.ping();
      await other.set(key, 'other');
      const otherAddress = topology.masterOf(OTHER).address;
      const writers = [startWriter(master, key, 20_000), startWriter(master, key, 20_000)];
      await waitFor('writes acknowledged', () => writers.every((w) => w.writes.some((x) => x.acked)), {
        timeoutMs: 5_000,
      });
      // Frozen first, so the writes sent meanwhile are surely on the wire, unanswered, when it dies.
      const node = topology.master;
      const old = node.address;
      const frozenAt = performance.now();
      node.pause();
      await waitFor(
        'writes sent to the frozen master',
        () => writers.every((w) => w.writes.filter((x) => x.sent > frozenAt + 20).length >= 3),
        { timeoutMs: 5_000 },
      );
      // A transaction and a pipeline on the wire too: each of their commands is a rejection the caller sees.
      const batches = [
        master.multi().rpush(key, 'm1').rpush(key, 'm2').exec(),
        master.pipeline().rpush(key, 'p1').rpush(key, 'p2').exec(),
      ];
      await waitFor(
        'writes sent after the batches',
        () => writers.every((w) => w.writes.filter((x) => x.sent > frozenAt + 40).length >= 3),
        {
          timeoutMs: 5_000,
        },
      );
      await node.kill('SIGKILL');
      const batchErrors = (await Promise.all(batches)).flat().map(([error]) => error);
      const to = await topology.waitForMasterChange(old, 30_000);
      await node.restart();
      await waitFor('failover-end', () => log.of('failover-end').length > 0, { timeoutMs: 20_000 });
      await waitFor(
        'a write acknowledged by the new master',
        () => writers.every((w) => w.writes.some((x) => x.acked && x.ackedBy?.[1] === to[1])),
        { timeoutMs: 20_000 },
      );
      for (const w of writers) await w.stop();

      const writes = writers.flatMap((w) => w.writes);
      const inDoubt = writes.filter((w) => w.error instanceof ConnectionClosedError && w.error.mayHaveBeenApplied);
      const otherErrors = writes.filter((w) => w.acked === false && !inDoubt.includes(w));
      assert.ok(inDoubt.length >= 2, `writes were in flight when the master died (${inDoubt.length})`);
      assert.equal(batchErrors.length, 4);
      for (const error of batchErrors) {
        assert.ok(error instanceof ConnectionClosedError && error.mayHaveBeenApplied, `in doubt: ${String(error)}`);
      }
      const stats = entry(sentinel, 'master');
      assert.equal(
        stats.inDoubt,
        inDoubt.length + batchErrors.length,
        `stats().inDoubt counts the rejections with mayHaveBeenApplied (other errors: ${otherErrors.map((w) => w.error?.message).join('; ')})`,
      );
      assert.equal(entry(sentinel, 'slave').inDoubt, 0, 'the replica pool took no write');
      // The other service: same master, nothing held, nothing in doubt, no failover recorded.
      await other.set(key, 'still');
      const untouched = entry(sentinel, 'master', OTHER);
      assert.deepEqual(untouched.address, otherAddress);
      assert.equal(untouched.inDoubt, 0);
      assert.equal(untouched.lastFailover, null);
      assert.equal(untouched.holding, false);
      assert.ok(
        log.events.every((e) => e.payload.service === undefined || e.payload.service === topology.service),
        `events name only the service that failed over: ${JSON.stringify(log.events)}`,
      );
      assert.deepEqual(stats.address, to);
      assert.equal(stats.holding, false);
      assert.equal(stats.queued, 0);
      assert.ok(stats.lastFailover !== null && stats.lastFailover.heldMs > 0);
    } finally {
      await closeSentinel(sentinel);
    }
  });
  test('durability: writes applied by a master that dies before its WAIT answers are each counted in doubt', async () => {
    await sentinelsSettled(topology);
    // More replicas than exist: the WAIT after the writes blocks for its whole timeout.
    const sentinel = await createSentinel(topology.sentinelAddresses, {
      password: PASSWORD,
      failoverTimeout: 15_000,
      durability: { replicas: 3, timeout: 20_000 },
    });
    try {
      const master = sentinel.masterFor(topology.service);
      await master.ping();
      // The master this client writes to (the kit's own idea of the master lagged once, right after the
      // previous test restarted its killed master).
      const old = master.address!;
      const node = topology.servers.find((s) => s.address[1] === old[1])!;
      const key = uniq('wait-lost');
      // Three writes in one tick: one flush, one WAIT standing for all three.
      const writes = [1, 2, 3].map((n) =>
        master.set(`${key}:${n}`, 'v').then(
          () => null,
          (error: Error) => error,
        ),
      );
      await waitFor(
        'the WAIT blocked on the master',
        async () =>
          Number(
            parseInfo(await command(old, { password: PASSWORD, timeoutMs: 1_000 }, 'INFO', 'clients')).blocked_clients,
          ) >= 1,
        { timeoutMs: 5_000 },
      );
      await node.kill('SIGKILL');
      const errors = await Promise.all(writes);
      for (const error of errors) {
        assert.ok(error instanceof ConnectionClosedError && error.mayHaveBeenApplied, `in doubt: ${String(error)}`);
      }
      assert.equal(entry(sentinel, 'master').inDoubt, 3, 'each applied, unconfirmed write counted once');
      await topology.waitForMasterChange(old, 30_000);
      await node.restart();
    } finally {
      await closeSentinel(sentinel);
    }
  });
});
