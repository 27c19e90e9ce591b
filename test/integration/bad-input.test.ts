import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from '../../src/connection/connection.js';
import { createRedis, createRedisPool, type Redis } from '../../src/client/redis.js';
import {
  AuthError,
  ConnectionClosedError,
  MasterNotFoundError,
  MasterReplyError,
  RedisError,
  SentinelConnectionError,
  SlaveNotFoundError,
} from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/redis-sentinel.js';
import { createSentinelPool } from '../../src/sentinel/sentinel-pool.js';
import type { SentinelOptions } from '../../src/sentinel/options.js';
import { SentinelTopology, freePort } from '../../src/testing/index.js';
import type { AddressInput, RedisArg } from '../../src/types.js';
import { LONG_TIMEOUT_MS, NO_WAIT_BOUND_MS, within } from '../helpers/util.js';

const PASSWORD = 'bad-input-pw';

async function outcome(fn: () => Promise<unknown>): Promise<{ error: unknown }> {
  try {
    const value = await fn();
    // Close whatever was opened by mistake, then fail.
    (value as { close?: () => void } | undefined)?.close?.();
    return { error: new Error(`resolved ${String(value)}`) };
  } catch (error) {
    return { error };
  }
}

/**
 * How "quickly" is checked without a clock a loaded machine can break: BEFORE_IO, the call settles
 * ahead of a zero-delay timer (it was refused by validation, before any socket was opened); NO_WAIT,
 * it settles within a bound far below the 60 s failoverTimeout / connectTimeout the clients of this
 * file are given, so a failure means it waited for one of those, not that the machine was slow.
 */
const BEFORE_IO = 'before-io';
const NO_WAIT = 'no-wait';

/** `fn` rejects (or throws) `type` as `how` says, with a message matching `message`. */
async function rejectsQuickly(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => Error,
  how: typeof BEFORE_IO | typeof NO_WAIT,
  message?: RegExp,
): Promise<Error> {
  let settled = false;
  const running = outcome(fn).finally(() => (settled = true));
  if (how === BEFORE_IO) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.ok(settled, 'still pending after a zero-delay timer: it did not fail on validation alone');
  }
  const { error } = await within(NO_WAIT_BOUND_MS, `a ${type.name}`, running);
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  if (message) assert.match(error.message, message);
  return error;
}

