import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { createConnection } from '../../src/connection/connection.js';
import { createRedis, createRedisPool } from '../../src/client/redis.js';
import { AuthError, ConnectionClosedError, ProtocolError, RedisError } from '../../src/errors.js';
import { waitFor } from '../../src/testing/index.js';
import { FakeServer, onCommands } from '../helpers/fake-server.js';
import { rejection, within } from '../helpers/util.js';

// Bytes a real redis-server never sends, from a fake TCP server: the client must fail the connection
// with a typed error, settle every command, and never throw out of a socket callback.

const uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => {
  uncaught.push(error);
};

before(() => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});

after(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

afterEach(async () => {
  // Give stray socket events a turn to surface before checking.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(uncaught.splice(0), [], 'no uncaught exception or unhandled rejection');
});

/** A fake server that answers each command with `reply(args, socket)` (nothing when it returns null). */
function scripted(reply: (args: string[], socket: Socket) => string | Buffer | null): Promise<FakeServer> {
  return FakeServer.start((socket) =>
    onCommands(socket, (args) => {
      const out = reply(args, socket);
      if (out !== null) socket.write(out);
    }),
  );
}

/** Answers PING with PONG and GET with `$1 v`; every other command gets `special(args)`. */
function mostlyHonest(special: (name: string, socket: Socket) => string | null): Promise<FakeServer> {
  return scripted((args, socket) => {
    const name = args[0]!.toUpperCase();
    if (name === 'PING') return '+PONG\r\n';
    if (name === 'GET') return '$1\r\nv\r\n';
    return special(name, socket);
  });
}

describe('garbage from the server', () => {
  test('an unknown reply type byte rejects ProtocolError, for the command and those behind it', async () => {
    const fake = await mostlyHonest((name) => (name === 'GARBAGE' ? '%%%garbage\r\n' : null));
    try {
      const conn = await createConnection(fake.address);
      assert.equal(await conn.execute('PING'), 'PONG');
      const results = await within(
        2_000,
        'the commands',
        Promise.allSettled([conn.execute('GARBAGE'), conn.execute('NEVERANSWERED'), conn.execute('NEITHER')]),
      );
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const err = (r as PromiseRejectedResult).reason as Error;
        assert.ok(err instanceof ProtocolError, String(err));
        assert.ok(err instanceof RedisError);
      }
      assert.match((results[0] as PromiseRejectedResult).reason.message, /Protocol error/);
      assert.equal(conn.closed, true);
      // The connection is failed for good: later commands reject at once with the same kind of error.
      assert.ok((await rejection(conn.execute('PING'))) instanceof ProtocolError);
      await within(1_000, 'waitClosed', conn.waitClosed());
      await waitFor('the client to drop the socket', () => fake.sockets.size === 0, { timeoutMs: 2_000 });
    } finally {
      await fake.close();
    }
  });

  test('garbage right after a valid reply in the same chunk: the valid one resolves', async () => {
    const fake = await mostlyHonest((name) => (name === 'TWO' ? '+first\r\n!!not resp\r\n' : null));
    try {
      const client = await createRedis(fake.address);
      const [a, b] = await within(
        2_000,
        'the commands',
        Promise.allSettled([client.execute('TWO'), client.execute('SECOND')]),
      );
      assert.deepEqual(a, { status: 'fulfilled', value: 'first' });
      assert.equal(b.status, 'rejected');
      assert.ok((b as PromiseRejectedResult).reason instanceof ProtocolError);
      client.close();
      await client.waitClosed();
    } finally {
      await fake.close();
    }
  });

  test('garbage inside an array reply rejects ProtocolError', async () => {
    const fake = await mostlyHonest((name) => (name === 'ARR' ? '*3\r\n$1\r\na\r\n:1\r\n&oops\r\n' : null));
    try {
      const conn = await createConnection(fake.address);
      const err = await rejection(within(2_000, 'ARR', conn.execute('ARR')));
      assert.ok(err instanceof ProtocolError, String(err));
      await conn.waitClosed();
    } finally {
      await fake.close();
    }
  });

  test('a reply with no command waiting fails the connection with ProtocolError', async () => {
    const fake = await mostlyHonest((name) => (name === 'DOUBLE' ? '+one\r\n+unasked\r\n' : null));
    try {
      const conn = await createConnection(fake.address);
      assert.equal(await within(2_000, 'DOUBLE', conn.execute('DOUBLE')), 'one');
      await within(2_000, 'the close', conn.waitClosed());
      assert.equal(conn.closed, true);
      const err = await rejection(conn.execute('PING'));
      assert.ok(err instanceof ProtocolError, String(err));
      assert.match(err.message, /no command waiting/);
    } finally {
      await fake.close();
    }
  });

  test('an error reply with no command waiting fails the connection with ProtocolError', async () => {
    const fake = await scripted(() => null);
    try {
      const conn = await createConnection(fake.address);
      await waitFor('the fake server to accept', () => fake.sockets.size === 1, { timeoutMs: 2_000 });
      for (const s of fake.sockets) s.write('-ERR out of the blue\r\n');
      await within(2_000, 'the close', conn.waitClosed());
      const err = await rejection(conn.execute('PING'));
      assert.ok(err instanceof ProtocolError, String(err));
    } finally {
      await fake.close();
    }
  });
});

