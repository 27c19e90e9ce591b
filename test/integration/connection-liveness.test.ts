import { after, afterEach, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createConnection, type Command, type RedisConnection } from '../../src/connection/connection.js';
import { ConnectionClosedError } from '../../src/errors.js';
import { RedisServer, SentinelServer, waitFor } from '../../src/testing/index.js';
import { FakeServer } from '../helpers/fake-server.js';
import { rejection, uniq } from '../helpers/util.js';

// Liveness without the sentinels: TCP keep-alive, and pingInterval on idle connections (a silent
// socket from the fake server; real redis-server for everything that must keep working).

/** Against the silent fake server. */
const INTERVAL = 50;
/** Against real servers: long enough that a busy shared machine still answers a PING within it. */
const LIVE_INTERVAL = 100;

let server: RedisServer;
let helper: RedisConnection;
const opened: RedisConnection[] = [];

before(async () => {
  server = await RedisServer.start();
  helper = await createConnection(server.address, { pingInterval: 0 });
});

afterEach(async () => {
  for (const c of opened.splice(0)) {
    c.close();
    await c.waitClosed();
  }
});

after(async () => {
  helper?.close();
  await helper?.waitClosed();
  await server?.stop();
});

async function open(address: RedisConnection['address'], options: Parameters<typeof createConnection>[1]) {
  const conn = await createConnection(address, options);
  opened.push(conn);
  return conn;
}

/** Counts the PINGs a connection writes, and calls `onPing` right after each (still before its reply). */
function watchPings(conn: RedisConnection, onPing: () => void = () => undefined): { readonly count: number } {
  const socket = (conn as unknown as { socket: net.Socket }).socket;
  const original = socket.write.bind(socket) as (chunk: unknown) => boolean;
  let count = 0;
  socket.write = ((chunk: unknown) => {
    const result = original(chunk);
    if (String(chunk).includes('\r\nPING\r\n')) {
      count++;
      onPing();
    }
    return result;
  }) as typeof socket.write;
  return {
    get count() {
      return count;
    },
  };
}

/** The reason a connection's 'close' event gave. */
function closeReason(conn: RedisConnection): Promise<unknown> {
  return new Promise((resolve) => conn.once('close', resolve));
}

describe('pingInterval against a silent server', () => {
  test('an idle connection that gets no PONG is closed, the reason naming PING', async () => {
    const fake = await FakeServer.start(() => undefined);
    try {
      const conn = await open(fake.address, { pingInterval: INTERVAL });
      const reason = closeReason(conn);
      await waitFor('the silent connection to be closed', () => conn.closed, { timeoutMs: 5_000 });
      const error = await reason;
      assert.ok(error instanceof ConnectionClosedError, String(error));
      assert.match(error.message, new RegExp(`did not answer PING within ${INTERVAL} ms`));
      assert.match(Buffer.concat(fake.received[0]!).toString(), /PING/);
      const later = await rejection(conn.execute('GET', 'k'));
      assert.ok(later instanceof ConnectionClosedError);
      assert.match(later.message, /did not answer PING/);
    } finally {
      await fake.close();
    }
  });

  test('commands in flight with nothing received go through onClosed like any lost connection', async () => {
    const fake = await FakeServer.start(() => undefined);
    try {
      const conn = await open(fake.address, { pingInterval: INTERVAL });
      const lost: { names: string[]; written: boolean[]; error: ConnectionClosedError }[] = [];
      conn.failureHandler = {
        onClosed: (commands: Command[], written, error) => {
          lost.push({ names: commands.map((c) => c.name), written, error });
          for (const c of commands) c.reject(error);
        },
      };
      const get = conn.execute('GET', 'k');
      const error = await rejection(get);
      assert.ok(error instanceof ConnectionClosedError, String(error));
      assert.equal(error.mayHaveBeenApplied, true);
      assert.match(error.message, /did not answer for 100 ms with 1 command\(s\) in flight/);
      assert.deepEqual(
        lost.map((l) => [l.names, l.written]),
        [[['GET'], [true]]],
      );
      assert.equal(conn.closed, true);
    } finally {
      await fake.close();
    }
  });

  test('without pingInterval the silent idle connection stays open', async () => {
    const fake = await FakeServer.start(() => undefined);
    try {
      const conn = await open(fake.address, { pingInterval: 0 });
      // Another connection with pingInterval as the clock: it is closed after two intervals of silence.
      const clock = await open(fake.address, { pingInterval: INTERVAL });
      await waitFor('the clock connection to be closed', () => clock.closed, { timeoutMs: 5_000 });
      assert.equal(conn.closed, false);
      assert.equal(Buffer.concat(fake.received[0]!).length, 0, 'nothing was sent');
    } finally {
      await fake.close();
    }
  });
});

