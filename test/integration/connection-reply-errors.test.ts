import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type Command, type RedisConnection } from '../../src/connection/connection.js';
import { ConnectionClosedError, ReadOnlyError, ReplyError, TimeoutError } from '../../src/errors.js';
import { RedisServer, waitFor } from '../../src/testing/index.js';
import { rejection, uniq } from '../helpers/util.js';

// FailureHandler.onReplyError sees every error reply of a command not yet settled and decides from the
// error's type and code; close() is told apart from a lost connection.

let master: RedisServer;
let replica: RedisServer;

before(async () => {
  master = await RedisServer.start();
  replica = await RedisServer.start({ replicaOf: master.address });
});

after(async () => {
  await replica?.stop();
  await master?.stop();
});

async function using<T>(conn: RedisConnection, body: (conn: RedisConnection) => Promise<T>): Promise<T> {
  try {
    return await body(conn);
  } finally {
    conn.close();
    await conn.waitClosed();
  }
}

interface Seen {
  name: string;
  error: ReplyError;
  connection: RedisConnection;
}

describe('FailureHandler.onReplyError', () => {
  test('sees an ordinary error reply (WRONGTYPE) and, returning false, lets the command reject', async () => {
    await using(await createConnection(master.address), async (conn) => {
      const seen: Seen[] = [];
      conn.failureHandler = {
        onReplyError: (command, error, connection) => {
          seen.push({ name: command.name, error, connection });
          return false;
        },
      };
      const key = uniq('str');
      await conn.execute('SET', key, 'text');
      const error = await rejection(conn.execute('LPUSH', key, 'x'));
      assert.ok(error instanceof ReplyError);
      assert.equal(error.code, 'WRONGTYPE');
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.name, 'LPUSH');
      assert.equal(seen[0]!.error, error, 'the command rejects with the error the handler saw');
      assert.equal(seen[0]!.connection, conn);
      assert.equal(await conn.execute('GET', key), 'text', 'replies after it are matched as before');
    });
  });

  test('a READONLY from a replica arrives as ReadOnlyError; a handler that returns true takes the command', async () => {
    await using(await createConnection(replica.address), async (conn) => {
      const taken: Command[] = [];
      conn.failureHandler = {
        onReplyError: (command, error) => {
          if (!(error instanceof ReadOnlyError)) return false;
          assert.equal(error.code, 'READONLY');
          taken.push(command);
          // What a managed pool does after sending it elsewhere: settle it itself.
          command.resolve('sent elsewhere');
          return true;
        },
      };
      assert.equal(await conn.execute('SET', uniq('k'), 'v'), 'sent elsewhere');
      assert.deepEqual(
        taken.map((c) => c.name),
        ['SET'],
      );
      // Not a READONLY: the same handler declines, and the command rejects with the server's error.
      const error = await rejection(conn.execute('NOSUCHCOMMAND'));
      assert.ok(error instanceof ReplyError && !(error instanceof ReadOnlyError), String(error));
      assert.equal(error.code, 'ERR');
      assert.equal(taken.length, 1);
    });
  });

  test('is not called for a command that already timed out', async () => {
    await using(await createConnection(master.address, { commandTimeout: 50 }), async (conn) => {
      const seen: string[] = [];
      conn.failureHandler = {
        onReplyError: (command) => {
          seen.push(command.name);
          return false;
        },
      };
      const key = uniq('str');
      await conn.execute('SET', key, 'text');
      const sleep = conn.execute('DEBUG', 'SLEEP', '0.3');
      const late = conn.execute('LPUSH', key, 'x');
      assert.ok((await rejection(late)) instanceof TimeoutError);
      assert.ok((await rejection(sleep)) instanceof TimeoutError);
      // Once a PING is answered in time, the late WRONGTYPE before it has been consumed, in order.
      await waitFor('a PING answered after the sleep', () => conn.execute('PING').then((r) => r === 'PONG'), {
        timeoutMs: 5_000,
      });
      assert.deepEqual(seen, []);
    });
  });
});

describe('close reasons', () => {
  test('close(): commands in flight say the client closed it, and the close event gives null', async () => {
    const conn = await createConnection(master.address);
    const reason = new Promise((resolve) => conn.once('close', resolve));
    const pending = conn.execute('BLPOP', uniq('list'), 0);
    await waitFor('BLPOP to be written', () => conn.inFlight === 1);
    conn.close();
    const error = await rejection(pending);
    assert.ok(error instanceof ConnectionClosedError);
    assert.match(error.message, /closed by the client/);
    assert.equal(await reason, null);
    const later = await rejection(conn.execute('PING'));
    assert.ok(later instanceof ConnectionClosedError);
    assert.equal(later.mayHaveBeenApplied, false);
    assert.match(later.message, /is closed: closed by the client$/);
  });
});