describe('truncated replies', () => {
  test('a bulk string cut short, then close: ConnectionClosedError with mayHaveBeenApplied', async () => {
    const fake = await mostlyHonest((name, socket) => {
      if (name === 'TRUNC') socket.end('$5\r\nab');
      return null;
    });
    try {
      const conn = await createConnection(fake.address);
      const results = await within(
        2_000,
        'the commands',
        Promise.allSettled([conn.execute('TRUNC'), conn.execute('GET', 'k')]),
      );
      for (const r of results) {
        const err = (r as PromiseRejectedResult).reason as ConnectionClosedError;
        assert.ok(err instanceof ConnectionClosedError, String(err));
        assert.equal(err.mayHaveBeenApplied, true);
      }
      await conn.waitClosed();
    } finally {
      await fake.close();
    }
  });

  test('an array cut short in the middle, then close: ConnectionClosedError', async () => {
    const fake = await mostlyHonest((name, socket) => {
      if (name === 'HALF') socket.end('*3\r\n$1\r\na\r\n$3\r\nbc');
      return null;
    });
    try {
      const client = await createRedis(fake.address);
      const err = await rejection(within(2_000, 'HALF', client.execute('HALF')));
      assert.ok(err instanceof ConnectionClosedError, String(err));
      client.close();
      await client.waitClosed();
    } finally {
      await fake.close();
    }
  });

  test('the server closes during AUTH: connect rejects ConnectionClosedError, nothing hangs', async () => {
    const fake = await FakeServer.start((socket) => socket.once('data', () => socket.destroy()));
    try {
      const err = await rejection(within(2_000, 'connect', createRedis(fake.address, { password: 'pw' })));
      assert.ok(err instanceof ConnectionClosedError, String(err));
    } finally {
      await fake.close();
    }
  });

  test('garbage in answer to AUTH: connect rejects ProtocolError', async () => {
    const fake = await scripted(() => '?what\r\n');
    try {
      const err = await rejection(within(2_000, 'connect', createConnection(fake.address, { password: 'pw' })));
      assert.ok(err instanceof ProtocolError, String(err));
    } finally {
      await fake.close();
    }
  });

  test('an AUTH error reply from the fake server is an AuthError', async () => {
    const fake = await scripted(() => '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    try {
      const err = await rejection(createConnection(fake.address, { password: 'pw' }));
      assert.ok(err instanceof AuthError, String(err));
    } finally {
      await fake.close();
    }
  });
});

describe('pools recover from a failed connection', () => {
  test('after garbage kills one connection, the next command goes over a fresh one', async () => {
    let garbageSent = false;
    const fake = await mostlyHonest((name) => {
      if (name !== 'BREAK') return null;
      garbageSent = true;
      return '%garbage\r\n';
    });
    try {
      const pool = await createRedisPool(fake.address, { minsize: 1 });
      try {
        assert.equal(await pool.get('k'), 'v');
        const err = await rejection(within(2_000, 'BREAK', pool.execute('BREAK')));
        assert.ok(err instanceof ProtocolError, String(err));
        assert.equal(garbageSent, true);
        assert.equal(await within(2_000, 'GET on a new connection', pool.get('k')), 'v');
        assert.equal(fake.accepted, 2);
      } finally {
        pool.close();
        await pool.waitClosed();
      }
    } finally {
      await fake.close();
    }
  });
});