/** Regex source matching `text` literally. */
function literally(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

describe('bad input is rejected with a clear typed error', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  let sentinel: RedisSentinel;
  let closedPort: number;
  const open: { close(): void; waitClosed(): Promise<void> }[] = [];

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, password: PASSWORD });
    sentinel = await createSentinel(topology.sentinelAddresses, {
      password: PASSWORD,
      failoverTimeout: LONG_TIMEOUT_MS,
    });
    open.push(sentinel);
    closedPort = await freePort();
  });

  after(async () => {
    for (const c of open) c.close();
    await Promise.allSettled(open.map((c) => c.waitClosed()));
    await topology?.stop();
  });

  describe('sentinel address lists: TypeError at once, naming the entry', () => {
    const cases: [label: string, sentinels: unknown, names: string][] = [
      ['an empty array', [], '[]'],
      ['a bare [host, port] instead of a list', ['127.0.0.1', 26379], '["127.0.0.1",26379]'],
      ['port 0', [['127.0.0.1', 0]], '["127.0.0.1",0]'],
      ['port 70000', [['127.0.0.1', 70000]], '["127.0.0.1",70000]'],
      ['a fractional port', [['127.0.0.1', 26379.5]], '["127.0.0.1",26379.5]'],
      ["'nohost' (no port)", ['nohost'], '"nohost"'],
      ["'redis://' (no host)", ['redis://'], '"redis://"'],
      ["'127.0.0.1:70000'", ['127.0.0.1:70000'], '"127.0.0.1:70000"'],
      ["{ host: '' }", [{ host: '' }], '{"host":""}'],
      ["{ host: '', port: 26379 }", [{ host: '', port: 26379 }], '{"host":"","port":26379}'],
      ['null', null, 'null'],
      ['42', 42, '42'],
      ['[null]', [null], 'null'],
      ['[42]', [42], '42'],
      [
        'a good entry and a bad one',
        [
          ['127.0.0.1', 26379],
          ['127.0.0.1', -1],
        ],
        '["127.0.0.1",-1]',
      ],
    ];
    for (const [label, sentinels, names] of cases) {
      test(label, async () => {
        await rejectsQuickly(() => createSentinel(sentinels as AddressInput[]), TypeError, BEFORE_IO, literally(names));
        await rejectsQuickly(
          () => createSentinelPool(sentinels as AddressInput[]),
          TypeError,
          BEFORE_IO,
          literally(names),
        );
      });
    }
  });

  describe('single addresses (createConnection, createRedis, createRedisPool): TypeError at once', () => {
    const cases: [label: string, address: unknown][] = [
      ['port 0', ['127.0.0.1', 0]],
      ['port 70000', ['127.0.0.1', 70000]],
      ["'nohost'", 'nohost'],
      ["'redis://'", 'redis://'],
      ["''", ''],
      ["{ host: '' }", { host: '' }],
      ['null', null],
      ['42', 42],
      ['a list of addresses', [['127.0.0.1', 6379]]],
    ];
    for (const [label, address] of cases) {
      test(label, async () => {
        for (const create of [createConnection, createRedis, createRedisPool]) {
          await rejectsQuickly(() => create(address as AddressInput), TypeError, BEFORE_IO, /Invalid address/);
        }
      });
    }
  });

  describe('options: TypeError at once, naming the option', () => {
    const cases: [label: string, options: Record<string, unknown>, names: RegExp][] = [
      ['minsize -1', { minsize: -1 }, /minsize/],
      ['minsize 2.5', { minsize: 2.5 }, /minsize/],
      ['minsize > maxsize', { minsize: 5, maxsize: 2 }, /minsize.*maxsize/],
      ['maxsize 0', { maxsize: 0 }, /maxsize/],
      ['timeout -5', { timeout: -5 }, /timeout/],
      ["failoverTimeout 'x'", { failoverTimeout: 'x' }, /failoverTimeout/],
      ['connectTimeout NaN', { connectTimeout: Number.NaN }, /connectTimeout/],
      ['db -1', { db: -1 }, /db/],
      ['db 1.5', { db: 1.5 }, /db/],
      ["db '2'", { db: '2' }, /db/],
    ];
    for (const [label, options, names] of cases) {
      test(`createSentinel, ${label}`, async () => {
        // Real sentinels: only the validation can fail here.
        await rejectsQuickly(
          () => createSentinel(topology.sentinelAddresses, options as SentinelOptions),
          TypeError,
          BEFORE_IO,
          names,
        );
      });
    }

    for (const [label, options, names] of [
      ['db -1', { db: -1 }, /db/],
      ["db 'x'", { db: 'x' }, /db/],
      ['minsize -1', { minsize: -1 }, /minsize/],
      ['maxsize 0', { maxsize: 0 }, /maxsize/],
    ] as const) {
      test(`createRedisPool / createRedis, ${label}`, async () => {
        const address = topology.master.address;
        await rejectsQuickly(
          () => createRedisPool(address, { password: PASSWORD, ...(options as object) }),
          TypeError,
          NO_WAIT,
          names,
        );
        if (!('db' in options)) return;
        await rejectsQuickly(
          () => createRedis(address, { password: PASSWORD, ...(options as object) }),
          TypeError,
          NO_WAIT,
          names,
        );
      });
    }
  });

  describe('service names', () => {
    for (const name of ['', 42, null, undefined, {}]) {
      test(`masterFor / slaveFor(${JSON.stringify(name) ?? 'undefined'}) throws a TypeError`, () => {
        assert.throws(() => sentinel.masterFor(name as string), TypeError);
        assert.throws(() => sentinel.slaveFor(name as string), TypeError);
        assert.throws(() => sentinel.pool.masterFor(name as string), /service name must be a non-empty string/);
      });
    }

    test('an unknown service: MasterNotFoundError / SlaveNotFoundError quickly (not after failoverTimeout)', async () => {
      await rejectsQuickly(
        () => sentinel.masterFor('no-such-service').get('k'),
        MasterNotFoundError,
        NO_WAIT,
        /no-such-service/,
      );
      await rejectsQuickly(
        () => sentinel.slaveFor('no-such-service').get('k'),
        SlaveNotFoundError,
        NO_WAIT,
        /no-such-service/,
      );
      await rejectsQuickly(() => sentinel.pool.discoverMaster('no-such-service'), MasterNotFoundError, NO_WAIT);
      // The known service still works.
      assert.equal(await sentinel.masterFor(topology.service).ping(), 'PONG');
    });
  });

  describe('command arguments', () => {
    const bad: [label: string, value: unknown][] = [
      ['undefined', undefined],
      ['null', null],
      ['an object', { a: 1 }],
      ['an array', ['a']],
      ['a boolean', true],
      ['a bigint', 10n],
    ];

    async function check(client: Redis, prefix: string): Promise<void> {
      for (const [label, value] of bad) {
        // The bad command is refused; the good ones sent in the same tick still go through, in order.
        const [first, refused, afterwards] = await Promise.allSettled([
          client.set(`${prefix}:k`, label),
          client.set(`${prefix}:k`, value as RedisArg),
          client.get(`${prefix}:k`),
        ]);
        assert.equal(first.status, 'fulfilled');
        assert.equal(refused.status, 'rejected', `${label} was accepted`);
        assert.ok((refused as PromiseRejectedResult).reason instanceof TypeError, `${label}: ${String(refused)}`);
        assert.match(((refused as PromiseRejectedResult).reason as Error).message, /Invalid argument type/);
        assert.deepEqual(afterwards, { status: 'fulfilled', value: label });
        await assert.rejects(client.execute('ECHO', value as RedisArg), TypeError);
        // And the connection still works.
        assert.equal(await client.ping(), 'PONG');
      }
    }

    test('master client (managed pool): TypeError, and the client keeps working', async () => {
      await check(sentinel.masterFor(topology.service), 'bad-arg:master');
    });

    test('createRedis (one connection): TypeError, and the connection keeps working', async () => {
      const client = await createRedis(topology.master.address, { password: PASSWORD });
      open.push(client);
      await check(client, 'bad-arg:single');
    });

    test('a pipeline with a bad argument: that command fails with a TypeError, the others run', async () => {
      const client = sentinel.masterFor(topology.service);
      const results = await client
        .pipeline()
        .set('bad-arg:pipe', '1')
        .set('bad-arg:pipe', undefined as unknown as string)
        .get('bad-arg:pipe')
        .exec();
      assert.equal(results.length, 3);
      assert.deepEqual(results[0], [null, 'OK']);
      assert.ok(results[1]![0] instanceof TypeError, `got ${String(results[1])}`);
      assert.deepEqual(results[2], [null, '1']);
    });
  });

  describe('unreachable servers and wrong credentials', () => {
    test('a port nothing listens on: ConnectionClosedError / SentinelConnectionError quickly', async () => {
      const address: [string, number] = ['127.0.0.1', closedPort];
      const long = { connectTimeout: LONG_TIMEOUT_MS };
      await rejectsQuickly(() => createRedis(address, long), ConnectionClosedError, NO_WAIT, /ECONNREFUSED/);
      await rejectsQuickly(() => createConnection(address, long), ConnectionClosedError, NO_WAIT);
      await rejectsQuickly(() => createRedisPool(address, long), ConnectionClosedError, NO_WAIT);
      const err = await rejectsQuickly(
        () => createSentinel([address], { timeout: LONG_TIMEOUT_MS }),
        SentinelConnectionError,
        NO_WAIT,
      );
      assert.ok(err instanceof RedisError);
      assert.match(err.message, new RegExp(String(closedPort)));
    });

    test('one dead sentinel among live ones is tolerated', async () => {
      const s = await createSentinel([['127.0.0.1', closedPort], ...topology.sentinelAddresses], {
        password: PASSWORD,
      });
      open.push(s);
      assert.equal(await s.masterFor(topology.service).ping(), 'PONG');
    });

    test('a wrong password: AuthError (plain client), MasterReplyError with cause AuthError (managed)', async () => {
      const wrongPassword = { password: 'wrong', connectTimeout: LONG_TIMEOUT_MS };
      await rejectsQuickly(() => createRedis(topology.master.address, wrongPassword), AuthError, NO_WAIT);
      await rejectsQuickly(() => createRedisPool(topology.master.address, wrongPassword), AuthError, NO_WAIT);
      const wrong = await createSentinel(topology.sentinelAddresses, {
        password: 'wrong',
        failoverTimeout: LONG_TIMEOUT_MS,
      });
      open.push(wrong);
      const err = await rejectsQuickly(() => wrong.masterFor(topology.service).get('k'), MasterReplyError, NO_WAIT);
      assert.ok(err.cause instanceof AuthError, `cause ${String(err.cause)}`);
      // No password where one is required: NOAUTH is an auth error too.
      const none = await createSentinel(topology.sentinelAddresses, { failoverTimeout: LONG_TIMEOUT_MS });
      open.push(none);
      const noAuth = await rejectsQuickly(() => none.masterFor(topology.service).get('k'), MasterReplyError, NO_WAIT);
      assert.ok(noAuth.cause instanceof AuthError);
    });
  });
});
