// slaveFor when replicas come and go: the replica in use dies (reads move to the survivor), every
// replica is gone (reads reject SlaveNotFoundError), and one is back (reads use it again).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, sameAddress } from '../../src/address.js';
import { SlaveNotFoundError } from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor, type RedisServer } from '../../src/testing/index.js';
import { closeSentinel, timedRejection } from '../helpers/sentinel.js';
import { uniq, within } from '../helpers/util.js';

const SERVICE = 'mymaster';
const FAILOVER_TIMEOUT_MS = 2_000;

/** Polls until the sentinel lists `server` as a replica that is up with its link to the master ok. */
async function replicaHealthy(sentinel: RedisSentinel, server: RedisServer): Promise<void> {
  await waitFor(
    `the sentinel to report ${formatAddress(server.address)} as a healthy replica`,
    async () => {
      const replicas = await sentinel.replicas(SERVICE);
      const r = replicas.find((x) => Number(x.port) === server.port);
      return r !== undefined && r.flags.join(',') === 'slave' && r['master-link-status'] === 'ok';
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}

describe('slaveFor as replicas die and come back', () => {
  test('the replica in use dies, then all do, then one is back', async () => {
    const topology = await SentinelTopology.start({ replicas: 2, sentinels: 1, downAfterMs: 1_000 });
    let sentinel: RedisSentinel | undefined;
    try {
      // One connection, so `address` is the one replica every read goes to.
      sentinel = await createSentinel(topology.sentinelAddresses, {
        minsize: 1,
        maxsize: 1,
        failoverTimeout: FAILOVER_TIMEOUT_MS,
      });
      const master = sentinel.masterFor(SERVICE);
      const reader = sentinel.slaveFor(SERVICE);
      const key = uniq('replicated');
      assert.equal(await master.set(key, 'v'), 'OK');
      // Both replicas have it, so whichever one answers a read later has the value.
      assert.equal(await master.execute('WAIT', 2, 5_000), 2);
      assert.equal(await reader.get(key), 'v');
      const first = topology.replicas.find((r) => sameAddress(r.address, reader.address));
      assert.ok(first, `the client reads from ${String(reader.address)}, not from a replica of the topology`);
      const survivor = topology.replicas.find((r) => r !== first)!;

      // The replica in use dies with a read in flight (stopped first, so the read surely waits for an
      // answer): a read is safe to send again, and it goes to the other replica, like the next reads.
      first.pause();
      // Its outcome is taken at once (a rejection is the value compared), so it is never unhandled.
      const inFlight = reader.get(key).catch((error: unknown) => error);
      await first.kill('SIGKILL');
      assert.equal(await within(FAILOVER_TIMEOUT_MS + 2_000, 'the read in flight at the kill', inFlight), 'v');
      assert.equal(await within(FAILOVER_TIMEOUT_MS + 2_000, 'a read after the kill', reader.get(key)), 'v');
      assert.deepEqual(reader.address, survivor.address);
      assert.equal((await reader.role()).role, 'slave');
      assert.deepEqual(reader.address, survivor.address);

      // Every replica is gone: reads reject within failoverTimeout.
      await survivor.kill('SIGKILL');
      const { error } = await within(
        FAILOVER_TIMEOUT_MS + 3_000,
        'a read with no replica left',
        timedRejection(reader.get(key)),
      );
      assert.ok(error instanceof SlaveNotFoundError, `rejected with ${String(error)}`);
      assert.equal(error.unknownService, false);

      // One replica is back: once the sentinel reports it healthy, reads use it.
      await first.restart();
      await topology.waitForReplicas();
      await replicaHealthy(sentinel, first);
      assert.equal(await within(FAILOVER_TIMEOUT_MS + 2_000, 'a read after the restart', reader.get(key)), 'v');
      assert.deepEqual(reader.address, first.address);
      assert.equal((await reader.role()).role, 'slave');
    } finally {
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});
