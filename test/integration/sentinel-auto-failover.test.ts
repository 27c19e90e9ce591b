// An automatic failover: the master frozen with SIGSTOP while writes go on every 10 ms. No
// acknowledged write may be lost, none may be applied twice, and every write settles in time.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress } from '../../src/address.js';
import { createConnection } from '../../src/connection/connection.js';
import { ConnectionClosedError, MasterNotFoundError, RedisError } from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor, type RedisServer } from '../../src/testing/index.js';
import type { Address, Logger } from '../../src/types.js';
import { closeSentinel, startWriter } from '../helpers/sentinel.js';

const SERVICE = 'mymaster';
const SENTINELS = 3;
const QUORUM = 2;
const DOWN_AFTER_MS = 1_000;
const SENTINEL_FAILOVER_TIMEOUT_MS = 3_000;
/** The client's failoverTimeout: how long a command may wait for a master. */
const CLIENT_FAILOVER_TIMEOUT_MS = 5_000;
/** How long the writes in flight may take to settle once the writer stops. */
const WRITES_SETTLE_MS = CLIENT_FAILOVER_TIMEOUT_MS + 2_000;
/** Every write must settle within the client's failoverTimeout plus this (timers on a loaded 2-core machine). */
const SETTLE_MARGIN_MS = 3_000;

let topology: SentinelTopology;

function same(a: Address | null | undefined, b: Address): boolean {
  return a != null && a[0] === b[0] && a[1] === b[1];
}

before(async () => {
  topology = await SentinelTopology.start({
    replicas: 1,
    sentinels: SENTINELS,
    quorum: QUORUM,
    downAfterMs: DOWN_AFTER_MS,
    failoverTimeoutMs: SENTINEL_FAILOVER_TIMEOUT_MS,
  });
});

after(async () => {
  await topology?.stop();
});

