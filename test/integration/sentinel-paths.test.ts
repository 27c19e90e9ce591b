// Paths of the Sentinel client that users rely on and no other test reaches: the bound on commands
// waiting for a master (maxQueuedCommands), SentinelPool.discoverSlave() / discover() called directly,
// a write that DurabilityError rejects, and natMap across a failover.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, sameAddress } from '../../src/address.js';
import type { Redis } from '../../src/client/redis.js';
import { DurabilityError, MasterNotFoundError, SlaveNotFoundError } from '../../src/errors.js';
import { createSentinel, createSentinelPool, type RedisSentinel, type SentinelPool } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor, type RedisServer } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { closeSentinel, directGet } from '../helpers/sentinel.js';
import { rejection, uniq, within } from '../helpers/util.js';

const SERVICE = 'mymaster';

/** Polls until the sentinel reports `server` as a healthy master again (after a restart). */
async function masterHealthy(sentinel: RedisSentinel, server: RedisServer): Promise<void> {
  await waitFor(
    `the sentinel to report ${formatAddress(server.address)} as a healthy master`,
    async () => {
      const state = await sentinel.master(SERVICE);
      return state.port === server.port && state.flags.join(',') === 'master';
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
}

/** What a command ended with, and its place in the order of settlement. */
interface Outcome {
  value?: unknown;
  error?: Error;
  rank: number;
}

describe('maxQueuedCommands with no master reachable', () => {
  const LIMIT = 5;
  const EXTRA = 3;
  let topology: SentinelTopology;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 0, sentinels: 1, downAfterMs: 500, failoverTimeoutMs: 2_000 });
  });

  after(async () => {
    await topology?.stop();
  });

  /** Sends LIMIT + EXTRA INCRs at once; each settlement gets the next rank. */
  function sendAll(client: Redis, key: string): Promise<Outcome>[] {
    let settled = 0;
    return Array.from({ length: LIMIT + EXTRA }, () =>
      client.incr(key).then(
        (value) => ({ value, rank: settled++ }),
        (error: Error) => ({ error, rank: settled++ }),
      ),
    );
  }

  /** The EXTRA commands over the limit reject first, with MasterNotFoundError saying how many wait. */
  async function checkOverflow(outcomes: Promise<Outcome>[]): Promise<void> {
    const over = await within(2_000, 'the commands over maxQueuedCommands', Promise.all(outcomes.slice(LIMIT)));
    for (const o of over) {
      assert.ok(o.error instanceof MasterNotFoundError, `rejected with ${String(o.error)}`);
      assert.match(o.error.message, new RegExp(`\\b${LIMIT} commands already wait`));
      assert.ok(o.rank < EXTRA, `an over-limit command settled after a queued one (rank ${o.rank})`);
    }
  }

  test('over the limit, commands reject at once; the queued ones reject after failoverTimeout', async () => {
    const failoverTimeout = 1_500;
    const master = topology.master;
    let sentinel: RedisSentinel | undefined;
    await master.kill('SIGKILL');
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { maxQueuedCommands: LIMIT, failoverTimeout });
      const sent = performance.now();
      const outcomes = sendAll(sentinel.masterFor(SERVICE), uniq('queued'));
      await checkOverflow(outcomes);
      const queued = await within(
        failoverTimeout + 3_000,
        'the queued commands',
        Promise.all(outcomes.slice(0, LIMIT)),
      );
      const waited = performance.now() - sent;
      for (const o of queued) {
        assert.ok(o.error instanceof MasterNotFoundError, `settled with ${String(o.error ?? o.value)}`);
        assert.match(o.error.message, /failoverTimeout/);
        assert.equal(o.error.unknownService, false);
      }
      // Timers never fire early: a queued command that rejected sooner did not wait for a master.
      assert.ok(waited >= failoverTimeout - 20, `the queued commands rejected after ${Math.round(waited)} ms`);
    } finally {
      await closeSentinel(sentinel);
      await master.restart();
    }
  });

  test('the queued commands resolve in order once the master is back', async () => {
    const master = topology.master;
    let sentinel: RedisSentinel | undefined;
    await master.kill('SIGKILL');
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, {
        maxQueuedCommands: LIMIT,
        failoverTimeout: 15_000,
      });
      const key = uniq('queued');
      const outcomes = sendAll(sentinel.masterFor(SERVICE), key);
      await checkOverflow(outcomes);
      await master.restart();
      await masterHealthy(sentinel, master);
      const queued = await within(15_000, 'the queued commands', Promise.all(outcomes.slice(0, LIMIT)));
      assert.deepEqual(
        queued.map((o) => o.error?.message ?? o.value),
        Array.from({ length: LIMIT }, (_, i) => i + 1),
      );
      assert.equal(await directGet(master.address, key), String(LIMIT));
    } finally {
      await closeSentinel(sentinel);
      if (!master.running) await master.restart();
    }
  });
});

