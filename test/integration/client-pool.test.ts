import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../../src/pool/create-pool.js';
import { ConnectionsPool, validatePoolSize } from '../../src/pool/pool.js';
import { Redis, createRedis, createRedisPool } from '../../src/client/redis.js';
import { RedisError, ReplyError } from '../../src/errors.js';
import { RedisServer, waitFor } from '../../src/testing/index.js';
import { rejection, uniq, within } from '../helpers/util.js';

// Pool sizing, blocking commands on connections of their own, MULTI/EXEC and WATCH.

let server: RedisServer;
let helper: Redis;

before(async () => {
  server = await RedisServer.start();
  helper = await createRedis(server.address);
});

after(async () => {
  helper?.close();
  await helper?.waitClosed();
  await server?.stop();
});

/** Connections the server sees with this client name. */
async function serverConnections(name: string): Promise<number> {
  const list = await helper.execute<string>('CLIENT', 'LIST');
  return list.split('\n').filter((l) => l.includes(` name=${name} `)).length;
}

describe('pool size validation', () => {
  for (const [label, minsize, maxsize] of [
    ['minsize > maxsize', 5, 2],
    ['negative minsize', -1, 10],
    ['non-integer minsize', 1.5, 10],
    ['non-integer maxsize', 1, 2.5],
    ['maxsize 0', 0, 0],
    ['negative maxsize', 0, -3],
    ['NaN minsize', Number.NaN, 10],
    ['string maxsize', 1, '10' as unknown as number],
  ] as const) {
    test(`${label} is a TypeError, before anything connects`, async () => {
      assert.throws(() => validatePoolSize(minsize, maxsize), TypeError);
      assert.throws(() => new ConnectionsPool(server.address, { minsize, maxsize }), TypeError);
      await assert.rejects(createRedisPool(server.address, { minsize, maxsize }), TypeError);
    });
  }

  test('valid sizes are kept, defaults are 1 and 10', () => {
    assert.deepEqual(validatePoolSize(0, 1), { minsize: 0, maxsize: 1 });
    assert.deepEqual(validatePoolSize(3, 3), { minsize: 3, maxsize: 3 });
    const pool = new ConnectionsPool(server.address);
    assert.equal(pool.minsize, 1);
    assert.equal(pool.maxsize, 10);
    pool.close();
  });
});

