// Command tracing on the diagnostics_channel TracingChannel: the attributes, the start / end /
// asyncStart / asyncEnd / error pairing per command (pipelines and MULTI included), no argument value
// ever, one span per network attempt across a resend, and nothing published without a subscriber.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tracingChannel, type TracingChannelSubscribers } from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { COMMAND_TRACING_CHANNEL, ReplyError, type CommandTraceContext } from '../../src/client.js';
import { createRedis, createRedisPool } from '../../src/client/redis.js';
import { createConnection } from '../../src/connection/connection.js';
import { ConnectionClosedError, TimeoutError } from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { RedisServer, SentinelTopology } from '../../src/testing/index.js';
import { closeSentinel } from '../helpers/sentinel.js';
import { rejection, uniq, within } from '../helpers/util.js';

type Kind = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';
const KINDS: readonly Kind[] = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];
const OK: readonly Kind[] = ['start', 'end', 'asyncStart', 'asyncEnd'];
const FAILED: readonly Kind[] = ['start', 'end', 'error', 'asyncStart', 'asyncEnd'];

const channel = tracingChannel<unknown, CommandTraceContext>(COMMAND_TRACING_CHANNEL);

interface Span {
  ctx: CommandTraceContext;
  kinds: Kind[];
}

/** Subscribes to all five events; `spans()` groups them by context object, in order of start. */
function record(): { spans(filter?: (ctx: CommandTraceContext) => boolean): Span[]; stop(): void } {
  const byCtx = new Map<CommandTraceContext, Span>();
  const handlers = {} as TracingChannelSubscribers<CommandTraceContext>;
  for (const kind of KINDS) {
    handlers[kind] = (ctx: CommandTraceContext) => {
      let span = byCtx.get(ctx);
      if (span === undefined) byCtx.set(ctx, (span = { ctx, kinds: [] }));
      span.kinds.push(kind);
    };
  }
  channel.subscribe(handlers);
  return {
    spans: (filter = () => true) => [...byCtx.values()].filter((s) => filter(s.ctx)),
    stop: () => channel.unsubscribe(handlers),
  };
}

/** The context without the error fields, as a plain object (what is published at start). */
function attributesOf(ctx: CommandTraceContext): Record<string, unknown> {
  const { error: _error, 'error.type': _type, 'db.response.status_code': _code, ...rest } = ctx;
  return rest;
}

const HOST = '127.0.0.1';

