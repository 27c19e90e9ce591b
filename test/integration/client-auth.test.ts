import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from '../../src/connection/connection.js';
import { createRedis, createRedisPool } from '../../src/client/redis.js';
import { AuthError, RedisError, ReplyError } from '../../src/errors.js';
import { RedisServer } from '../../src/testing/index.js';
import { rejection, uniq } from '../helpers/util.js';

// AUTH: legacy password, missing password (NOAUTH), ACL username + password, no password configured.

const PASSWORD = 's3cret pass "quoted"';
let secured: RedisServer;
let open: RedisServer;

before(async () => {
  [secured, open] = await Promise.all([RedisServer.start({ password: PASSWORD }), RedisServer.start()]);
  const admin = await createRedis(secured.address, { password: PASSWORD });
  try {
    assert.equal(await admin.execute('ACL', 'SETUSER', 'alice', 'on', '>alice-pw', '~*', '+@all'), 'OK');
    assert.equal(await admin.execute('ACL', 'SETUSER', 'bob', 'on', '>bob-pw', '~bob:*', '+@read', '+@write'), 'OK');
  } finally {
    admin.close();
    await admin.waitClosed();
  }
});

after(async () => {
  await Promise.all([secured?.stop(), open?.stop()]);
});

/** The error carries no password, in its message nor in its cause's. */
function assertNoSecret(err: Error, secret: string): void {
  const texts = [err.message, String(err.stack)];
  if (err.cause instanceof Error) texts.push(err.cause.message);
  for (const t of texts) assert.ok(!t.includes(secret), `error text leaks the password: ${t}`);
}

describe('legacy password (requirepass)', () => {
  test('the right password works for a connection, a client and a pool', async () => {
    const conn = await createConnection(secured.address, { password: PASSWORD });
    const client = await createRedis(secured.address, { password: PASSWORD });
    const pool = await createRedisPool(secured.address, { password: PASSWORD, minsize: 2 });
    try {
      assert.equal(await conn.execute('PING'), 'PONG');
      const key = uniq('auth');
      assert.equal(await client.set(key, 'v'), 'OK');
      const replies = await Promise.all(Array.from({ length: 10 }, () => pool.get(key)));
      assert.deepEqual(replies, Array(10).fill('v'));
    } finally {
      conn.close();
      client.close();
      pool.close();
      await Promise.all([conn.waitClosed(), client.waitClosed(), pool.waitClosed()]);
    }
  });

  test('a wrong password rejects AuthError at connect time, without the password in it', async () => {
    for (const create of [createConnection, createRedis, createRedisPool]) {
      const err = await rejection(create(secured.address, { password: 'wrong-password-123' }));
      assert.ok(err instanceof AuthError, `${create.name}: ${String(err)}`);
      assert.ok(err instanceof ReplyError);
      assert.ok(err instanceof RedisError);
      assert.match(err.message, /WRONGPASS|invalid/);
      assertNoSecret(err, 'wrong-password-123');
    }
  });

  test('a missing password: connect succeeds, the first command rejects AuthError (NOAUTH)', async () => {
    const client = await createRedis(secured.address);
    try {
      const err = await rejection(client.get('any'));
      assert.ok(err instanceof AuthError, String(err));
      assert.match(err.message, /^NOAUTH/);
      // The connection stays usable once it authenticates.
      assert.equal(await client.execute('AUTH', PASSWORD), 'OK');
      assert.equal(await client.ping(), 'PONG');
    } finally {
      client.close();
      await client.waitClosed();
    }
  });

  test('a pool without a password rejects AuthError on its first command', async () => {
    const err = await rejection(createRedisPool(secured.address, { minsize: 1 }));
    assert.ok(err instanceof AuthError, String(err));
    const lazy = await createRedisPool(secured.address, { minsize: 0 });
    try {
      const e2 = await rejection(lazy.get('k'));
      assert.ok(e2 instanceof AuthError, String(e2));
    } finally {
      lazy.close();
      await lazy.waitClosed();
    }
  });

  test('a password sent to a server without one is reported, not ignored', async () => {
    const err = await rejection(createRedis(open.address, { password: 'unneeded' }));
    assert.ok(err instanceof AuthError, String(err));
    assertNoSecret(err, 'unneeded');
  });
});

describe('ACL users (username + password)', () => {
  test('the right username and password work', async () => {
    const alice = await createRedis(secured.address, { username: 'alice', password: 'alice-pw' });
    try {
      assert.equal(await alice.execute('ACL', 'WHOAMI'), 'alice');
      const key = uniq('alice');
      await alice.set(key, '1');
      assert.equal(await alice.incr(key), 2);
    } finally {
      alice.close();
      await alice.waitClosed();
    }
  });

  test('a pool with username + password authenticates every connection', async () => {
    const pool = await createRedisPool(secured.address, { username: 'alice', password: 'alice-pw', minsize: 3 });
    try {
      const whoami = await Promise.all(Array.from({ length: 9 }, () => pool.execute('ACL', 'WHOAMI')));
      assert.deepEqual(whoami, Array(9).fill('alice'));
      assert.equal(pool.connection.closed, false);
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('a wrong password or an unknown user rejects AuthError', async () => {
    for (const [username, password] of [
      ['alice', 'not-alice-pw'],
      ['mallory', 'alice-pw'],
    ] as const) {
      const err = await rejection(createRedis(secured.address, { username, password }));
      assert.ok(err instanceof AuthError, `${username}: ${String(err)}`);
      assert.match(err.message, /^WRONGPASS/);
      assertNoSecret(err, password);
    }
  });

  test('a permission error is a ReplyError, not an AuthError', async () => {
    const bob = await createRedis(secured.address, { username: 'bob', password: 'bob-pw' });
    try {
      const key = `bob:${uniq('k')}`;
      assert.equal(await bob.set(key, 'v'), 'OK');
      const err = await rejection(bob.set('not-bobs-key', 'v'));
      assert.ok(err instanceof ReplyError, String(err));
      assert.ok(!(err instanceof AuthError));
      assert.match(err.message, /^NOPERM/);
    } finally {
      bob.close();
      await bob.waitClosed();
    }
  });
});
