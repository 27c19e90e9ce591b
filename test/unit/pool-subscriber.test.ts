import { after, afterEach, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Command } from '../../src/connection/command.js';
import { createConnection, type RedisConnection } from '../../src/connection/connection.js';
import { MasterNotFoundError, PoolClosedError } from '../../src/errors.js';
import { PoolSubscriber, type SubscriberHost, type Subscriptions } from '../../src/pool/subscriber.js';
import { waitFor } from '../../src/testing/index.js';
import { FakeServer, onCommands } from '../helpers/fake-server.js';
import { rejection, within } from '../helpers/util.js';

// A fake server that confirms the SUBSCRIBE family as Redis does (one push per name), so a real
// RedisConnection can carry the subscriptions; every command it receives is recorded per connection.
const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
let fake: FakeServer;
const commands: string[][][] = [];

before(async () => {
  fake = await FakeServer.start((socket) => {
    const mine: string[][] = [];
    commands.push(mine);
    let count = 0;
    onCommands(socket, (args) => {
      mine.push(args);
      const name = args[0]!.toLowerCase();
      const names = args.slice(1);
      if (name.endsWith('unsubscribe')) {
        if (names.length === 0) socket.write(`*3\r\n${bulk(name)}$-1\r\n:0\r\n`);
        for (const n of names) socket.write(`*3\r\n${bulk(name)}${bulk(n)}:${Math.max(0, --count)}\r\n`);
      } else if (name.endsWith('subscribe')) {
        for (const n of names) socket.write(`*3\r\n${bulk(name)}${bulk(n)}:${++count}\r\n`);
      } else {
        socket.write('+OK\r\n');
      }
    });
  });
});
after(() => fake.close());

/** A host whose openConnection the test switches between "no server" and "the fake server". */
function fakeHost(waitMs: number) {
  const events: [string, unknown[]][] = [];
  const host = {
    available: true,
    /** False: the pool moved to another server while a connection was opening. */
    current: true,
    opened: 0,
    lost: 0,
    connections: [] as RedisConnection[],
    events,
    openConnection: async (): Promise<RedisConnection> => {
      host.opened++;
      if (!host.available) throw new MasterNotFoundError('No master found for mymaster', { service: 'mymaster' });
      const conn = await createConnection(fake.address);
      host.connections.push(conn);
      return conn;
    },
    isCurrent: () => host.current,
    subscribeWaitMs: () => waitMs,
    emit: (event: string, ...args: unknown[]) => {
      events.push([event, args]);
      return true;
    },
    log: () => undefined,
    onSubscriberLost: () => {
      host.lost++;
    },
    named: (name: string) => events.filter(([e]) => e === name),
  };
  return host satisfies SubscriberHost;
}

function send(subscriber: PoolSubscriber, name: string, ...args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => subscriber.send(new Command(name, args, false, resolve, reject)));
}

const subscribers: PoolSubscriber[] = [];
function make(host: SubscriberHost): PoolSubscriber {
  const s = new PoolSubscriber(host);
  subscribers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(subscribers.splice(0).map((s) => s.close()));
});

