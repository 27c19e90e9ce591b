// Sentinel failovers on Valkey 8 (valkey-server in Sentinel mode watching valkey-server data nodes),
// followed by the client: the same events and replies as Redis's, checked end to end.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, sameAddress } from '../../src/address.js';
import { createConnection } from '../../src/connection/connection.js';
import { MasterNotFoundError, RedisError } from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import type { Address, Logger } from '../../src/types.js';
import { closeSentinel, startWriter, type Write } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

const SERVICE = 'mymaster';
const CLIENT_FAILOVER_TIMEOUT_MS = 5_000;
const WRITES_SETTLE_MS = CLIENT_FAILOVER_TIMEOUT_MS + 2_000;

/** The first acknowledged write the client had sent to `address`. */
function firstAckBy(writes: Write[], address: Address): Write | undefined {
  return writes
    .filter((w) => w.acked === true && w.ackedBy != null && sameAddress(w.ackedBy, address))
    .toSorted((a, b) => a.settled! - b.settled!)[0];
}

/** The ids in the list `key` on `address`, read with a connection of its own. */
async function listOn(address: Address, key: string): Promise<string[]> {
  const conn = await createConnection(address, { connectTimeout: 2_000 });
  try {
    return (await conn.execute('LRANGE', key, 0, -1)) as string[];
  } finally {
    conn.close();
    await conn.waitClosed();
  }
}

/** Which family answers on `address`, from INFO server (Valkey reports `server_name:valkey`). */
async function serverName(address: Address): Promise<string> {
  const conn = await createConnection(address, { connectTimeout: 2_000 });
  try {
    const info = String(await conn.execute('INFO', 'server'));
    return /^server_name:(\S+)/m.exec(info)?.[1] ?? 'redis';
  } finally {
    conn.close();
    await conn.waitClosed();
  }
}

/**
 * Every acknowledged write is on `master` exactly once (so none acknowledged by the old master after the
 * switch was lost), and no write reported as not applied is there.
 */
function checkWrites(list: string[], writes: Write[]): void {
  const counts = new Map<string, number>();
  for (const id of list) counts.set(id, (counts.get(id) ?? 0) + 1);
  assert.deepEqual(
    [...counts].filter(([, c]) => c > 1).map(([id]) => id),
    [],
    'no write is in the list twice',
  );
  const acked = writes.filter((w) => w.acked === true);
  const lost = acked.filter((w) => !counts.has(w.id)).map((w) => `${w.id} (acked by ${String(w.ackedBy)})`);
  assert.deepEqual(lost, [], `acknowledged writes missing on the new master (of ${acked.length})`);
  const notApplied = writes.filter(
    (w) =>
      w.error instanceof MasterNotFoundError ||
      (w.error as { mayHaveBeenApplied?: boolean } | undefined)?.mayHaveBeenApplied === false,
  );
  assert.deepEqual(
    notApplied.filter((w) => counts.has(w.id)).map((w) => w.id),
    [],
    'writes reported as not applied are not in the list',
  );
  for (const w of writes) {
    assert.ok(w.settled !== undefined, `${w.id} never settled`);
    if (!w.acked) assert.ok(w.error instanceof RedisError, `${w.id} rejected with ${String(w.error)}`);
  }
}

