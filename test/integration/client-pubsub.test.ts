import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedis, createRedisPool, type Redis } from '../../src/client/redis.js';
import { RedisError, ReplyError } from '../../src/errors.js';
import { RedisServer, waitFor } from '../../src/testing/index.js';
import { rejection, uniq } from '../helpers/util.js';

// Publish / subscribe over a single connection (createRedis) and over a pool.

let server: RedisServer;
let publisher: Redis;

before(async () => {
  server = await RedisServer.start();
  publisher = await createRedis(server.address);
});

after(async () => {
  publisher?.close();
  await publisher?.waitClosed();
  await server?.stop();
});

async function subscribers(channel: string): Promise<number> {
  return (await publisher.pubsubNumsub(channel))[channel] ?? 0;
}

describe('single-connection subscriber', () => {
  test('1000 messages arrive in order, to the listener and to on("message")', async () => {
    const sub = await createRedis(server.address);
    try {
      const channel = uniq('ch');
      const viaListener: string[] = [];
      const viaEvent: [string, string][] = [];
      sub.on('message', (ch, message) => viaEvent.push([ch, String(message)]));
      assert.equal(
        await sub.subscribe(channel, (message, ch) => {
          assert.equal(ch, channel);
          viaListener.push(message as string);
        }),
        1,
      );
      const receivers = await Promise.all(Array.from({ length: 1000 }, (_, i) => publisher.publish(channel, `m${i}`)));
      assert.ok(receivers.every((n) => n === 1));
      await waitFor('1000 messages', () => viaListener.length === 1000, { timeoutMs: 5_000 });
      assert.deepEqual(
        viaListener,
        Array.from({ length: 1000 }, (_, i) => `m${i}`),
      );
      assert.equal(viaEvent.length, 1000);
      assert.deepEqual(viaEvent[999], [channel, 'm999']);
    } finally {
      sub.close();
      await sub.waitClosed();
    }
  });

  test('psubscribe delivers (message, channel, pattern)', async () => {
    const sub = await createRedis(server.address);
    try {
      const prefix = uniq('news');
      const got: [string, string, string][] = [];
      assert.equal(await sub.psubscribe(`${prefix}.*`, (m, ch, p) => got.push([String(m), ch, p])), 1);
      assert.equal(await publisher.publish(`${prefix}.sport`, 'goal'), 1);
      assert.equal(await publisher.publish(`${prefix}.weather`, 'rain'), 1);
      assert.equal(await publisher.publish(`other.${prefix}`, 'ignored'), 0);
      await waitFor('2 pattern messages', () => got.length === 2, { timeoutMs: 2_000 });
      assert.deepEqual(got, [
        ['goal', `${prefix}.sport`, `${prefix}.*`],
        ['rain', `${prefix}.weather`, `${prefix}.*`],
      ]);
    } finally {
      sub.close();
      await sub.waitClosed();
    }
  });

  test('a subscribed connection refuses other commands, allows PING, and works again after unsubscribing', async () => {
    const sub = await createRedis(server.address);
    try {
      const a = uniq('a');
      const b = uniq('b');
      const pattern = `${uniq('p')}*`;
      assert.equal(await sub.subscribe([a, b]), 2);
      assert.equal(await sub.psubscribe(pattern), 3);
      const refused = await rejection(sub.get('k'));
      assert.ok(refused instanceof RedisError, String(refused));
      assert.match(refused.message, /subscriber mode/);
      assert.equal(await sub.ping(), 'PONG');
      assert.equal(await sub.ping('still here'), 'still here');

      assert.equal(await sub.unsubscribe(a), 2);
      assert.equal(await subscribers(a), 0);
      assert.equal(await subscribers(b), 1);
      assert.ok((await rejection(sub.set('k', 'v'))) instanceof RedisError, 'still subscribed to b and the pattern');
      assert.equal(await sub.unsubscribe(), 1);
      assert.equal(await sub.punsubscribe(), 0);
      assert.equal(await subscribers(b), 0);
      // Back to a normal connection.
      const key = uniq('k');
      assert.equal(await sub.set(key, 'v'), 'OK');
      assert.equal(await sub.get(key), 'v');
    } finally {
      sub.close();
      await sub.waitClosed();
    }
  });

  test('unsubscribing a connection that never subscribed resolves 0 and leaves it usable', async () => {
    const client = await createRedis(server.address);
    try {
      assert.equal(await client.unsubscribe(), 0);
      assert.equal(await client.unsubscribe(uniq('a'), uniq('b')), 0);
      assert.equal(await client.punsubscribe(uniq('p*')), 0);
      // The server answers each of those with one confirmation per name; none may be left over.
      assert.equal(await client.ping(), 'PONG');
      const key = uniq('k');
      assert.equal(await client.set(key, 'v'), 'OK');
      assert.equal(await client.get(key), 'v');
      assert.equal(client.closed, false);
    } finally {
      client.close();
      await client.waitClosed();
    }
  });

  test('a refused SUBSCRIBE (no channel) does not leave the connection in subscriber mode', async () => {
    const client = await createRedis(server.address);
    try {
      const err = await rejection(client.subscribe([]));
      assert.ok(err instanceof ReplyError, String(err));
      assert.match(err.message, /wrong number of arguments/);
      const key = uniq('k');
      assert.equal(await client.set(key, 'v'), 'OK');
      assert.equal(await client.get(key), 'v');
    } finally {
      client.close();
      await client.waitClosed();
    }
  });

  test('after unsubscribe, no more messages reach the listener', async () => {
    const sub = await createRedis(server.address);
    try {
      const channel = uniq('ch');
      const got: string[] = [];
      await sub.subscribe(channel, (m) => got.push(String(m)));
      await publisher.publish(channel, 'one');
      await waitFor('the first message', () => got.length === 1, { timeoutMs: 2_000 });
      assert.equal(await sub.unsubscribe(channel), 0);
      assert.equal(await publisher.publish(channel, 'two'), 0);
      // A PING round trip on the subscriber orders after anything the server could still push.
      assert.equal(await sub.ping(), 'PONG');
      assert.deepEqual(got, ['one']);
    } finally {
      sub.close();
      await sub.waitClosed();
    }
  });

  test('a Buffer subscriber (encoding: null) gets message payloads as bytes', async () => {
    const sub = await createRedis(server.address, { encoding: null });
    try {
      const channel = uniq('bin');
      const got: (string | Buffer)[] = [];
      await sub.subscribe(channel, (m) => got.push(m));
      const payload = Buffer.from([0xff, 0x00, 0x0d, 0x0a]);
      await publisher.publish(channel, payload);
      await waitFor('the binary message', () => got.length === 1, { timeoutMs: 2_000 });
      assert.ok(Buffer.isBuffer(got[0]));
      assert.deepEqual(got[0], payload);
      // PING stays text (as outside subscriber mode), unless the call asks for Buffers.
      assert.equal(await sub.ping(), 'PONG');
      assert.equal(await sub.ping('x'), 'x');
      assert.deepEqual(await sub.execute('PING', 'raw'), Buffer.from('raw'));
    } finally {
      sub.close();
      await sub.waitClosed();
    }
  });

  test('replies to commands queued before SUBSCRIBE in the same tick stay theirs, even arrays that look like pushes', async () => {
    const sub = await createRedis(server.address);
    try {
      const channel = uniq('ch');
      const list = uniq('list');
      // An LRANGE reply that reads like a message push, one like a subscribe confirmation, and a Buffer reply.
      await publisher.rpush(list, 'message', channel, 'not a message');
      const other = uniq('list');
      await publisher.rpush(other, 'subscribe', channel, '1');
      const bytesKey = uniq('bytes');
      await publisher.set(bytesKey, 'bytes');
      const pushed: string[] = [];
      sub.on('message', (_ch, m) => pushed.push(String(m)));
      const range = sub.lrange(list, 0, -1);
      const otherRange = sub.lrange(other, 0, -1);
      const raw = sub.execute('GET', list + ':missing');
      const asBuffer = sub.get(bytesKey, { encoding: null });
      const subscribed = sub.subscribe(channel, (m) => pushed.push(`listener:${String(m)}`));
      assert.deepEqual(await range, ['message', channel, 'not a message']);
      assert.deepEqual(await otherRange, ['subscribe', channel, '1']);
      assert.equal(await raw, null);
      assert.deepEqual(await asBuffer, Buffer.from('bytes'));
      assert.equal(await subscribed, 1);
      await publisher.publish(channel, 'real');
      await waitFor('the real message', () => pushed.length >= 2, { timeoutMs: 2_000 });
      assert.deepEqual(pushed.toSorted(), ['listener:real', 'real']);
    } finally {
      sub.close();
      await sub.waitClosed();
    }
  });
});

