import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from '../../src/connection/connection.js';
import { createRedis, createRedisPool } from '../../src/client/redis.js';
import { ConnectionClosedError, PoolClosedError, RedisError, TimeoutError } from '../../src/errors.js';
import { RedisServer, freePort, waitFor } from '../../src/testing/index.js';
import { FakeServer } from '../helpers/fake-server.js';
import { NO_WAIT_BOUND_MS, rejection, timed, uniq, within } from '../helpers/util.js';

// Connect failures, connect and command timeouts, the server dying with commands in flight, close().

let server: RedisServer;

before(async () => {
  server = await RedisServer.start();
});

after(async () => {
  await server?.stop();
});

describe('connecting', () => {
  test('a closed port rejects ConnectionClosedError at once, not a TimeoutError after connectTimeout', async () => {
    const port = await freePort();
    const creators: ((address: [string, number], options: object) => Promise<unknown>)[] = [
      createConnection,
      createRedis,
      createRedisPool,
    ];
    for (const create of creators) {
      // Waiting for the 60 s connectTimeout would end in a TimeoutError (and this bound): the error type says it did not.
      const r = await within(
        30_000,
        `${create.name} against a closed port`,
        timed(() => create(['127.0.0.1', port], { connectTimeout: 60_000 })),
      );
      assert.equal(r.ok, false, `${create.name} should fail`);
      assert.ok(r.error instanceof ConnectionClosedError, `${create.name}: ${String(r.error)}`);
      assert.ok(r.error instanceof RedisError);
      assert.match(r.error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    }
  });

  test('a server that accepts and never answers AUTH: TimeoutError after connectTimeout, nothing left open', async () => {
    const blackhole = await FakeServer.start(() => undefined);
    try {
      const r = await timed(() => createRedis(blackhole.address, { password: 'pw', connectTimeout: 200 }));
      assert.equal(r.ok, false);
      assert.ok(r.error instanceof TimeoutError, String(r.error));
      assert.ok(!(r.error as Error).message.includes('pw '), 'no password in the message');
      // Not before connectTimeout (a lower bound: a slow machine only makes it later).
      assert.ok(r.ms >= 150, `took ${r.ms} ms`);
      assert.equal(blackhole.accepted, 1);
      assert.match(Buffer.concat(blackhole.received[0]!).toString(), /AUTH/);
      // The client closed its socket: the fake server sees the connection end.
      await waitFor('the client socket to close', () => blackhole.sockets.size === 0, { timeoutMs: 2_000 });
    } finally {
      await blackhole.close();
    }
  });

  test('a pool against the blackhole rejects TimeoutError too', async () => {
    const blackhole = await FakeServer.start(() => undefined);
    try {
      const r = await within(
        10_000,
        'createRedisPool against the blackhole',
        timed(() => createRedisPool(blackhole.address, { password: 'pw', connectTimeout: 200 })),
      );
      assert.ok(r.error instanceof TimeoutError, String(r.error));
      assert.ok(r.ms >= 150, `took ${r.ms} ms`);
      await waitFor('the pool sockets to close', () => blackhole.sockets.size === 0, { timeoutMs: 2_000 });
    } finally {
      await blackhole.close();
    }
  });
});

describe('commandTimeout', () => {
  test('a server paused past commandTimeout 100: TimeoutError before it answers; the connection works afterwards', async () => {
    const client = await createRedis(server.address, { commandTimeout: 100 });
    const pauser = await createConnection(server.address);
    try {
      const key = uniq('to');
      await client.set(key, 'before');
      // The pause is in force before the GETs are sent (the OK says so) and ends by itself after 2 s.
      assert.equal(await pauser.execute('CLIENT', 'PAUSE', '2000', 'ALL'), 'OK');
      const t0 = performance.now();
      const stalled = client.get(key);
      const queuedBehind = client.get(key);
      // Postponed like the GETs: it resolves when the server would have answered them.
      const serverBack = pauser.execute('PING');
      const first = await Promise.race([
        rejection(stalled),
        serverBack.then(() => new Error('the server answered before the GET timed out')),
      ]);
      const ms = performance.now() - t0;
      assert.ok(first instanceof TimeoutError, String(first));
      assert.ok(ms >= 90, `timed out after ${ms} ms, before commandTimeout`);
      assert.ok((await rejection(queuedBehind)) instanceof TimeoutError);
      assert.equal(await serverBack, 'PONG');
      // Once the server wakes up, late replies are skipped and new commands get their own replies.
      await waitFor('the server to answer again', async () => (await client.ping('back')) === 'back', {
        timeoutMs: 3_000,
      });
      assert.equal(await client.set(key, 'after'), 'OK');
      const [a, b, c] = await Promise.all([client.get(key), client.incr(uniq('n')), client.ping('x')]);
      assert.deepEqual([a, b, c], ['after', 1, 'x']);
      assert.equal(client.closed, false);
    } finally {
      client.close();
      pauser.close();
      await Promise.all([client.waitClosed(), pauser.waitClosed()]);
    }
  });

  test('a command that answers in time is not affected, and BLPOP is exempt', async () => {
    const client = await createRedis(server.address, { commandTimeout: 100 });
    try {
      const key = uniq('to');
      assert.equal(await client.execute('DEBUG', 'SLEEP', '0.02'), 'OK');
      const r = await timed(() => client.blpop(key, 0.3));
      assert.equal(r.ok, true, String(r.error));
      assert.equal(r.value, null);
      assert.ok(r.ms >= 250, `BLPOP returned after ${r.ms} ms`);
    } finally {
      client.close();
      await client.waitClosed();
    }
  });
});

describe('the server dies with commands in flight', () => {
  test('SIGKILL: every written command rejects ConnectionClosedError with mayHaveBeenApplied', async () => {
    const victim = await RedisServer.start();
    try {
      const client = await createRedis(victim.address);
      const pool = await createRedisPool(victim.address, { minsize: 2 });
      const probe = await createRedis(victim.address, { commandTimeout: 50 });
      const key = uniq('kill');
      // The INCRs behind DEBUG SLEEP on the same connection cannot be answered before the sleep ends.
      const sleeping = client.execute('DEBUG', 'SLEEP', '5');
      const inFlight = [sleeping, ...Array.from({ length: 1000 }, () => client.incr(key))];
      // The pool's commands go out once the server is asleep (a PING no longer answers), so none is answered.
      await waitFor(
        'the server to fall asleep',
        async () => (await probe.ping().catch((e: unknown) => e)) instanceof TimeoutError,
        { timeoutMs: 2_000, intervalMs: 5 },
      );
      inFlight.push(...Array.from({ length: 1000 }, () => pool.incr(key)));
      const settled = Promise.allSettled(inFlight);
      // Let the writes leave, then kill the server.
      await new Promise((resolve) => setImmediate(resolve));
      await victim.kill('SIGKILL');
      probe.close();
      const outcomes = await within(3_000, 'the in-flight commands', settled);
      for (const [i, o] of outcomes.entries()) {
        assert.equal(o.status, 'rejected', `command ${i} resolved`);
        const err = (o as PromiseRejectedResult).reason as ConnectionClosedError;
        if (!(err instanceof ConnectionClosedError)) assert.fail(`command ${i}: ${String(err)}`);
        if (err.mayHaveBeenApplied !== true) assert.fail(`command ${i}: mayHaveBeenApplied is false`);
      }
      // Later commands fail at once: the single connection is gone, the pool cannot reconnect.
      const late = await rejection(within(3_000, 'a command after the kill', client.get(key)));
      assert.ok(late instanceof ConnectionClosedError, String(late));
      assert.equal((late as ConnectionClosedError).mayHaveBeenApplied, false);
      const latePool = await rejection(within(3_000, 'a pool command after the kill', pool.get(key)));
      assert.ok(latePool instanceof ConnectionClosedError, String(latePool));
      client.close();
      pool.close();
      await within(3_000, 'waitClosed', Promise.all([client.waitClosed(), pool.waitClosed(), probe.waitClosed()]));
    } finally {
      await victim.stop();
    }
  });

  test('a pool reconnects once the server is back', async () => {
    const victim = await RedisServer.start();
    try {
      const pool = await createRedisPool(victim.address, { minsize: 1 });
      try {
        const key = uniq('back');
        await pool.set(key, 'v');
        await victim.restart();
        // The old connection is dead; the next command opens a new one (the restart lost the data).
        await waitFor('the pool to reconnect', async () => (await pool.ping()) === 'PONG', { timeoutMs: 3_000 });
        assert.equal(await pool.get(key), null);
      } finally {
        pool.close();
        await pool.waitClosed();
      }
    } finally {
      await victim.stop();
    }
  });
});

describe('close()', () => {
  test('commands not yet written reject with mayHaveBeenApplied false; later ones reject at once', async () => {
    const conn = await createConnection(server.address);
    const pending = [conn.execute('PING'), conn.execute('INCR', uniq('c'))];
    conn.close();
    assert.equal(conn.closed, true);
    for (const p of pending) {
      const err = await rejection(p);
      assert.ok(err instanceof ConnectionClosedError, String(err));
      assert.equal(err.mayHaveBeenApplied, false);
    }
    const late = await rejection(conn.execute('PING'));
    assert.ok(late instanceof ConnectionClosedError);
    await within(NO_WAIT_BOUND_MS, 'waitClosed', conn.waitClosed());
  });

  test('closing a client with written commands in flight rejects them, nothing hangs', async () => {
    const client = await createRedis(server.address);
    const sleeping = client.execute('DEBUG', 'SLEEP', '0.3');
    await new Promise((resolve) => setImmediate(resolve));
    client.close();
    const err = await rejection(within(NO_WAIT_BOUND_MS, 'the in-flight command', sleeping));
    assert.ok(err instanceof ConnectionClosedError, String(err));
    assert.equal(err.mayHaveBeenApplied, true);
    await within(NO_WAIT_BOUND_MS, 'waitClosed', client.waitClosed());
  });

  test('after close() every call rejects PoolClosedError (single client and pool)', async () => {
    const client = await createRedis(server.address);
    const pool = await createRedisPool(server.address);
    client.close();
    pool.close();
    assert.equal(client.closed, true);
    assert.equal(pool.closed, true);
    for (const c of [client, pool]) {
      assert.ok((await rejection(c.get('k'))) instanceof PoolClosedError);
      assert.ok((await rejection(c.execute('PING'))) instanceof PoolClosedError);
      const [[pipeErr]] = (await c.pipeline().get('k').exec()) as [[Error | null, unknown]];
      assert.ok(pipeErr instanceof PoolClosedError, String(pipeErr));
    }
    await Promise.all([client.waitClosed(), pool.waitClosed()]);
  });
});