describe('automatic failover', () => {
  test('master frozen with SIGSTOP during writes: no acknowledged write lost, no duplicate, all settle in time', async (t: TestContext) => {
    const lines: string[] = [];
    const logged: { at: number; message: string }[] = [];
    const record = (message: string): void => {
      lines.push(message);
      logged.push({ at: performance.now(), message });
    };
    const logger: Logger = { log: record, debug: record, warn: record };
    let sentinel: RedisSentinel | undefined;
    let frozen: RedisServer | undefined;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, {
        failoverTimeout: CLIENT_FAILOVER_TIMEOUT_MS,
        logger,
      });
      const client = sentinel.masterFor(SERVICE);
      const key = 'auto-failover:list';
      await client.del(key);
      const oldMaster = topology.master.address;
      const writer = startWriter(client, key, WRITES_SETTLE_MS);
      let frozenAt = 0;
      let newMaster: Address;
      try {
        await waitFor(
          'some writes acknowledged by the first master',
          () => writer.writes.filter((w) => w.acked && same(w.ackedBy, oldMaster)).length >= 20,
        );
        frozenAt = performance.now();
        // Frozen until the sentinels agree on another master and the client writes there, however long that takes.
        frozen = topology.master;
        frozen.pause();
        newMaster = await topology.waitForMasterChange(oldMaster, 30_000);
        const agreedAt = performance.now();
        const first = await waitFor(
          `a write acknowledged by the new master ${formatAddress(newMaster)}`,
          () => writer.writes.find((w) => w.acked && w.settled! > frozenAt && same(w.ackedBy, newMaster)),
          { timeoutMs: 10_000, intervalMs: 5 },
        );
        assert.ok(frozen.paused, 'the old master was still frozen when the new one acknowledged a write');
        const ms = Math.round(first.settled! - frozenAt);
        const line = `SIGSTOP of the master -> first write acknowledged by the new master ${formatAddress(newMaster)}: ${ms} ms (${SENTINELS} sentinels, quorum ${QUORUM}, downAfterMs ${DOWN_AFTER_MS}, failoverTimeoutMs ${SENTINEL_FAILOVER_TIMEOUT_MS}, client failoverTimeout ${CLIENT_FAILOVER_TIMEOUT_MS})`;
        t.diagnostic(line);
        console.log(line);
        // How fast is the bench's business (bench:failover); here only reported.
        t.diagnostic(
          `first write on the new master ${Math.round(first.settled! - agreedAt)} ms after the sentinels agreed`,
        );
        // Keep writing until the old master is running again, and a little after.
        frozen.resume();
        const resumedAt = performance.now();
        await waitFor(
          'writes acknowledged after the old master resumed',
          () => writer.writes.filter((w) => w.acked && w.sent > resumedAt).length >= 20,
        );
      } finally {
        await writer.stop();
      }

      const { writes } = writer;
      const acked = writes.filter((w) => w.acked);
      const rejected = writes.filter((w) => !w.acked);
      t.diagnostic(`${writes.length} writes: ${acked.length} acknowledged, ${rejected.length} rejected`);
      assert.ok(acked.length > 100, `only ${acked.length} writes acknowledged`);

      // Every write settled, acked or rejected with a typed error, within the client's failoverTimeout.
      for (const w of rejected) {
        assert.ok(w.error instanceof RedisError, `${w.id} rejected with ${String(w.error)}`);
        assert.ok(
          w.error instanceof ConnectionClosedError || w.error instanceof MasterNotFoundError,
          `${w.id}: ${w.error.name}: ${w.error.message}`,
        );
      }
      const slowest = Math.max(...writes.map((w) => w.settled! - w.sent));
      t.diagnostic(`slowest write settled after ${Math.round(slowest)} ms`);
      assert.ok(
        slowest <= CLIENT_FAILOVER_TIMEOUT_MS + SETTLE_MARGIN_MS,
        `slowest write took ${Math.round(slowest)} ms (failoverTimeout ${CLIENT_FAILOVER_TIMEOUT_MS})`,
      );

      // After the switch, nothing was acknowledged by the old master (not even once it resumed).
      const firstNew = acked.filter((w) => same(w.ackedBy, newMaster!)).toSorted((a, b) => a.settled! - b.settled!)[0]!;
      const lateOld = acked.filter((w) => w.settled! > firstNew.settled! && !same(w.ackedBy, newMaster!));
      assert.deepEqual(
        lateOld.map((w) => `${w.id} by ${String(w.ackedBy)}`),
        [],
        'writes acknowledged by another server after the switch',
      );

      // The list on the new master: every acknowledged write, each once; writes known not applied are absent.
      const conn = await createConnection(newMaster!, { connectTimeout: 2_000 });
      let list: string[];
      try {
        assert.equal(((await conn.execute('ROLE')) as unknown[])[0], 'master');
        list = (await conn.execute('LRANGE', key, 0, -1)) as string[];
      } finally {
        conn.close();
        await conn.waitClosed();
      }
      const counts = new Map<string, number>();
      for (const id of list) counts.set(id, (counts.get(id) ?? 0) + 1);
      assert.deepEqual(
        [...counts].filter(([, c]) => c > 1).map(([id]) => id),
        [],
        'no write applied twice',
      );
      const lost = acked.filter((w) => !counts.has(w.id)).map((w) => w.id);
      assert.deepEqual(lost, [], `acknowledged writes lost (of ${acked.length})`);
      const notApplied = rejected.filter(
        (w) =>
          w.error instanceof MasterNotFoundError || (w.error as ConnectionClosedError).mayHaveBeenApplied === false,
      );
      assert.deepEqual(
        notApplied.filter((w) => counts.has(w.id)).map((w) => w.id),
        [],
        'writes reported as never sent are not in the list',
      );
      // The acknowledged writes are in the list in the order they were acknowledged by each master.
      const position = new Map(list.map((id, i) => [id, i]));
      const order = acked.toSorted((a, b) => a.settled! - b.settled!).map((w) => position.get(w.id)!);
      assert.deepEqual(
        order,
        order.toSorted((a, b) => a - b),
        'acknowledged writes keep their order',
      );
      assert.ok(
        lines.some((l) => l.includes(`+switch-master ${SERVICE}`)),
        `the client saw +switch-master:\n${lines.join('\n')}`,
      );

      // While no master is known, discovery backs off: it does not run once per incoming command.
      const windowMs = firstNew.settled! - frozenAt;
      const rounds = logged.filter(
        (l) => l.at >= frozenAt && l.at <= firstNew.settled! && l.message.startsWith(`No master for ${SERVICE} yet`),
      ).length;
      t.diagnostic(`${rounds} failed discovery rounds in the ${Math.round(windowMs)} ms without a master`);
      assert.ok(
        rounds <= 5 + windowMs / 100,
        `${rounds} discovery rounds in ${Math.round(windowMs)} ms while writes arrived every 10 ms`,
      );
    } finally {
      frozen?.resume();
      await closeSentinel(sentinel);
    }
  });
});