describe('command tracing on a plain server', () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  const onServer = (ctx: CommandTraceContext) => ctx['server.port'] === server.port;
  // createRedisPool sends a PING to fail fast on a wrong address.
  const noPing = (ctx: CommandTraceContext) => onServer(ctx) && ctx['db.operation.name'] !== 'PING';

  test('each command is one start, end, asyncStart, asyncEnd with the database attributes', async () => {
    const rec = record();
    const redis = await createRedis(server.address);
    try {
      const key = uniq('traced');
      assert.equal(await redis.set(key, 'v'), 'OK');
      assert.equal(await redis.get(key), 'v');
      assert.equal(await redis.execute('get', key), 'v');
      const spans = rec.spans(onServer);
      assert.deepEqual(
        spans.map((s) => s.ctx['db.operation.name']),
        ['SET', 'GET', 'GET'],
      );
      for (const span of spans) {
        assert.deepEqual(span.kinds, OK);
        assert.equal(span.ctx.error, undefined);
      }
      assert.deepEqual(attributesOf(spans[1]!.ctx), {
        'db.system.name': 'redis',
        'db.operation.name': 'GET',
        'db.namespace': '0',
        'server.address': HOST,
        'server.port': server.port,
      });
    } finally {
      rec.stop();
      redis.close();
      await redis.waitClosed();
    }
  });

  test('the set-up commands of a connection and db.namespace for a selected db', async () => {
    const rec = record();
    const redis = await createRedis(server.address, { db: 3, name: 'traced-client' });
    try {
      assert.equal(await redis.ping(), 'PONG');
      const spans = rec.spans(onServer);
      assert.deepEqual(
        spans.map((s) => s.ctx['db.operation.name']),
        ['SELECT', 'CLIENT', 'PING'],
      );
      for (const span of spans) {
        assert.deepEqual(span.kinds, OK);
        assert.equal(span.ctx['db.namespace'], '3');
      }
    } finally {
      rec.stop();
      redis.close();
      await redis.waitClosed();
    }
  });

  test('an error reply publishes error with the reply error and its code', async () => {
    const rec = record();
    const redis = await createRedis(server.address);
    try {
      const key = uniq('wrongtype');
      await redis.set(key, 'a string');
      const error = await rejection(redis.lpush(key, 'x'));
      assert.ok(error instanceof ReplyError);
      assert.equal(error.code, 'WRONGTYPE');
      const [set, lpush] = rec.spans(onServer);
      assert.deepEqual(set!.kinds, OK);
      assert.equal(lpush!.ctx['db.operation.name'], 'LPUSH');
      assert.deepEqual(lpush!.kinds, FAILED);
      assert.equal(lpush!.ctx.error, error, 'the error published is the one the command rejected with');
      assert.equal(lpush!.ctx['error.type'], 'WRONGTYPE');
      assert.equal(lpush!.ctx['db.response.status_code'], 'WRONGTYPE');
    } finally {
      rec.stop();
      redis.close();
      await redis.waitClosed();
    }
  });

  test('a closed connection: the command is traced with the ConnectionClosedError it rejects with', async () => {
    const rec = record();
    const conn = await createConnection(server.address);
    conn.close();
    await conn.waitClosed();
    try {
      const error = await rejection(conn.send('GET', [uniq('closed')]));
      assert.ok(error instanceof ConnectionClosedError);
      const [get] = rec.spans(onServer);
      assert.deepEqual(get!.kinds, FAILED);
      assert.equal(get!.ctx.error, error);
      assert.equal(get!.ctx['error.type'], 'ConnectionClosedError');
      assert.equal(get!.ctx['db.response.status_code'], undefined);
    } finally {
      rec.stop();
    }
  });

  test('a command that times out ends its span with the TimeoutError', async () => {
    const rec = record();
    const redis = await createRedis(server.address, { commandTimeout: 200 });
    try {
      // Stopped, so the reply surely comes after the timeout.
      server.pause();
      const error = await rejection(redis.get(uniq('timeout')));
      assert.ok(error instanceof TimeoutError);
      const [get] = rec.spans(onServer);
      assert.deepEqual(get!.kinds, FAILED);
      assert.equal(get!.ctx.error, error);
      assert.equal(get!.ctx['error.type'], 'TimeoutError');
    } finally {
      server.resume();
      rec.stop();
      redis.close();
      await redis.waitClosed();
    }
  });

  test('a pipeline: every command is its own span, in order, a failing one with error', async () => {
    const rec = record();
    const redis = await createRedisPool(server.address, { minsize: 1, maxsize: 2 });
    try {
      const key = uniq('pipelined');
      const results = await redis.pipeline().set(key, 'not a number').get(key).incr(key).exec();
      assert.equal(results[2]![0]?.message.startsWith('ERR'), true);
      const spans = rec.spans(noPing);
      assert.deepEqual(
        spans.map((s) => s.ctx['db.operation.name']),
        ['SET', 'GET', 'INCR'],
      );
      assert.deepEqual(
        spans.map((s) => s.kinds),
        [OK, OK, FAILED],
      );
      assert.equal(spans[2]!.ctx['db.response.status_code'], 'ERR');
      assert.equal(spans[2]!.ctx.error, results[2]![0]);
    } finally {
      rec.stop();
      redis.close();
      await redis.waitClosed();
    }
  });

  test('MULTI ... EXEC: MULTI, each queued command and EXEC are spans of their own', async () => {
    const rec = record();
    const redis = await createRedisPool(server.address, { minsize: 1, maxsize: 2 });
    try {
      const key = uniq('transaction');
      const results = await redis.multi().set(key, '1').incr(key).get(key).exec();
      assert.deepEqual(results, [
        [null, 'OK'],
        [null, 2],
        [null, '2'],
      ]);
      const spans = rec.spans(noPing);
      assert.deepEqual(
        spans.map((s) => s.ctx['db.operation.name']),
        ['MULTI', 'SET', 'INCR', 'GET', 'EXEC'],
      );
      for (const span of spans) assert.deepEqual(span.kinds, OK);
    } finally {
      rec.stop();
      redis.close();
      await redis.waitClosed();
    }
  });

  test('a pool: concurrent commands are each traced once, without Sentinel attributes', async () => {
    const rec = record();
    const redis = await createRedisPool(server.address, { minsize: 3, maxsize: 3 });
    try {
      const key = uniq('pooled');
      await redis.set(key, 'v');
      const replies = await Promise.all(Array.from({ length: 50 }, () => redis.get(key)));
      assert.equal(replies.filter((r) => r === 'v').length, 50);
      const gets = rec.spans((ctx) => onServer(ctx) && ctx['db.operation.name'] === 'GET');
      assert.equal(gets.length, 50);
      for (const span of gets) {
        assert.deepEqual(span.kinds, OK);
        assert.equal('db.redis.sentinel.service' in span.ctx, false);
        assert.equal('db.redis.sentinel.role' in span.ctx, false);
      }
    } finally {
      rec.stop();
      redis.close();
      await redis.waitClosed();
    }
  });

  test('nothing is published once no one subscribes, from the next flush on', async () => {
    const redis = await createRedis(server.address);
    // Counts every call to publish on the five channels (an own property shadows the channel's method).
    let published = 0;
    const spied = KINDS.map((k) => channel[k]);
    const spy = () => {
      for (const c of spied) {
        const original = c.publish.bind(c);
        Object.defineProperty(c, 'publish', {
          configurable: true,
          value: (message: unknown) => {
            published++;
            original(message);
          },
        });
      }
    };
    const unspy = () => {
      for (const c of spied) delete (c as { publish?: unknown }).publish;
    };
    try {
      const rec = record();
      spy();
      const key = uniq('unsubscribed');
      await redis.set(key, 'v');
      assert.equal(published, 4, 'with a subscriber, SET is published (start, end, asyncStart, asyncEnd)');
      rec.stop();
      published = 0;
      // The next flush sees no subscriber: neither this command nor any later one is published.
      await redis.get(key);
      await Promise.all([redis.get(key), redis.get(key), redis.set(key, 'w')]);
      assert.equal(published, 0);
      // A subscriber is noticed from the next flush on: commands already queued in this tick are not traced.
      unspy();
      const first = redis.get(key);
      const late = record();
      const sameTick = redis.get(key);
      await Promise.all([first, sameTick]);
      assert.equal(late.spans(onServer).length, 0);
      await redis.get(key);
      assert.deepEqual(
        late.spans(onServer).map((s) => s.kinds),
        [OK],
      );
      late.stop();
    } finally {
      unspy();
      redis.close();
      await redis.waitClosed();
    }
  });

  test('a throwing subscriber does not stop the command from settling', async () => {
    // In a child process: diagnostics_channel rethrows a subscriber's error as an uncaught exception.
    const client = fileURLToPath(new URL('../../src/client.js', import.meta.url));
    const script = `
      import { tracingChannel } from 'node:diagnostics_channel';
      const lib = await import(${JSON.stringify(client)});
      let uncaught = 0;
      process.on('uncaughtException', () => uncaught++);
      const boom = () => { throw new Error('subscriber failed'); };
      tracingChannel(lib.COMMAND_TRACING_CHANNEL).subscribe({ start: boom, asyncEnd: boom, error: boom });
      const redis = await lib.createRedis(${JSON.stringify(server.address)});
      const set = await redis.set('${uniq('throwing')}', 'v');
      const failed = await redis.execute('INCR', 'x', 'too many').catch((e) => e.constructor.name);
      redis.close();
      await redis.waitClosed();
      await new Promise((resolve) => setImmediate(resolve));
      console.log(JSON.stringify({ set, failed, uncaught }));
    `;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const result = JSON.parse(out.trim()) as { set: string; failed: string; uncaught: number };
    assert.equal(result.set, 'OK');
    assert.equal(result.failed, 'ReplyError');
    // SET: start and asyncEnd; INCR: start, error and asyncEnd.
    assert.equal(result.uncaught, 5);
  });
});

