// WAIT on a pooled client confirms the client's writes, whichever shared connections they went to.
// Before, WAIT took a connection of its own like a blocking command: a connection that wrote nothing,
// whose WAIT the server answers at once with every replica, so it confirmed nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedis, createRedisPool, type Redis } from '../../src/client/redis.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { closeSentinel } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

// Keeps the server busy for 150 ms, writing nothing: the connection it is on has a command in flight meanwhile.
const BUSY =
  "local t = redis.call('TIME'); local stop = t[1] * 1000000 + t[2] + 150000; " +
  "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop; return 1";

/** A SET on the pool's second connection: the first is kept busy by a script issued a tick before. */
async function setOnSecond(pool: Redis, key: string): Promise<void> {
  const busy = pool.execute('EVAL', BUSY, 0);
  await new Promise((resolve) => setImmediate(resolve));
  await Promise.all([busy, pool.set(key, 'second')]);
}

describe('WAIT on a pool', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  let admin: Redis;
  let replica: Redis;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, downAfterMs: 30_000 });
    admin = await createRedis(topology.master.address);
    replica = await createRedis(topology.replicas[0]!.address);
  });
  after(async () => {
    topology?.replicas[0]?.resume();
    admin?.close();
    replica?.close();
    await topology?.stop();
  });

  /** The pool's connections and the last command each ran, from the server's CLIENT LIST. */
  async function lastCommands(name: string): Promise<string[]> {
    const list = (await admin.execute('CLIENT', 'LIST')) as string;
    return list
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => / cmd=(\S+)/.exec(line)![1]!)
      .toSorted();
  }

  async function replicated(key: string): Promise<void> {
    await waitFor(`${key} on the replica`, async () => (await replica.get(key)) !== null);
  }

  async function twoConnectionPool(): Promise<{ pool: Redis; name: string }> {
    const name = uniq('wait').replace(':', '-');
    const pool = await createRedisPool(topology.master.address, { minsize: 2, name });
    await pool.ping();
    await waitFor('two pooled connections', async () => (await lastCommands(name)).length === 2);
    return { pool, name };
  }

  test('nothing written yet: WAIT answers at once with the replicas', async () => {
    const { pool } = await twoConnectionPool();
    try {
      assert.equal(await pool.wait(1, 5_000), 1);
    } finally {
      pool.close();
    }
  });

  test('a pool with its defaults (minsize 1): WAIT after an unconfirmed write reports 0 replicas', async () => {
    const pool = await createRedisPool(topology.master.address);
    const key = uniq('wait-default');
    try {
      topology.replicas[0]!.pause();
      await pool.set(key, 'v');
      assert.equal(await pool.wait(1, 300), 0, 'the write has not reached the frozen replica');
      topology.replicas[0]!.resume();
      assert.equal(await pool.wait(1, 10_000), 1);
    } finally {
      topology.replicas[0]!.resume();
      pool.close();
    }
  });

  test('an unconfirmed write on the second connection: WAIT reports 0 replicas', async () => {
    const { pool, name } = await twoConnectionPool();
    const key = uniq('wait-second');
    try {
      await pool.set(`${key}:first`, 'first');
      await replicated(`${key}:first`);
      topology.replicas[0]!.pause();
      await setOnSecond(pool, `${key}:second`);
      assert.deepEqual(await lastCommands(name), ['eval', 'set'], 'the writes went to two connections');
      const started = Date.now();
      assert.equal(await pool.wait(1, 300), 0, 'the second connection write has not reached the frozen replica');
      assert.ok(Date.now() - started >= 250, 'WAIT waited for its timeout');
      topology.replicas[0]!.resume();
      assert.equal(await pool.wait(1, 10_000), 1, 'once the replica runs again, every write is confirmed');
      assert.equal(await replica.get(`${key}:second`), 'second');
    } finally {
      topology.replicas[0]!.resume();
      pool.close();
    }
  });

  test('an unconfirmed write on the first connection, a confirmed one on the second: WAIT reports 0', async () => {
    const { pool, name } = await twoConnectionPool();
    const key = uniq('wait-first');
    try {
      await setOnSecond(pool, `${key}:second`);
      await replicated(`${key}:second`);
      topology.replicas[0]!.pause();
      await pool.set(`${key}:first`, 'first');
      assert.deepEqual(await lastCommands(name), ['set', 'set'], 'the writes went to two connections');
      assert.equal(await pool.wait(1, 300), 0);
      assert.equal(await pool.execute('WAIT', 1, 300), 0, 'execute("WAIT") is routed the same way');
      topology.replicas[0]!.resume();
      assert.equal(await pool.wait(1, 10_000), 1);
    } finally {
      topology.replicas[0]!.resume();
      pool.close();
    }
  });

  test('a managed pool (masterFor): the same', async () => {
    let sentinel: RedisSentinel | undefined;
    const key = uniq('wait-managed');
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { minsize: 2 });
      const master = sentinel.masterFor(topology.service);
      await master.set(`${key}:first`, 'first');
      await replicated(`${key}:first`);
      topology.replicas[0]!.pause();
      await setOnSecond(master, `${key}:second`);
      assert.equal(await master.wait(1, 300), 0);
      topology.replicas[0]!.resume();
      assert.equal(await master.wait(1, 10_000), 1);
    } finally {
      topology.replicas[0]!.resume();
      if (sentinel !== undefined) await closeSentinel(sentinel);
    }
  });
});
