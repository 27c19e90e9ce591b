// Manual failovers (SENTINEL FAILOVER) followed by masterFor and slaveFor, and a master that dies with
// no replica to take over.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress } from '../../src/address.js';
import { createConnection } from '../../src/connection/connection.js';
import { MasterNotFoundError, RedisError, ReplyError } from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import type { Address, Logger } from '../../src/types.js';
import { closeSentinel, startWriter, timedRejection, type Write } from '../helpers/sentinel.js';
import { within } from '../helpers/util.js';

const SERVICE = 'mymaster';
const DOWN_AFTER_MS = 1_000;
const SENTINEL_FAILOVER_TIMEOUT_MS = 2_000;
/** The client's failoverTimeout: how long a command may wait for a master. */
const CLIENT_FAILOVER_TIMEOUT_MS = 5_000;
/** How long the writes in flight may take to settle once the writer stops. */
const WRITES_SETTLE_MS = CLIENT_FAILOVER_TIMEOUT_MS + 2_000;
/** Past a bound the client promises, the margin timers on a loaded 2-core machine may need. */
const SETTLE_MARGIN_MS = 3_000;

function same(a: Address | null, b: Address): boolean {
  return a !== null && a[0] === b[0] && a[1] === b[1];
}

/** A topology with one sentinel and the timings above. */
function startTopology(replicas: number): Promise<SentinelTopology> {
  return SentinelTopology.start({
    replicas,
    sentinels: 1,
    downAfterMs: DOWN_AFTER_MS,
    failoverTimeoutMs: SENTINEL_FAILOVER_TIMEOUT_MS,
  });
}

/** The first acknowledged write, after `since`, that the client had sent to `address`. */
function firstAckBy(writes: Write[], address: Address, since: number): Write | undefined {
  return writes
    .filter((w) => w.acked === true && w.settled! >= since && w.ackedBy != null && same(w.ackedBy, address))
    .toSorted((a, b) => a.settled! - b.settled!)[0];
}

/** Every acknowledged write is in the list exactly once; writes known not to be applied are absent. */
async function checkNoAckedWriteLost(master: Address, key: string, writes: Write[]): Promise<void> {
  const check = await createConnection(master, { connectTimeout: 2_000 });
  try {
    const list = (await check.execute('LRANGE', key, 0, -1)) as string[];
    const counts = new Map<string, number>();
    for (const id of list) counts.set(id, (counts.get(id) ?? 0) + 1);
    const duplicates = [...counts].filter(([, c]) => c > 1).map(([id]) => id);
    assert.deepEqual(duplicates, [], 'no write is in the list twice');
    const lost = writes.filter((w) => w.acked === true && !counts.has(w.id)).map((w) => w.id);
    assert.deepEqual(lost, [], `acknowledged writes lost (of ${writes.filter((w) => w.acked).length})`);
    const notApplied = writes.filter(
      (w) =>
        w.error instanceof MasterNotFoundError ||
        (w.error as { mayHaveBeenApplied?: boolean } | undefined)?.mayHaveBeenApplied === false,
    );
    const appliedAnyway = notApplied.filter((w) => counts.has(w.id)).map((w) => `${w.id} (${w.error!.message})`);
    assert.deepEqual(appliedAnyway, [], 'writes reported as not applied are not in the list');
  } finally {
    check.close();
    await check.waitClosed();
  }
}

/** Every write settled (acked, or rejected with a typed RedisError) within the client's failoverTimeout. */
function checkAllSettled(writes: Write[]): void {
  for (const w of writes) {
    assert.ok(w.settled !== undefined, `${w.id} never settled`);
    if (!w.acked) assert.ok(w.error instanceof RedisError, `${w.id} rejected with ${String(w.error)}`);
  }
  const slowest = Math.max(...writes.map((w) => w.settled! - w.sent));
  assert.ok(
    slowest <= CLIENT_FAILOVER_TIMEOUT_MS + 250,
    `slowest write took ${Math.round(slowest)} ms (failoverTimeout ${CLIENT_FAILOVER_TIMEOUT_MS})`,
  );
}

