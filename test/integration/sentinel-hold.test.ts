// Writes during a failover: held until +switch-master with holdWritesDuringFailover (the default), sent
// to the old master without it; and a master that is objectively down with no replica to replace it
// (the -odown path).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress } from '../../src/address.js';
import type { Redis } from '../../src/client/redis.js';
import { createConnection, type RedisConnection } from '../../src/connection/connection.js';
import { ReplyError } from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor, type RedisServer } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { closeSentinel, directGet } from '../helpers/sentinel.js';
import { uniq, within } from '../helpers/util.js';

const SERVICE = 'mymaster';
/** The client's failoverTimeout: it also bounds the hold. */
const FAILOVER_TIMEOUT_MS = 10_000;

/** A write through `client` that records whether it settled and the client's address when it resolved. */
function trackedSet(client: Redis, key: string, value: string) {
  const state: { settled: boolean; ackedBy: Address | null } = { settled: false, ackedBy: null };
  const promise = client.set(key, value).then(
    (reply) => {
      state.settled = true;
      state.ackedBy = client.address === null ? null : [...client.address];
      return reply;
    },
    (error: unknown) => {
      state.settled = true;
      throw error;
    },
  );
  return { state, promise };
}

/**
 * SENTINEL FAILOVER, then waits until the chosen replica answers ROLE master (promoted, but not yet
 * announced). The other replica is paused from then on: the sentinel waits for it before +switch-master
 * until it is subjectively down, which keeps the window between promotion and switch open a second or more.
 */
async function openFailoverWindow(
  topology: SentinelTopology,
  sentinel: RedisSentinel,
): Promise<{ promoted: RedisServer; paused: RedisServer }> {
  const replicas = topology.replicas;
  assert.equal(replicas.length, 2);
  // Sentinel ends the promoted replica's client connections (CLIENT KILL TYPE normal): reopen them.
  const conns: (RedisConnection | null)[] = replicas.map(() => null);
  const roleOf = async (i: number): Promise<unknown> => {
    let conn = conns[i];
    if (conn == null || conn.closed) conn = conns[i] = await createConnection(replicas[i]!.address);
    return ((await conn.execute('ROLE')) as unknown[])[0];
  };
  try {
    await waitFor(`SENTINEL FAILOVER ${SERVICE} to be accepted`, () => sentinel.failover(SERVICE), {
      timeoutMs: 20_000,
      intervalMs: 100,
      retryIf: (e) => e instanceof ReplyError && /NOGOODSLAVE|INPROG/.test(e.message),
    });
    const promoted = await waitFor(
      'a replica to be promoted (ROLE master)',
      async () => {
        for (let i = 0; i < replicas.length; i++) if ((await roleOf(i)) === 'master') return replicas[i];
        return undefined;
      },
      { timeoutMs: 10_000, intervalMs: 5 },
    );
    const paused = replicas.find((r) => r !== promoted)!;
    paused.pause();
    return { promoted, paused };
  } finally {
    const open = conns.filter((c): c is RedisConnection => c !== null);
    for (const c of open) c.close();
    await Promise.all(open.map((c) => c.waitClosed()));
  }
}

function startTopology(): Promise<SentinelTopology> {
  return SentinelTopology.start({ replicas: 2, sentinels: 1, downAfterMs: 1_000, failoverTimeoutMs: 5_000 });
}