describe('PoolSubscriber', () => {
  test('a subscribe while no server is known waits, then goes once one is', async () => {
    const host = fakeHost(10_000);
    host.available = false;
    const subscriber = make(host);
    const subscribed = send(subscriber, 'SUBSCRIBE', 'news');
    await waitFor('two failed attempts', () => host.opened >= 2);
    assert.equal(subscriber.connection, null);
    assert.deepEqual(subscriber.subscriptions.channels, ['news'], 'wanted while it waits');
    host.available = true;
    assert.equal(await within(5000, 'the subscribe', subscribed), 1);
    assert.notEqual(subscriber.connection, null);
    assert.deepEqual(commands.at(-1)?.[0], ['SUBSCRIBE', 'news']);
    assert.deepEqual(host.named('error'), []);
  });

  test('a connection opened before the pool moved on is closed, not subscribed on; the next one is used', async () => {
    const host = fakeHost(10_000);
    host.current = false;
    const subscriber = make(host);
    const subscribed = send(subscriber, 'SUBSCRIBE', 'moved');
    await waitFor('the stale connection to be closed', () => host.connections[0]?.closed === true);
    host.current = true;
    assert.equal(await within(5000, 'the subscribe', subscribed), 1);
    assert.ok(host.opened >= 2, `opened ${host.opened}`);
    assert.equal(subscriber.connection, host.connections.at(-1));
    assert.equal(host.connections[0]!.closed, true);
  });

  test('a lost connection: connects again with back-off, subscribes to everything again, emits resubscribed', async () => {
    const host = fakeHost(10_000);
    const subscriber = make(host);
    await send(subscriber, 'SUBSCRIBE', 'a', 'b');
    await send(subscriber, 'PSUBSCRIBE', 'p*');
    await send(subscriber, 'SSUBSCRIBE', 's1');
    const first = subscriber.connection;
    assert.notEqual(first, null);
    host.available = false;
    const openedBefore = host.opened;
    // The server drops the subscriber (CLIENT KILL TYPE pubsub, a failover).
    for (const socket of fake.sockets) socket.destroy();
    await waitFor('the loss is noticed', () => host.lost === 1);
    await waitFor('attempts with no server', () => host.opened >= openedBefore + 3);
    host.available = true;
    await waitFor('resubscribed', () => host.named('resubscribed').length === 1, { timeoutMs: 5000 });
    const expected: Subscriptions = { channels: ['a', 'b'], patterns: ['p*'], shardChannels: ['s1'] };
    assert.deepEqual(host.named('resubscribed')[0]![1], [expected]);
    const again = commands.at(-1)!;
    assert.deepEqual(
      again.map((c) => c.join(' ')).toSorted(),
      ['PSUBSCRIBE p*', 'SSUBSCRIBE s1', 'SUBSCRIBE a b'],
      'one command per kind, on the new connection',
    );
    assert.notEqual(subscriber.connection, first);
    assert.deepEqual(subscriber.subscriptions, expected);
    assert.deepEqual(host.named('error'), []);
  });

  test('messages on the subscriber connection go out through the host', async () => {
    const host = fakeHost(10_000);
    const subscriber = make(host);
    await send(subscriber, 'SUBSCRIBE', 'news');
    const socket = [...fake.sockets].at(-1)!;
    socket.write(`*3\r\n${bulk('message')}${bulk('news')}${bulk('hello')}`);
    await waitFor('the message', () => host.named('message').length === 1);
    assert.deepEqual(host.named('message')[0]![1], ['news', 'hello']);
  });

  test('a subscribe past its wait bound rejects with the last error, and its names are dropped', async () => {
    const host = fakeHost(150);
    host.available = false;
    const subscriber = make(host);
    const error = await within(5000, 'the subscribe', rejection(send(subscriber, 'SUBSCRIBE', 'x', 'y')));
    assert.ok(error instanceof MasterNotFoundError);
    assert.deepEqual(subscriber.subscriptions.channels, []);
    // Nothing is wanted any more: the attempts stop.
    const opened = host.opened;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(host.opened, opened);
    assert.deepEqual(host.named('error'), []);
    assert.deepEqual(host.named('warning'), []);
  });

  test('a subscribe past its bound drops only the names it added, not those held before', async () => {
    const host = fakeHost(150);
    const subscriber = make(host);
    await send(subscriber, 'SUBSCRIBE', 'kept');
    host.available = false;
    for (const socket of fake.sockets) socket.destroy();
    await waitFor('the loss is noticed', () => host.lost === 1);
    const error = await within(5000, 'the subscribe', rejection(send(subscriber, 'SUBSCRIBE', 'kept', 'new')));
    assert.ok(error instanceof MasterNotFoundError);
    assert.deepEqual(subscriber.subscriptions.channels, ['kept'], 'still to be subscribed again');
    host.available = true;
    await waitFor('resubscribed', () => host.named('resubscribed').length === 1, { timeoutMs: 5000 });
    assert.deepEqual(commands.at(-1), [['SUBSCRIBE', 'kept']]);
  });

  test('unsubscribe with no connection resolves at once and forgets the names', async () => {
    const host = fakeHost(10_000);
    host.available = false;
    const subscriber = make(host);
    const pending = send(subscriber, 'SUBSCRIBE', 'a', 'b');
    pending.catch(() => undefined);
    assert.equal(await send(subscriber, 'UNSUBSCRIBE', 'a'), 1);
    assert.deepEqual(subscriber.subscriptions.channels, ['b']);
    assert.equal(await send(subscriber, 'UNSUBSCRIBE'), 0);
    assert.deepEqual(subscriber.subscriptions.channels, []);
  });

  test('close() rejects pending subscribes with PoolClosedError; later calls too; no attempt after it', async () => {
    const host = fakeHost(10_000);
    host.available = false;
    const subscriber = make(host);
    const pending = send(subscriber, 'SUBSCRIBE', 'a');
    await waitFor('an attempt', () => host.opened >= 1);
    await subscriber.close();
    assert.ok((await rejection(pending)) instanceof PoolClosedError);
    assert.ok((await rejection(send(subscriber, 'SUBSCRIBE', 'b'))) instanceof PoolClosedError);
    const opened = host.opened;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(host.opened, opened);
  });

  test('close() closes the subscriber connection; the loss is not reported as one', async () => {
    const host = fakeHost(10_000);
    const subscriber = make(host);
    await send(subscriber, 'SUBSCRIBE', 'a');
    const conn = subscriber.connection!;
    await subscriber.close();
    assert.equal(conn.closed, true);
    assert.equal(host.lost, 0);
    assert.equal(subscriber.connection, null);
  });

  test('retire() closes the connection and the subscriptions move to the next one', async () => {
    const host = fakeHost(10_000);
    const subscriber = make(host);
    await send(subscriber, 'SUBSCRIBE', 'a');
    const first = subscriber.connection;
    subscriber.retire();
    await waitFor('resubscribed', () => host.named('resubscribed').length === 1);
    assert.notEqual(subscriber.connection, first);
    assert.deepEqual(commands.at(-1), [['SUBSCRIBE', 'a']]);
  });
});