describe('pool subscriber', () => {
  test('subscriptions use a connection of their own; the pool keeps serving commands', async () => {
    const pool = await createRedisPool(server.address, { minsize: 1, maxsize: 4 });
    try {
      const channel = uniq('pch');
      const got: string[] = [];
      assert.equal(await pool.subscribe(channel, (m) => got.push(String(m))), 1);
      const key = uniq('k');
      assert.equal(await pool.set(key, 'v'), 'OK');
      assert.equal(await pool.get(key), 'v');
      // Publishing through the subscribing pool itself works too.
      assert.equal(await pool.publish(channel, 'self'), 1);
      for (let i = 0; i < 100; i++) await publisher.publish(channel, `p${i}`);
      await waitFor('101 messages', () => got.length === 101, { timeoutMs: 3_000 });
      assert.deepEqual(got, ['self', ...Array.from({ length: 100 }, (_, i) => `p${i}`)]);
      assert.equal(await pool.unsubscribe(channel), 0);
      assert.equal(await subscribers(channel), 0);
    } finally {
      pool.close();
      await pool.waitClosed();
    }
  });

  test('a publish to a channel nobody listens on resolves 0; errors are ReplyErrors', async () => {
    assert.equal(await publisher.publish(uniq('nobody'), 'x'), 0);
    const err = await rejection(publisher.execute('PUBLISH', 'only-channel'));
    assert.ok(err instanceof ReplyError);
  });
});