describe('holdWritesDuringFailover', () => {
  test('default (true): a write sent during the failover waits for the switch and lands on the new master', async () => {
    const topology = await startTopology();
    let sentinel: RedisSentinel | undefined;
    let paused: RedisServer | undefined;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: FAILOVER_TIMEOUT_MS });
      const client = sentinel.masterFor(SERVICE);
      assert.equal(await client.ping(), 'PONG');
      const oldMaster = topology.master.address;
      assert.deepEqual(client.address, oldMaster);
      const window = await openFailoverWindow(topology, sentinel);
      paused = window.paused;
      const key = uniq('held');
      const write = trackedSet(client, key, 'held');
      // The failover is under way and not yet announced, and the write has not been answered.
      const state = await sentinel.master(SERVICE);
      assert.ok(state.flags.includes('failover_in_progress'), `flags ${state.flags.join(',')}`);
      assert.deepEqual(await sentinel.masterAddress(SERVICE), oldMaster, 'the window closed before the write (set-up)');
      assert.equal(write.state.settled, false, 'the write was answered during the failover: it was not held');
      assert.equal(await within(FAILOVER_TIMEOUT_MS + 2_000, 'the held write', write.promise), 'OK');
      const newMaster = window.promoted.address;
      assert.deepEqual(write.state.ackedBy, newMaster, 'the held write was sent to the new master');
      assert.deepEqual(await topology.waitForMasterChange(oldMaster), newMaster);
      assert.equal(await directGet(newMaster, key), 'held');
      // Sentinel demotes the old master only 8-10 s after the switch: until then it keeps what it was sent.
      assert.equal(await directGet(oldMaster, key), null, 'the held write reached the old master');
    } finally {
      paused?.resume();
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });

  test('false: a write sent during the failover is not held; the old master acknowledges it', async () => {
    const topology = await startTopology();
    let sentinel: RedisSentinel | undefined;
    let paused: RedisServer | undefined;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, {
        failoverTimeout: FAILOVER_TIMEOUT_MS,
        holdWritesDuringFailover: false,
      });
      const client = sentinel.masterFor(SERVICE);
      assert.equal(await client.ping(), 'PONG');
      const oldMaster = topology.master.address;
      const window = await openFailoverWindow(topology, sentinel);
      paused = window.paused;
      const key = uniq('unheld');
      const write = trackedSet(client, key, 'unheld');
      assert.equal(await within(FAILOVER_TIMEOUT_MS + 2_000, 'the write', write.promise), 'OK');
      // Answered while the failover was still under way, by the old master.
      const state = await sentinel.master(SERVICE);
      assert.ok(state.flags.includes('failover_in_progress'), `flags ${state.flags.join(',')}`);
      assert.deepEqual(await sentinel.masterAddress(SERVICE), oldMaster);
      assert.deepEqual(write.state.ackedBy, oldMaster);
      assert.equal(await directGet(oldMaster, key), 'unheld');
      assert.equal(await directGet(window.promoted.address, key), null, 'the promoted replica no longer replicates');
      // The client still follows the switch once it comes.
      const newMaster = await topology.waitForMasterChange(oldMaster);
      await waitFor(
        `the client to follow the switch to ${formatAddress(newMaster)}`,
        async () => (await client.set(uniq('after'), '1')) === 'OK' && client.address?.[1] === newMaster[1],
        { timeoutMs: 5_000 },
      );
    } finally {
      paused?.resume();
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});

describe('-odown', () => {
  test('writes wait while the only master is objectively down, then resolve on it after -odown', async () => {
    const topology = await SentinelTopology.start({
      replicas: 0,
      sentinels: 1,
      quorum: 1,
      downAfterMs: 500,
      failoverTimeoutMs: 2_000,
    });
    let sentinel: RedisSentinel | undefined;
    const master = topology.master;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: FAILOVER_TIMEOUT_MS });
      const s = sentinel;
      const client = s.masterFor(SERVICE);
      assert.equal(await client.ping(), 'PONG');
      const address = client.address;
      assert.deepEqual(address, master.address);
      const key = uniq('odown');
      let settled = 0;
      let writes: Promise<PromiseSettledResult<number>[]>;
      master.pause();
      try {
        await waitFor(
          'the sentinel to report the master o_down',
          async () => (await s.master(SERVICE)).flags.includes('o_down'),
          {
            timeoutMs: 10_000,
            intervalMs: 20,
          },
        );
        // One more round trip to the sentinel, so the client has read the +odown event sent before the reply.
        assert.ok((await s.master(SERVICE)).flags.includes('o_down'));
        writes = Promise.allSettled(Array.from({ length: 5 }, () => client.incr(key).finally(() => settled++)));
        assert.ok((await s.master(SERVICE)).flags.includes('o_down'));
        assert.equal(settled, 0, 'writes settled while the master was stopped');
      } finally {
        master.resume();
      }
      const results = await within(FAILOVER_TIMEOUT_MS + 2_000, 'the waiting writes', writes);
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      assert.deepEqual(failures, [], 'waiting writes rejected');
      assert.deepEqual(
        results.map((r) => (r as PromiseFulfilledResult<number>).value),
        [1, 2, 3, 4, 5],
      );
      assert.deepEqual(client.address, address);
      assert.equal(await client.get(key), '5');
      assert.equal((await client.role()).role, 'master');
    } finally {
      master.resume();
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});