/** A connection stand-in: answers the SUBSCRIBE family at once, closes when told. */
class MinimalConnection extends EventEmitter {
  closed = false;
  readonly address = ['127.0.0.1', 1] as const;
  enqueue(command: Command): void {
    command.resolve(1);
  }
  send(): Promise<unknown> {
    return Promise.resolve(1);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', null);
  }
  waitClosed(): Promise<void> {
    return Promise.resolve();
  }
}

/** Lets every pending promise callback run (setImmediate is not mocked). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('PoolSubscriber: a long outage', () => {
  afterEach(() => mock.timers.reset());

  test("one 'warning' per outage longer than the bound (at least 5 s), never 'error'; a new outage may warn again", async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    let available = true;
    let current: MinimalConnection | null = null;
    const events: string[] = [];
    const host: SubscriberHost = {
      openConnection: async () => {
        if (!available) throw new MasterNotFoundError('No master found for mymaster');
        current = new MinimalConnection();
        return current as unknown as RedisConnection;
      },
      isCurrent: () => true,
      subscribeWaitMs: () => 1000,
      emit: (event) => {
        events.push(event);
        return true;
      },
      log: () => undefined,
      onSubscriberLost: () => undefined,
    };
    const subscriber = new PoolSubscriber(host);
    try {
      assert.equal(await send(subscriber, 'SUBSCRIBE', 'a'), 1);
      const outage = async (ms: number) => {
        available = false;
        current!.close();
        for (let t = 0; t < ms; t += 100) {
          await flush();
          mock.timers.tick(100);
        }
        await flush();
      };
      await outage(4000);
      assert.deepEqual(events, [], 'under 5 s: no warning yet');
      for (let t = 0; t < 20_000; t += 100) {
        await flush();
        mock.timers.tick(100);
      }
      await flush();
      assert.deepEqual(events, ['warning'], 'one warning however long it lasts');
      available = true;
      mock.timers.tick(1000);
      await flush();
      await flush();
      assert.deepEqual(events, ['warning', 'resubscribed']);
      await outage(7000);
      assert.deepEqual(events, ['warning', 'resubscribed', 'warning'], 'a new outage warns again');
    } finally {
      await subscriber.close();
    }
  });
});