/** SENTINEL FAILOVER through the client, retried on NOGOODSLAVE / INPROG; resolves when it was accepted. */
async function requestFailover(sentinel: RedisSentinel): Promise<number> {
  return waitFor(
    `SENTINEL FAILOVER ${SERVICE} to be accepted`,
    async () => {
      const sent = performance.now();
      assert.equal(await sentinel.failover(SERVICE), true);
      return sent;
    },
    {
      timeoutMs: 20_000,
      intervalMs: 100,
      retryIf: (e) => e instanceof ReplyError && /NOGOODSLAVE|INPROG/.test(e.message),
    },
  );
}

describe('manual failover', () => {
  test('there and back: after each SENTINEL FAILOVER, writes through masterFor go to the new master', async (t: TestContext) => {
    const topology = await startTopology(2);
    let sentinel: RedisSentinel | undefined;
    try {
      const logged: string[] = [];
      const logger: Logger = { log: (m) => logged.push(m), debug: (m) => logged.push(m), warn: (m) => logged.push(m) };
      sentinel = await createSentinel(topology.sentinelAddresses, {
        failoverTimeout: CLIENT_FAILOVER_TIMEOUT_MS,
        logger,
      });
      const client = sentinel.masterFor(SERVICE);
      const key = 'failover:manual';
      await client.del(key);
      assert.deepEqual(client.address, topology.master.address);
      const writer = startWriter(client, key, WRITES_SETTLE_MS);
      const masters: Address[] = [topology.master.address];
      try {
        for (const round of [1, 2]) {
          const oldMaster = masters[masters.length - 1]!;
          const sent = await requestFailover(sentinel);
          const newMaster = await topology.waitForMasterChange(oldMaster, 20_000);
          const agreedAt = performance.now();
          assert.notDeepEqual(newMaster, oldMaster);
          masters.push(newMaster);
          const first = await waitFor(
            `a write acknowledged by the new master ${formatAddress(newMaster)}`,
            () => firstAckBy(writer.writes, newMaster, sent),
            { timeoutMs: 10_000, intervalMs: 5 },
          );
          const ms = Math.round(first.settled! - sent);
          const line = `failover ${round}: SENTINEL FAILOVER -> first write acknowledged by the new master ${formatAddress(newMaster)}: ${ms} ms (1 sentinel, downAfterMs ${DOWN_AFTER_MS}, failoverTimeoutMs ${SENTINEL_FAILOVER_TIMEOUT_MS})`;
          t.diagnostic(line);
          console.log(line);
          assert.deepEqual(client.address, newMaster);
          const role = await client.role();
          assert.equal(role.role, 'master');
          // How fast is the bench's business (bench:failover); here it is only reported.
          t.diagnostic(
            `first write on the new master ${Math.round(first.settled! - agreedAt)} ms after the sentinels agreed`,
          );
          // And it connects straight to the address +switch-master announced: no failed discovery round
          // (a sentinel may still report the new master as disconnected for a moment).
          const switched = logged.findIndex(
            (l) => l.startsWith(`+switch-master ${SERVICE}`) && l.endsWith(formatAddress(newMaster)),
          );
          assert.ok(switched >= 0, `no +switch-master to ${formatAddress(newMaster)} logged:\n${logged.join('\n')}`);
          const discovered = logged.findIndex(
            (l, i) => i > switched && l.startsWith(`Discovered master ${formatAddress(newMaster)}`),
          );
          assert.ok(discovered > switched, `no discovery of ${formatAddress(newMaster)} logged:\n${logged.join('\n')}`);
          const failedRounds = logged
            .slice(switched, discovered)
            .filter((l) => l.startsWith(`No master for ${SERVICE}`));
          assert.deepEqual(failedRounds, [], 'discovery rounds that failed between +switch-master and the new master');
        }
      } finally {
        await writer.stop();
      }
      assert.notDeepEqual(masters[2], masters[1]);
      // Every write after the last switch went to the last master.
      const last = masters[2]!;
      const lateAcks = writer.writes.filter(
        (w) => w.acked && w.settled! > firstAckBy(writer.writes, last, 0)!.settled!,
      );
      for (const w of lateAcks) assert.deepEqual(w.ackedBy, last, `${w.id} acknowledged by ${String(w.ackedBy)}`);
      assert.ok(writer.writes.filter((w) => w.acked).length > 50, 'writes went on throughout');
      checkAllSettled(writer.writes);
      await checkNoAckedWriteLost(last, key, writer.writes);
    } finally {
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });

  test('slaveFor still answers from a replica after two failovers (2 replicas)', async () => {
    const topology = await startTopology(2);
    let sentinel: RedisSentinel | undefined;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: CLIENT_FAILOVER_TIMEOUT_MS });
      const slave = sentinel.slaveFor(SERVICE);
      const master = sentinel.masterFor(SERVICE);
      assert.equal((await slave.role()).role, 'slave');
      for (let round = 1; round <= 2; round++) {
        const newMaster = await topology.failover();
        assert.equal(await master.set('failover:slave', `round ${round}`), 'OK');
        assert.deepEqual(master.address, newMaster);
        await waitFor(
          `slaveFor to answer from a replica of ${formatAddress(newMaster)} after failover ${round}`,
          async () => {
            const role = await slave.role();
            if (role.role !== 'slave' || slave.address === null || same(slave.address, newMaster)) return false;
            return (await slave.get('failover:slave')) === `round ${round}`;
          },
          { timeoutMs: 15_000, intervalMs: 50 },
        );
      }
      const role = await slave.role();
      assert.equal(role.role, 'slave');
      assert.equal(role.role === 'slave' ? role.masterPort : 0, topology.master.port);
    } finally {
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});

describe('a master with no replica stopped', () => {
  test('commands reject MasterNotFoundError within failoverTimeout; nothing hangs', async () => {
    const topology = await startTopology(0);
    let sentinel: RedisSentinel | undefined;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: 1_500 });
      const client = sentinel.masterFor(SERVICE);
      assert.equal(await client.set('nomaster:key', '1'), 'OK');
      const pool = sentinel.pool.masterFor(SERVICE);
      await topology.killMaster();
      await waitFor('the client to see its connection closed', () => pool.freesize === 0, {
        timeoutMs: 2_000,
        intervalMs: 5,
      });
      const results = await Promise.all([
        timedRejection(client.get('nomaster:key')),
        timedRejection(client.set('nomaster:key', '2')),
        timedRejection(client.incr('nomaster:counter')),
      ]);
      for (const { error, ms } of results) {
        assert.ok(error instanceof MasterNotFoundError, `${error.name}: ${error.message}`);
        // Not before failoverTimeout; after it, only the margin a loaded machine's timers need.
        assert.ok(
          ms >= 1_000 && ms <= 1_500 + SETTLE_MARGIN_MS,
          `rejected after ${Math.round(ms)} ms (failoverTimeout 1500)`,
        );
      }
      // Still nothing to find, still bounded.
      const again = await timedRejection(client.get('nomaster:key'));
      assert.ok(again.error instanceof MasterNotFoundError, `${again.error.name}: ${again.error.message}`);
      assert.ok(again.ms <= 1_500 + SETTLE_MARGIN_MS, `took ${Math.round(again.ms)} ms (failoverTimeout 1500)`);
      // Sentinel commands still work: the sentinel itself is fine.
      assert.equal(await sentinel.ping(), 'PONG');
      // Closing does not hang on the pool that has no master.
      sentinel.close();
      await within(2_000, 'waitClosed()', sentinel.waitClosed());
    } finally {
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });

  test('an idle pool refills to minsize by itself once the master is back, before any command', async () => {
    const topology = await startTopology(0);
    let sentinel: RedisSentinel | undefined;
    try {
      const logs: string[] = [];
      const record = (m: string): void => void logs.push(m);
      sentinel = await createSentinel(topology.sentinelAddresses, {
        minsize: 2,
        logger: { log: record, warn: record, debug: record },
      });
      assert.equal(await sentinel.masterFor(SERVICE).set('refill:key', '1'), 'OK');
      const pool = sentinel.pool.masterFor(SERVICE);
      assert.equal(pool.freesize, 2);
      await topology.killMaster();
      await waitFor('the pool to see its connections closed', () => pool.freesize === 0, { intervalMs: 5 });
      // Down until a refill has failed twice (retried with back-off), then back on the same port.
      await waitFor(
        'two failed refills',
        () => logs.filter((m) => m.startsWith(`No master for ${SERVICE}`)).length >= 2,
      );
      assert.equal(pool.freesize, 0);
      await topology.master.restart();
      await waitFor('the idle pool to hold minsize connections again', () => pool.freesize === 2, {
        timeoutMs: 3_000,
      });
      assert.equal(await sentinel.masterFor(SERVICE).ping(), 'PONG');
    } finally {
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});