describe('SentinelPool used directly', () => {
  test('discoverSlave resolves a connected replica of the right master; an unknown service is said so', async () => {
    const topology = await SentinelTopology.start({ replicas: 1, sentinels: 1 });
    let pool: SentinelPool | undefined;
    try {
      pool = await createSentinelPool(topology.sentinelAddresses);
      const conn = await pool.discoverSlave(SERVICE);
      try {
        assert.equal(conn.closed, false);
        assert.deepEqual(conn.address, topology.replicas[0]!.address);
        const role = (await conn.execute('ROLE')) as unknown[];
        assert.equal(role[0], 'slave');
        assert.deepEqual([role[1], role[2]], topology.master.address);
      } finally {
        conn.close();
        await conn.waitClosed();
      }
      const error = await rejection(pool.discoverSlave('no-such-service'));
      assert.ok(error instanceof SlaveNotFoundError, `rejected with ${String(error)}`);
      assert.equal(error.unknownService, true);
    } finally {
      pool?.close();
      await pool?.waitClosed();
      await topology.stop();
    }
  });

  test('discover() after a sentinel restart: commands and failover events work again', async () => {
    const topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, failoverTimeoutMs: 2_000 });
    let pool: SentinelPool | undefined;
    try {
      // No periodic check: only the event subscription can tell the pool about the switch.
      pool = await createSentinelPool(topology.sentinelAddresses, { masterCheckInterval: 0 });
      const managed = pool.masterFor(SERVICE);
      assert.equal(await managed.execute('PING'), 'PONG');
      const oldMaster = managed.address!;
      assert.deepEqual(oldMaster, topology.master.address);
      await topology.sentinelServers[0]!.restart();
      await pool.discover();
      assert.equal(await pool.execute('PING'), 'PONG');
      const conn = await pool.discoverMaster(SERVICE);
      assert.deepEqual(conn.address, oldMaster);
      conn.close();
      await conn.waitClosed();
      const newMaster = await topology.failover();
      // Sentinel demotes the old master only 8-10 s after the switch: until then nothing but the event moves the pool.
      await waitFor(
        `the pool to follow +switch-master to ${formatAddress(newMaster)}`,
        () => managed.address !== null && sameAddress(managed.address, newMaster),
        { timeoutMs: 4_000 },
      );
      assert.equal(await managed.execute('SET', uniq('after'), '1'), 'OK');
      assert.deepEqual(managed.address, newMaster);
    } finally {
      pool?.close();
      await pool?.waitClosed();
      await topology.stop();
    }
  });
});

describe('durability and natMap', () => {
  test('durability: a write the paused replica cannot confirm rejects DurabilityError, and is on the master', async () => {
    const topology = await SentinelTopology.start({ replicas: 1, sentinels: 1 });
    let sentinel: RedisSentinel | undefined;
    const replica = topology.replicas[0]!;
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { durability: { replicas: 1, timeout: 100 } });
      const client = sentinel.masterFor(SERVICE);
      assert.equal(await client.ping(), 'PONG');
      const key = uniq('durable');
      replica.pause();
      try {
        const error = await within(5_000, 'the unconfirmed write', rejection(client.set(key, 'unconfirmed')));
        assert.ok(error instanceof DurabilityError, `rejected with ${String(error)}`);
        assert.equal(error.mayHaveBeenApplied, true);
        // Applied but unconfirmed: the master has it.
        assert.equal(await directGet(topology.master.address, key), 'unconfirmed');
      } finally {
        replica.resume();
      }
      await topology.waitForReplicas();
      // The resumed replica may still be catching up when the first WAIT's 100 ms run out on a busy machine:
      // what matters is that a write resolves only once the replica has it.
      let confirmed = '';
      await waitFor(
        'a write the resumed replica confirms',
        async () => {
          confirmed = uniq('durable');
          return client.set(confirmed, 'confirmed').then(
            (reply) => reply === 'OK',
            (error: unknown) => {
              if (error instanceof DurabilityError) return false;
              throw error;
            },
          );
        },
        { timeoutMs: 10_000 },
      );
      // WAIT counted the replica, so it has applied the write already.
      assert.equal(await directGet(replica.address, confirmed), 'confirmed');
    } finally {
      replica.resume();
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });

  test('natMap: the mapped host is used before and after a failover, for the new master too', async () => {
    const topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, failoverTimeoutMs: 2_000 });
    let sentinel: RedisSentinel | undefined;
    let sampler: NodeJS.Timeout | undefined;
    try {
      // A different host string for the same servers, as a NAT would announce them.
      const natMap = Object.fromEntries(
        topology.servers.map((s) => [`${s.host}:${s.port}`, { host: 'localhost', port: s.port }]),
      );
      sentinel = await createSentinel(topology.sentinelAddresses, { natMap });
      const client = sentinel.masterFor(SERVICE);
      const oldPort = topology.master.port;
      assert.equal(await client.set(uniq('nat'), 'before'), 'OK');
      assert.deepEqual(client.address, ['localhost', oldPort]);
      assert.deepEqual(await sentinel.masterAddress(SERVICE), ['localhost', oldPort]);
      const seen = new Set<string>();
      sampler = setInterval(() => {
        if (client.address !== null) seen.add(formatAddress(client.address));
      }, 5);
      const newMaster = await topology.failover();
      const expected: Address = ['localhost', newMaster[1]];
      await waitFor(
        `the client to follow the failover to ${formatAddress(expected)}`,
        () => client.address !== null && sameAddress(client.address, expected),
        { timeoutMs: 5_000 },
      );
      assert.equal(await client.set(uniq('nat'), 'after'), 'OK');
      assert.equal((await client.role()).role, 'master');
      assert.deepEqual(client.address, expected);
      assert.deepEqual(await sentinel.masterAddress(SERVICE), expected);
      clearInterval(sampler);
      const unmapped = [...seen].filter((a) => !a.startsWith('localhost:'));
      assert.deepEqual(unmapped, [], 'addresses the client used that natMap did not map');
    } finally {
      clearInterval(sampler);
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});