describe('no argument value is ever published', () => {
  const secret = randomBytes(12).toString('hex');
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start({ password: secret });
  });
  after(async () => {
    await server?.stop();
  });

  test('keys, values and the password stay out of every context', async () => {
    const rec = record();
    const redis = await createRedis(server.address, { password: secret, name: `client-${secret}` });
    try {
      const key = `key-${secret}`;
      await redis.set(key, `value-${secret}`);
      assert.equal(await redis.get(key), `value-${secret}`);
      await redis.hset(`hash-${secret}`, { [`field-${secret}`]: secret });
      await redis.pipeline().set(key, secret).get(key).exec();
      await redis.multi().set(key, secret).get(key).exec();
      await rejection(redis.lpush(key, secret));
      await redis.publish(`channel-${secret}`, secret);
      const spans = rec.spans((ctx) => ctx['server.port'] === server.port);
      assert.deepEqual(
        spans.map((s) => s.ctx['db.operation.name']),
        ['AUTH', 'CLIENT', 'SET', 'GET', 'HSET', 'SET', 'GET', 'MULTI', 'SET', 'GET', 'EXEC', 'LPUSH', 'PUBLISH'],
      );
      for (const span of spans) {
        const text = JSON.stringify(span.ctx);
        assert.equal(text.includes(secret), false, `published: ${text}`);
        assert.equal(span.ctx.error?.message.includes(secret) ?? false, false);
      }
    } finally {
      rec.stop();
      redis.close();
      await redis.waitClosed();
    }
  });
});