describe('pingInterval against redis-server', () => {
  test('an idle connection is pinged and stays open; PONGs never reach the commands behind them', async () => {
    const conn = await open(server.address, { pingInterval: LIVE_INTERVAL });
    const key = uniq('live');
    const behindPing: Promise<unknown>[] = [];
    // Each command is queued right after a PING is written, before its PONG arrives.
    const pings = watchPings(conn, () => {
      if (behindPing.length < 5) behindPing.push(conn.execute('INCR', key));
    });
    await waitFor('five commands queued behind PINGs', () => behindPing.length === 5, { timeoutMs: 10_000 });
    assert.deepEqual(await Promise.all(behindPing), [1, 2, 3, 4, 5]);
    assert.ok(pings.count >= 5);
    assert.equal(await conn.execute('GET', key), '5');
    assert.equal(conn.closed, false);
  });

  test('a subscriber connection is pinged while idle and keeps receiving messages', async () => {
    const sub = await open(server.address, { pingInterval: LIVE_INTERVAL });
    const channel = uniq('ch');
    const shard = uniq('shard');
    const messages: string[] = [];
    sub.on('message', (_ch: string, m: unknown) => messages.push(String(m)));
    sub.on('smessage', (_ch: string, m: unknown) => messages.push(String(m)));
    await sub.execute('SUBSCRIBE', channel);
    await sub.execute('SSUBSCRIBE', shard);
    const pings = watchPings(sub);
    for (let i = 1; i <= 3; i++) {
      const earlier = pings.count;
      await waitFor(`PING ${i} in subscriber mode`, () => pings.count > earlier, { timeoutMs: 5_000 });
      assert.equal(await helper.execute('PUBLISH', channel, `m${i}`), 1);
      assert.equal(await helper.execute('SPUBLISH', shard, `s${i}`), 1);
      await waitFor(`messages of round ${i}`, () => messages.length === 2 * i, { timeoutMs: 5_000 });
    }
    assert.deepEqual(messages, ['m1', 's1', 'm2', 's2', 'm3', 's3']);
    assert.equal(sub.closed, false);
    assert.equal(sub.inPubSub, true);
    assert.equal(await sub.execute('PING'), 'PONG', "the user's own PING still gets its reply");
  });

  test('no PING while a blocking command waits, and the connection is not taken for dead', async () => {
    const blocked = await open(server.address, { pingInterval: LIVE_INTERVAL });
    const clock = await open(server.address, { pingInterval: LIVE_INTERVAL });
    const blockedPings = watchPings(blocked);
    const clockPings = watchPings(clock);
    const key = uniq('list');
    const pop = blocked.execute('BLPOP', key, 0);
    // Four PINGs on the idle clock connection: at least eight intervals went by.
    await waitFor('four PINGs on the clock connection', () => clockPings.count >= 4, { timeoutMs: 10_000 });
    assert.equal(blockedPings.count, 0);
    assert.equal(blocked.closed, false);
    await helper.execute('LPUSH', key, 'v');
    assert.deepEqual(await pop, [key, 'v']);
  });

  test('no PING inside WATCH or MULTI; the transaction commits, and pings resume after it', async () => {
    const conn = await open(server.address, { pingInterval: LIVE_INTERVAL });
    const clock = await open(server.address, { pingInterval: LIVE_INTERVAL });
    const pings = watchPings(conn);
    const clockPings = watchPings(clock);
    const key = uniq('watched');
    assert.equal(await conn.execute('WATCH', key), 'OK');
    await waitFor('four PINGs on the clock connection', () => clockPings.count >= 4, { timeoutMs: 10_000 });
    assert.equal(pings.count, 0, 'no PING while watching');
    assert.equal(await conn.execute('MULTI'), 'OK');
    const queued = conn.execute('SET', key, 'v');
    await waitFor('four more PINGs on the clock connection', () => clockPings.count >= 8, { timeoutMs: 10_000 });
    assert.equal(pings.count, 0, 'no PING inside MULTI');
    assert.deepEqual(await conn.execute('EXEC'), ['OK']);
    assert.equal(await queued, 'QUEUED');
    await waitFor('a PING once the transaction is over', () => pings.count > 0, { timeoutMs: 5_000 });
    assert.equal(await conn.execute('GET', key), 'v');
  });

  test("a sentinel's event subscription (PSUBSCRIBE *) is pinged and stays open", async () => {
    const sentinel = await SentinelServer.start({
      monitors: [{ name: uniq('svc'), host: server.address[0], port: server.address[1], quorum: 1 }],
    });
    try {
      const sub = await open(sentinel.address, { pingInterval: LIVE_INTERVAL });
      await sub.execute('PSUBSCRIBE', '*');
      const pings = watchPings(sub);
      await waitFor('three PINGs to the sentinel', () => pings.count >= 3, { timeoutMs: 10_000 });
      assert.equal(sub.closed, false);
      assert.equal(sub.inPubSub, true);
      assert.equal(await sub.execute('PING'), 'PONG');
    } finally {
      await sentinel.stop();
    }
  });
});

describe('keepAlive', () => {
  for (const [options, expected] of [
    [{}, [true, 10_000]],
    [{ keepAlive: 2_500 }, [true, 2_500]],
    [{ keepAlive: 0 }, [false, 0]],
  ] as const) {
    test(`${JSON.stringify(options)} sets TCP keep-alive to ${JSON.stringify(expected)}`, async () => {
      const spy = mock.method(net.Socket.prototype, 'setKeepAlive');
      try {
        const conn = await open(server.address, { ...options, pingInterval: 0 });
        assert.deepEqual(
          spy.mock.calls.map((c) => c.arguments),
          [expected],
        );
        assert.equal(await conn.execute('PING'), 'PONG');
      } finally {
        spy.mock.restore();
      }
    });
  }
});
