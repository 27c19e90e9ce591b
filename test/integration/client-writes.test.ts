import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisConnection, createConnection } from '../../src/connection/connection.js';
import { Redis, SingleConnection, createRedis, createRedisPool } from '../../src/client/redis.js';
import { RedisServer, waitFor } from '../../src/testing/index.js';
import { uniq } from '../helpers/util.js';

// How queued commands leave: a long tick in several writes (the server starts early), a transaction
// whole, the durability WAIT after EXEC, and a connection left inside MULTI or WATCH never shared again.

let master: RedisServer;
let replica: RedisServer;
let helper: Redis;

before(async () => {
  master = await RedisServer.start();
  replica = await RedisServer.start({ replicaOf: master.address });
  helper = await createRedis(master.address);
  await waitFor('the replica to finish its first sync', async () => /master_link_status:up/.test(await replicaInfo()));
});

after(async () => {
  helper?.close();
  await helper?.waitClosed();
  await replica?.stop();
  await master?.stop();
});

async function replicaInfo(): Promise<string> {
  const c = await createRedis(replica.address);
  try {
    return await c.execute<string>('INFO', 'replication');
  } finally {
    c.close();
    await c.waitClosed();
  }
}

/** Counts the socket writes a connection makes from now on. */
function countWrites(conn: RedisConnection): { readonly count: number; restore(): void } {
  const socket = (conn as unknown as { socket: { write: (...args: unknown[]) => boolean } }).socket;
  const original = socket.write;
  let count = 0;
  socket.write = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
  return {
    get count() {
      return count;
    },
    restore: () => void (socket.write = original),
  };
}

/** Calls of one command on the master so far (INFO commandstats). */
async function calls(command: string): Promise<number> {
  const info = await helper.execute<string>('INFO', 'commandstats');
  const m = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return m === null ? 0 : Number(m[1]);
}

describe('write batching', () => {
  test('100 commands queued in one tick leave in several writes, in order; a short tick in one', async () => {
    const conn = await createConnection(master.address);
    try {
      const key = uniq('early');
      const writes = countWrites(conn);
      const replies = await Promise.all(Array.from({ length: 100 }, () => conn.execute('INCR', key)));
      assert.deepEqual(
        replies,
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      assert.ok(writes.count >= 4, `100 commands in one tick left in ${writes.count} write(s), expected 4 or more`);
      const writesBefore = writes.count;
      await Promise.all(Array.from({ length: 10 }, () => conn.execute('INCR', key)));
      assert.equal(writes.count - writesBefore, 1, '10 commands in one tick should leave in one write');
      writes.restore();
    } finally {
      conn.close();
    }
  });

  test('a multi() of 200 commands leaves in one write and applies atomically', async () => {
    const conn = await createConnection(master.address);
    const client = new Redis(new SingleConnection(conn, true));
    try {
      const key = uniq('multi');
      const writes = countWrites(conn);
      const m = client.multi();
      for (let i = 0; i < 200; i++) m.rpush(key, String(i));
      const results = await m.exec();
      assert.equal(writes.count, 1);
      assert.equal(results.length, 200);
      assert.deepEqual(results[199], [null, 200]);
      writes.restore();
    } finally {
      client.close();
      await client.waitClosed();
    }
  });
});

describe('durability: one WAIT per write, after EXEC', () => {
  const durability = { replicas: 1, timeout: 2_000 };

  test('writes queued in one long tick are each confirmed, one WAIT per socket write', async () => {
    const client = await createRedis(master.address, { durability });
    try {
      const key = uniq('dur');
      const conn = (client.connection as unknown as { conn: RedisConnection }).conn;
      const writes = countWrites(conn);
      const waitsBefore = await calls('wait');
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => client.set(`${key}:${i}`, 'v')));
      assert.ok(replies.every((r) => r === 'OK'));
      const waits = (await calls('wait')) - waitsBefore;
      assert.equal(waits, writes.count, `${waits} WAIT(s) for ${writes.count} write(s)`);
      writes.restore();
    } finally {
      client.close();
      await client.waitClosed();
    }
  });

  test('MULTI, SET and EXEC sent one at a time: SET is QUEUED, EXEC is confirmed (WAIT never inside MULTI)', async () => {
    const pool = await createRedisPool(master.address, { durability, maxsize: 2 });
    const replicaClient = await createRedis(replica.address);
    try {
      const key = uniq('dur-multi');
      const result = await pool.withConnection(async (c) => {
        assert.equal(await c.execute('MULTI'), 'OK');
        assert.equal(await c.execute('SET', key, 'v1'), 'QUEUED');
        assert.equal(await c.execute('INCR', `${key}:n`), 'QUEUED');
        return c.execute('EXEC');
      });
      assert.deepEqual(result, ['OK', 1]);
      // EXEC resolved only after WAIT saw the replica take it.
      assert.equal(await replicaClient.get(key), 'v1');
    } finally {
      replicaClient.close();
      await replicaClient.waitClosed();
      pool.close();
      await pool.waitClosed();
    }
  });
});

describe('durability and subscriber mode', () => {
  test('a write queued in the same tick as SUBSCRIBE on one connection is confirmed (WAIT goes before SUBSCRIBE)', async () => {
    const client = await createRedis(master.address, { durability: { replicas: 1, timeout: 2_000 } });
    try {
      const key = uniq('dur-sub');
      const channel = uniq('ch');
      const set = client.set(key, 'v');
      const subscribed = client.subscribe(channel);
      assert.equal(await set, 'OK');
      assert.equal(await subscribed, 1);
      const got: string[] = [];
      client.on('message', (_ch, m) => got.push(String(m)));
      await helper.publish(channel, 'hello');
      await waitFor('the message', () => got.length === 1, { timeoutMs: 2_000 });
      assert.deepEqual(got, ['hello']);
    } finally {
      client.close();
      await client.waitClosed();
    }
  });
});

describe('a borrowed connection left in a transaction is not shared again', () => {
  test('after MULTI without EXEC, pool commands get real replies (not QUEUED)', async () => {
    const pool = await createRedisPool(master.address, { minsize: 1, maxsize: 1 });
    try {
      const key = uniq('left-multi');
      await pool.set(key, 'before');
      await assert.rejects(
        pool.withConnection(async (c) => {
          await c.execute('MULTI');
          await c.execute('SET', key, 'inside');
          throw new Error('caller gave up');
        }),
        /caller gave up/,
      );
      assert.equal(await pool.get(key), 'before');
      assert.equal(await pool.set(key, 'after'), 'OK');
      assert.equal(await helper.get(key), 'after');
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('after WATCH without EXEC, a later multi() is not aborted by the stale watch', async () => {
    const pool = await createRedisPool(master.address, { minsize: 1, maxsize: 1 });
    try {
      const key = uniq('left-watch');
      await pool.withConnection(async (c) => {
        await c.execute('WATCH', key);
      });
      await helper.set(key, 'changed by someone else');
      const results = await pool.multi().set(key, 'ours').exec();
      assert.deepEqual(results, [[null, 'OK']]);
      assert.equal(await helper.get(key), 'ours');
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('WATCH then UNWATCH: the connection goes back to the pool and is reused', async () => {
    const pool = await createRedisPool(master.address, { minsize: 1, maxsize: 1 });
    try {
      const id1 = await pool.withConnection(async (c) => {
        await c.execute('WATCH', uniq('w'));
        await c.execute('UNWATCH');
        return c.execute('CLIENT', 'ID');
      });
      const id2 = await pool.execute('CLIENT', 'ID');
      assert.equal(id2, id1);
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });
});