describe('command tracing through Sentinel', () => {
  const SERVICE = 'traced';
  let topology: SentinelTopology;
  let sentinel: RedisSentinel;
  before(async () => {
    topology = await SentinelTopology.start({ service: SERVICE, replicas: 1, sentinels: 1 });
    sentinel = await createSentinel(topology.sentinelAddresses, { minsize: 1, maxsize: 2 });
  });
  after(async () => {
    await closeSentinel(sentinel);
    await topology?.stop();
  });

  test('masterFor and slaveFor add the service and the role', async () => {
    const rec = record();
    try {
      const master = sentinel.masterFor(SERVICE);
      const replica = sentinel.slaveFor(SERVICE);
      const key = uniq('sentinel');
      await master.set(key, 'v');
      await master.execute('WAIT', 1, 5_000);
      assert.equal(await replica.get(key), 'v');
      const [set] = rec.spans((ctx) => ctx['db.operation.name'] === 'SET');
      assert.deepEqual(set!.kinds, OK);
      assert.deepEqual(attributesOf(set!.ctx), {
        'db.system.name': 'redis',
        'db.operation.name': 'SET',
        'db.namespace': '0',
        'server.address': topology.master.host,
        'server.port': topology.master.port,
        'db.redis.sentinel.service': SERVICE,
        'db.redis.sentinel.role': 'master',
      });
      const [get] = rec.spans((ctx) => ctx['db.operation.name'] === 'GET');
      assert.deepEqual(get!.kinds, OK);
      assert.equal(get!.ctx['server.port'], topology.replicas[0]!.port);
      assert.equal(get!.ctx['db.redis.sentinel.service'], SERVICE);
      assert.equal(get!.ctx['db.redis.sentinel.role'], 'slave');
    } finally {
      rec.stop();
    }
  });
});

describe('a command sent again after its connection was lost', () => {
  test('each network attempt is its own span: the first ends with the error, the second on the other replica', async () => {
    const SERVICE = 'resent';
    const topology = await SentinelTopology.start({ service: SERVICE, replicas: 2, sentinels: 1 });
    let sentinel: RedisSentinel | undefined;
    const rec = record();
    try {
      sentinel = await createSentinel(topology.sentinelAddresses, { minsize: 1, maxsize: 1, failoverTimeout: 5_000 });
      const master = sentinel.masterFor(SERVICE);
      const reader = sentinel.slaveFor(SERVICE);
      const key = uniq('resent');
      await master.set(key, 'v');
      assert.equal(await master.execute('WAIT', 2, 5_000), 2);
      assert.equal(await reader.get(key), 'v');
      const first = topology.replicas.find((r) => r.port === reader.address?.[1])!;
      const survivor = topology.replicas.find((r) => r !== first)!;
      // Stopped first so that the read is surely in flight (written, unanswered) when the replica dies.
      first.pause();
      const inFlight = reader.get(key).catch((error: unknown) => error);
      await first.kill('SIGKILL');
      assert.equal(await within(10_000, 'the read in flight at the kill', inFlight), 'v');
      const gets = rec.spans((ctx) => ctx['db.operation.name'] === 'GET').slice(1);
      assert.deepEqual(
        gets.map((s) => [s.kinds, s.ctx['server.port']]),
        [
          [FAILED, first.port],
          [OK, survivor.port],
        ],
      );
      assert.ok(gets[0]!.ctx.error instanceof ConnectionClosedError);
      assert.equal(gets[0]!.ctx['error.type'], 'ConnectionClosedError');
      for (const span of gets) assert.equal(span.ctx['db.redis.sentinel.role'], 'slave');
    } finally {
      rec.stop();
      await closeSentinel(sentinel);
      await topology.stop();
    }
  });
});
