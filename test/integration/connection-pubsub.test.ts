import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type RedisConnection } from '../../src/connection/connection.js';
import { RedisError } from '../../src/errors.js';
import { RedisServer, waitFor } from '../../src/testing/index.js';
import { rejection, uniq } from '../helpers/util.js';

// Sharded pub/sub on one connection, against a real redis-server 7 (SSUBSCRIBE works without cluster
// mode): shard channels are tracked apart from channels and patterns, and subscriber mode ends only
// when all three are empty.

let server: RedisServer;
let publisher: RedisConnection;

before(async () => {
  server = await RedisServer.start();
  publisher = await createConnection(server.address);
});

after(async () => {
  publisher?.close();
  await publisher?.waitClosed();
  await server?.stop();
});

async function withSubscriber(body: (conn: RedisConnection) => Promise<void>): Promise<void> {
  const conn = await createConnection(server.address);
  try {
    await body(conn);
  } finally {
    conn.close();
    await conn.waitClosed();
  }
}

describe('sharded pub/sub on a connection', () => {
  test('ssubscribe, spublish from another connection, smessage, sunsubscribe, then ordinary commands', async () => {
    await withSubscriber(async (sub) => {
      const channel = uniq('shard');
      const received: [string, string][] = [];
      sub.on('smessage', (ch: string, message: unknown) => received.push([ch, String(message)]));
      assert.equal(await sub.execute('SSUBSCRIBE', channel), 1);
      assert.equal(sub.inPubSub, true);
      assert.deepEqual(sub.subscriptions, { channels: [], patterns: [], shardChannels: [channel] });
      assert.equal(await publisher.execute('SPUBLISH', channel, 'hello'), 1);
      assert.equal(await publisher.execute('SPUBLISH', channel, 'world'), 1);
      await waitFor('two smessages', () => received.length === 2, { timeoutMs: 5_000 });
      assert.deepEqual(received, [
        [channel, 'hello'],
        [channel, 'world'],
      ]);
      assert.ok((await rejection(sub.execute('GET', 'k'))) instanceof RedisError, 'GET refused in subscriber mode');
      assert.equal(await sub.execute('SUNSUBSCRIBE', channel), 0);
      assert.equal(sub.inPubSub, false);
      assert.deepEqual(sub.subscriptions, { channels: [], patterns: [], shardChannels: [] });
      const key = uniq('after');
      assert.equal(await sub.execute('SET', key, 'v'), 'OK');
      assert.equal(await sub.execute('GET', key), 'v');
      assert.equal(await publisher.execute('SPUBLISH', channel, 'late'), 0, 'nobody is subscribed any more');
    });
  });

  test('channels and shard channels side by side: leaving one kind keeps subscriber mode', async () => {
    await withSubscriber(async (sub) => {
      const plain = uniq('plain');
      const shard = uniq('shard');
      const messages: string[] = [];
      sub.on('message', (ch: string, m: unknown) => messages.push(`message ${ch === plain} ${String(m)}`));
      sub.on('smessage', (ch: string, m: unknown) => messages.push(`smessage ${ch === shard} ${String(m)}`));
      await sub.execute('SUBSCRIBE', plain);
      await sub.execute('SSUBSCRIBE', shard);
      assert.deepEqual(sub.subscriptions, { channels: [plain], patterns: [], shardChannels: [shard] });
      await publisher.execute('PUBLISH', plain, 'p1');
      await publisher.execute('SPUBLISH', shard, 's1');
      await waitFor('both messages', () => messages.length === 2, { timeoutMs: 5_000 });
      assert.deepEqual(messages.toSorted(), ['message true p1', 'smessage true s1']);

      // The server counts shard channels apart: UNSUBSCRIBE confirms with 0 although one is left.
      assert.equal(await sub.execute('UNSUBSCRIBE'), 0);
      assert.equal(sub.inPubSub, true, 'a shard channel is left');
      assert.equal(await publisher.execute('SPUBLISH', shard, 's2'), 1);
      await waitFor('the shard message after UNSUBSCRIBE', () => messages.length === 3, { timeoutMs: 5_000 });
      assert.equal(messages[2], 'smessage true s2');

      assert.equal(await sub.execute('SUNSUBSCRIBE'), 0);
      assert.equal(sub.inPubSub, false);
      assert.equal(await sub.execute('PING'), 'PONG');
    });
  });

  test('several shard channels in one SSUBSCRIBE, and PING in subscriber mode', async () => {
    await withSubscriber(async (sub) => {
      const channels = [uniq('a'), uniq('b'), uniq('c')];
      assert.equal(await sub.execute('SSUBSCRIBE', ...channels), 3);
      assert.deepEqual(sub.subscriptions.shardChannels.toSorted(), channels.toSorted());
      assert.equal(await sub.execute('PING'), 'PONG');
      assert.equal(await sub.execute('SUNSUBSCRIBE', channels[1]!), 2);
      assert.deepEqual(sub.subscriptions.shardChannels.toSorted(), [channels[0]!, channels[2]!].toSorted());
      assert.equal(sub.inPubSub, true);
      assert.equal(await sub.execute('SUNSUBSCRIBE'), 0);
      assert.equal(sub.inPubSub, false);
    });
  });
});