describe('Sentinel on Valkey', () => {
  test('SENTINEL FAILOVER (3 sentinels): masterFor follows the new master and no acknowledged write is lost', async (t) => {
    const topology = await SentinelTopology.start({ server: 'valkey', replicas: 1, sentinels: 3, quorum: 2 });
    let sentinel: RedisSentinel | undefined;
    try {
      assert.equal(await serverName(topology.master.address), 'valkey');
      assert.equal(await serverName(topology.sentinelAddresses[0]!), 'valkey');
      const logged: string[] = [];
      const logger: Logger = { log: (m) => logged.push(m), debug: (m) => logged.push(m), warn: (m) => logged.push(m) };
      sentinel = await createSentinel(topology.sentinelAddresses, {
        failoverTimeout: CLIENT_FAILOVER_TIMEOUT_MS,
        logger,
      });
      // The typed sentinel state parses Valkey's replies (which keep Redis's field names and flags).
      const master = await sentinel.master(SERVICE);
      assert.deepEqual(master.flags, ['master']);
      assert.equal(master.port, topology.master.port);
      assert.equal(master['num-other-sentinels'], 2);
      assert.deepEqual(
        (await sentinel.masters()).map((m) => m.name),
        [SERVICE],
      );
      const replicas = await sentinel.slaves(SERVICE);
      assert.deepEqual(
        replicas.map((r) => [r.port, r.flags]),
        [[topology.replicas[0]!.port, ['slave']]],
      );
      assert.equal((await sentinel.sentinels(SERVICE)).length, 2);
      assert.match(await sentinel.checkQuorum(SERVICE), /^OK 3 usable Sentinels/);
      assert.deepEqual(await sentinel.masterAddress(SERVICE), topology.master.address);
      const client = sentinel.masterFor(SERVICE);
      const key = uniq('valkey:failover');
      const oldMaster = topology.master.address;
      assert.equal(await client.ping(), 'PONG');
      assert.deepEqual(client.address, oldMaster);

      const writer = startWriter(client, key, WRITES_SETTLE_MS);
      let newMaster: Address;
      try {
        await waitFor('writes acknowledged by the first master', () => firstAckBy(writer.writes, oldMaster), {
          timeoutMs: 5_000,
        });
        newMaster = await topology.failover();
        assert.notDeepEqual(newMaster, oldMaster);
        const first = await waitFor(
          `a write acknowledged by the new master ${formatAddress(newMaster)}`,
          () => firstAckBy(writer.writes, newMaster),
          { timeoutMs: 10_000, intervalMs: 5 },
        );
        // Some more writes after the switch, so late acknowledgements from the old master would show.
        await waitFor(
          '20 more acknowledged writes after the switch',
          () => writer.writes.filter((w) => w.acked && w.settled! > first.settled!).length >= 20,
          { timeoutMs: 10_000 },
        );
      } finally {
        await writer.stop();
      }
      assert.deepEqual(client.address, newMaster);
      assert.equal((await client.role()).role, 'master');
      assert.ok(
        logged.some((l) => l.startsWith(`+switch-master ${SERVICE}`) && l.endsWith(formatAddress(newMaster))),
        `no +switch-master to ${formatAddress(newMaster)} logged:\n${logged.join('\n')}`,
      );
      const switchedAt = firstAckBy(writer.writes, newMaster)!.settled!;
      const lateOld = writer.writes.filter(
        (w) => w.acked && w.settled! > switchedAt && !sameAddress(w.ackedBy!, newMaster),
      );
      assert.deepEqual(
        lateOld.map((w) => w.id),
        [],
        'writes acknowledged by another node after the new master acknowledged one',
      );
      assert.ok(writer.writes.filter((w) => w.acked).length > 30, 'writes went on throughout');
      const rejected = writer.writes.filter((w) => w.acked === false).length;
      t.diagnostic(`valkey failover: ${writer.writes.length - rejected} writes acknowledged, ${rejected} rejected`);
      checkWrites(await listOn(newMaster, key), writer.writes);
    } finally {
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });

  test('killMaster (SIGKILL): the sentinel promotes the replica and masterFor writes to it', async () => {
    const topology = await SentinelTopology.start({
      server: 'valkey',
      replicas: 1,
      sentinels: 1,
      downAfterMs: 1_000,
      failoverTimeoutMs: 2_000,
    });
    let sentinel: RedisSentinel | undefined;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: CLIENT_FAILOVER_TIMEOUT_MS });
      const client = sentinel.masterFor(SERVICE);
      const key = uniq('valkey:kill');
      assert.equal(await client.rpush(key, 'before'), 1);
      const replica = topology.replicas[0]!;
      await waitFor(
        'the replica to have the first write',
        async () => (await listOn(replica.address, key)).length === 1,
      );

      const oldMaster = await topology.killMaster();
      assert.equal(topology.master.running, false);
      // A write sent before the client saw the socket close could not be retried; this one waits.
      await waitFor('the client to notice its master is gone', () => client.address === null, { timeoutMs: 5_000 });
      // Sent while the master is dead: it waits for the promotion instead of failing.
      const during = client.rpush(key, 'during');
      const newMaster = await topology.waitForMasterChange(oldMaster, 20_000);
      assert.deepEqual(newMaster, replica.address);
      assert.equal(await during, 2);
      assert.equal(await client.rpush(key, 'after'), 3);
      assert.deepEqual(client.address, newMaster);
      assert.deepEqual(await listOn(newMaster, key), ['before', 'during', 'after']);
    } finally {
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});