describe('filling', () => {
  test('a ConnectionsPool with minsize 3 is empty until the first command, then holds 3', async () => {
    const name = uniq('lazy').replace(':', '-');
    const pool = new ConnectionsPool(server.address, { minsize: 3, maxsize: 5, name });
    try {
      assert.equal(pool.size, 0);
      assert.equal(await serverConnections(name), 0);
      const client = new Redis(pool);
      assert.equal(await client.ping(), 'PONG');
      assert.equal(pool.size, 3);
      assert.equal(pool.freesize, 3);
      assert.equal(await serverConnections(name), 3);
      // Commands spread over the connections; the pool does not grow past minsize for them.
      await Promise.all(Array.from({ length: 300 }, (_, i) => client.set(`${name}:${i}`, i)));
      assert.equal(pool.size, 3);
    } finally {
      pool.close();
      await pool.waitClosed();
    }
    await waitFor('the server to drop the connections', async () => (await serverConnections(name)) === 0, {
      timeoutMs: 2_000,
    });
  });

  test('createPool with minsize 0 opens nothing until used', async () => {
    const pool = await createPool(server.address, { minsize: 0, maxsize: 2 });
    try {
      assert.equal(pool.size, 0);
      assert.equal(await pool.execute('PING'), 'PONG');
      assert.equal(pool.size, 1);
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });
});

describe('blocking commands', () => {
  test('maxsize is respected under many concurrent BLPOPs, and all of them get served', async () => {
    const name = uniq('max').replace(':', '-');
    const pool = await createRedisPool(server.address, { minsize: 1, maxsize: 3, name });
    try {
      const key = uniq('queue');
      let maxSeen = 0;
      const size = (): number => (pool.connection as unknown as ConnectionsPool).size;
      const watch = setInterval(() => (maxSeen = Math.max(maxSeen, size())), 5);
      const pops = Array.from({ length: 12 }, () =>
        pool.blpop(key, 5).then((r) => {
          maxSeen = Math.max(maxSeen, size());
          return r;
        }),
      );
      try {
        await waitFor('the pool to reach maxsize', () => size() === 3, { timeoutMs: 2_000 });
        assert.equal(await serverConnections(name), 3);
        // The shared connection still carries ordinary commands while the others block.
        assert.equal(await pool.ping(), 'PONG');
        await helper.rpush(
          key,
          Array.from({ length: 12 }, (_, i) => `item${i}`),
        );
        const results = await within(5_000, 'the BLPOPs', Promise.all(pops));
        assert.deepEqual(
          results.map((r) => r![1]).toSorted(),
          Array.from({ length: 12 }, (_, i) => `item${i}`).toSorted(),
        );
        assert.ok(maxSeen <= 3, `pool grew to ${maxSeen}`);
        assert.ok(size() <= 3);
        assert.ok((await serverConnections(name)) <= 3);
      } finally {
        clearInterval(watch);
      }
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('a blocked BLPOP does not delay other commands on the pool', async () => {
    const pool = await createRedisPool(server.address);
    try {
      const key = uniq('blk');
      const other = uniq('other');
      await pool.set(other, 'ready');
      // Timeout 0: it blocks until the test pushes, so "still pending" below says nothing about speed.
      let popped = false;
      const pop = pool.blpop(key, 0);
      void pop.then(
        () => (popped = true),
        () => (popped = true),
      );
      await waitFor(
        'the BLPOP to block',
        async () => Number((await helper.info('clients')).clients!.blocked_clients) >= 1,
        { timeoutMs: 5_000, intervalMs: 5 },
      );
      // Queued behind the BLPOP they would never answer: the bound only turns that hang into a failure.
      assert.equal(await within(10_000, 'a GET while the BLPOP blocks', pool.get(other)), 'ready');
      const counters = Array.from({ length: 100 }, () => uniq('n'));
      const incrs = await within(
        10_000,
        '100 INCRs while the BLPOP blocks',
        Promise.all(counters.map((k) => pool.incr(k))),
      );
      assert.deepEqual(
        incrs,
        counters.map(() => 1),
      );
      assert.equal(popped, false, 'the BLPOP is still waiting: the other commands did not go through it');
      assert.ok(
        Number((await helper.info('clients')).clients!.blocked_clients) >= 1,
        'the BLPOP still blocks on the server',
      );
      await helper.rpush(key, 'x');
      assert.deepEqual(await within(5_000, 'the BLPOP', pop), [key, 'x']);
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('MULTI, EXEC and WATCH sent alone through a pool are refused (they would interleave)', async () => {
    const pool = await createRedisPool(server.address);
    try {
      for (const cmd of ['MULTI', 'EXEC', 'WATCH']) {
        const err = await rejection(pool.execute(cmd, ...(cmd === 'WATCH' ? ['k'] : [])));
        assert.ok(err instanceof RedisError, String(err));
        assert.match(err.message, /multi\(\)|withConnection/);
      }
      assert.equal(await pool.ping(), 'PONG');
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });
});

describe('transactions', () => {
  test('concurrent multi() blocks are atomic: each sees its own increment', async () => {
    const pool = await createRedisPool(server.address, { minsize: 2, maxsize: 4 });
    try {
      const counter = uniq('ctr');
      const log = uniq('log');
      const blocks = Array.from({ length: 50 }, (_, i) =>
        pool.multi().incr(counter).get(counter).rpush(log, `block${i}`).exec(),
      );
      // Plain commands from another client interleave with them on the server.
      const noise = Array.from({ length: 50 }, () => helper.incr(counter));
      const [results] = await Promise.all([Promise.all(blocks), Promise.all(noise)]);
      const seen = new Set<number>();
      for (const r of results) {
        assert.equal(r.length, 3);
        const [[e1, n], [e2, text], [e3, len]] = r as [[null, number], [null, string], [null, number]];
        assert.equal(e1 ?? e2 ?? e3, null);
        assert.equal(text, String(n), 'GET inside the block sees exactly its own INCR');
        seen.add(n);
        assert.ok(len >= 1 && len <= 50);
      }
      assert.equal(seen.size, 50);
      assert.equal(await pool.get(counter), '100');
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('multi() resolves per command; a runtime error rejects only its command', async () => {
    const pool = await createRedisPool(server.address);
    try {
      const key = uniq('m');
      const results = await pool.multi().set(key, 'text').incr(key).get(key).get(key, { encoding: null }).exec();
      assert.deepEqual(results[0], [null, 'OK']);
      assert.ok(results[1]![0] instanceof ReplyError);
      assert.match(results[1]![0].message, /not an integer/);
      assert.deepEqual(results[2], [null, 'text']);
      assert.deepEqual(results[3], [null, Buffer.from('text')]);
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('a command refused while queueing aborts the whole multi() (EXECABORT)', async () => {
    const key = uniq('m');
    const results = await helper.multi().set(key, '1').execute('INCRBY', key).execute('NOSUCH').exec();
    assert.equal(results.length, 3);
    for (const [err] of results) assert.ok(err instanceof ReplyError, String(err));
    assert.match(results[1]![0]!.message, /wrong number of arguments/);
    assert.match(results[2]![0]!.message, /unknown command/);
    assert.match(results[0]![0]!.message, /EXECABORT/);
    assert.equal(await helper.get(key), null, 'nothing was applied');
  });

  test('WATCH with withConnection: a clean transaction commits, a conflicting one aborts', async () => {
    const pool = await createRedisPool(server.address, { minsize: 1, maxsize: 3 });
    try {
      const key = uniq('watch');
      await pool.set(key, '10');
      const committed = await pool.withConnection(async (c) => {
        assert.equal(await c.execute('WATCH', key), 'OK');
        const value = Number(await c.get(key));
        return c
          .multi()
          .set(key, String(value * 2))
          .get(key)
          .exec();
      });
      assert.deepEqual(committed, [
        [null, 'OK'],
        [null, '20'],
      ]);
      assert.equal(await pool.get(key), '20');

      const aborted = await pool.withConnection(async (c) => {
        await c.execute('WATCH', key);
        const value = Number(await c.get(key));
        await helper.set(key, 'changed-meanwhile');
        return c
          .multi()
          .set(key, String(value + 1))
          .exec();
      });
      assert.equal(aborted.length, 1);
      assert.ok(aborted[0]![0] instanceof ReplyError);
      assert.match(aborted[0]![0].message, /WATCH/);
      assert.equal(await pool.get(key), 'changed-meanwhile');
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('withConnection many times reuses connections without piling up listeners', async () => {
    const pool = await createRedisPool(server.address, { minsize: 1, maxsize: 2 });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const key = uniq('wc');
      for (let i = 0; i < 30; i++) {
        await pool.withConnection(async (c) => {
          await c.execute('WATCH', key);
          await c.multi().incr(key).exec();
        });
      }
      assert.equal(await pool.get(key), '30');
      assert.ok((pool.connection as unknown as ConnectionsPool).size <= 2);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
        [],
      );
    } finally {
      process.off('warning', onWarning);
      pool.close();
      await pool.waitClosed();
    }
  });
});

describe('edge sizes and encodings', () => {
  test('maxsize 1: a BLPOP takes the only connection, then ordinary commands get it back', async () => {
    const pool = await createRedisPool(server.address, { minsize: 1, maxsize: 1 });
    try {
      const pop = pool.blpop(uniq('empty'), 0.2);
      const get = pool.get(uniq('k'));
      assert.equal(await within(2_000, 'the BLPOP', pop), null);
      assert.equal(await within(2_000, 'the GET behind it', get), null);
      assert.equal((pool.connection as unknown as ConnectionsPool).size, 1);
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('an encoding other than utf8 or null is refused, per client and per call', async () => {
    await assert.rejects(createRedisPool(server.address, { encoding: 'latin1' }), TypeError);
    const pool = await createRedisPool(server.address);
    try {
      await assert.rejects(pool.get('k', { encoding: 'hex' as never }), TypeError);
      assert.equal(await pool.ping(), 'PONG');
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });
});
