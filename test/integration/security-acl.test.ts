import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedis } from '../../src/client/redis.js';
import { AuthError, MasterReplyError, RedisError, SentinelConnectionError, SlaveReplyError } from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/redis-sentinel.js';
import type { SentinelOptions } from '../../src/sentinel/options.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { LONG_TIMEOUT_MS, NO_WAIT_BOUND_MS, timed } from '../helpers/util.js';

/** `requirepass` of the data nodes (the default user; replication and the sentinels use it). */
const DATA_PASSWORD = 'data-S3cr3t-zz9';
/** An ACL user on every data node. */
const APP_USER = 'app';
const APP_PASSWORD = 'app-S3cr3t-zz9';
/** `requirepass` of the sentinels (default user; the sentinels use it between themselves). */
const SENTINEL_PASSWORD = 'sentinel-S3cr3t-zz9';
/** An ACL user on every sentinel; `&*` because PSUBSCRIBE needs channel rights (Redis 7 resets them). */
const SENTINEL_USER = 'sentinel-user';
const SENTINEL_USER_PASSWORD = 'spw-S3cr3t-zz9';

describe('ACL users on data nodes and sentinels', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  const open: RedisSentinel[] = [];

  async function sentinelWith(options: SentinelOptions): Promise<RedisSentinel> {
    const s = await createSentinel(topology.sentinelAddresses, { timeout: 500, failoverTimeout: 2_000, ...options });
    open.push(s);
    return s;
  }

  const goodSentinelAuth = { sentinelUsername: SENTINEL_USER, sentinelPassword: SENTINEL_USER_PASSWORD };

  before(async () => {
    topology = await SentinelTopology.start({
      replicas: 1,
      sentinels: 1,
      password: DATA_PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
      serverArgs: ['--user', APP_USER, 'on', `>${APP_PASSWORD}`, '~*', '&*', '+@all'],
      sentinelArgs: ['--user', SENTINEL_USER, 'on', `>${SENTINEL_USER_PASSWORD}`, '&*', '+@all'],
    });
  });

  after(async () => {
    for (const s of open) s.close();
    await Promise.allSettled(open.map((s) => s.waitClosed()));
    await topology?.stop();
  });

  test('username + password (ACL) on data nodes and sentinelUsername + sentinelPassword on sentinels', async () => {
    const sentinel = await sentinelWith({ username: APP_USER, password: APP_PASSWORD, ...goodSentinelAuth });
    assert.equal(await sentinel.ping(), 'PONG');
    // The sentinel connection is authenticated as the ACL user, not the default user.
    assert.equal(await sentinel.pool.execute('ACL', 'WHOAMI'), SENTINEL_USER);

    const master = sentinel.masterFor(topology.service);
    assert.equal(await master.set('acl:k', 'v'), 'OK');
    assert.equal(await master.execute('ACL', 'WHOAMI'), APP_USER);
    assert.deepEqual(master.address, topology.master.address);

    const replica = sentinel.slaveFor(topology.service);
    assert.equal(await replica.execute('ACL', 'WHOAMI'), APP_USER);
    assert.equal(
      await waitFor('the write to reach the replica', async () => (await replica.get('acl:k')) ?? false, {
        timeoutMs: 5_000,
      }),
      'v',
    );
  });

  test('legacy passwords (default user) still work on both sides', async () => {
    const sentinel = await sentinelWith({ password: DATA_PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
    assert.equal(await sentinel.pool.execute('ACL', 'WHOAMI'), 'default');
    assert.equal(await sentinel.masterFor(topology.service).execute('ACL', 'WHOAMI'), 'default');
  });

  for (const [label, options] of [
    ['wrong password', { username: APP_USER, password: 'not-it' }],
    ['wrong username', { username: 'nobody', password: APP_PASSWORD }],
    ['ACL user password given as the legacy password', { password: APP_PASSWORD }],
    ['no password at all', {}],
  ] as const) {
    test(`data nodes, ${label}: masterFor rejects MasterReplyError (cause AuthError) quickly`, async () => {
      const sentinel = await sentinelWith({ ...options, ...goodSentinelAuth, failoverTimeout: LONG_TIMEOUT_MS });
      const r = await timed(() => sentinel.masterFor(topology.service).get('acl:k'));
      assert.ok(r.error instanceof MasterReplyError, `got ${String(r.error)}`);
      assert.equal((r.error as Error).message, `Service ${topology.service} error`);
      assert.ok((r.error as Error).cause instanceof AuthError, `cause ${String((r.error as Error).cause)}`);
      // An auth failure is final: no waiting for failoverTimeout.
      assert.ok(r.ms < NO_WAIT_BOUND_MS, `rejected after ${r.ms} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);
    });
  }

  test('data nodes, wrong password: slaveFor rejects SlaveReplyError (cause AuthError)', async () => {
    const sentinel = await sentinelWith({
      username: APP_USER,
      password: 'not-it',
      ...goodSentinelAuth,
      failoverTimeout: LONG_TIMEOUT_MS,
    });
    const r = await timed(() => sentinel.slaveFor(topology.service).get('acl:k'));
    assert.ok(r.error instanceof SlaveReplyError, `got ${String(r.error)}`);
    assert.ok((r.error as Error).cause instanceof AuthError);
    assert.ok(r.ms < NO_WAIT_BOUND_MS, `rejected after ${r.ms} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);
  });

  test('createRedis with a wrong ACL password rejects AuthError', async () => {
    const r = await timed(() =>
      createRedis(topology.master.address, { username: APP_USER, password: 'not-it', connectTimeout: 2_000 }),
    );
    assert.ok(r.error instanceof AuthError, `got ${String(r.error)}`);
    assert.match((r.error as Error).message, /WRONGPASS/);
    const ok = await createRedis(topology.master.address, { username: APP_USER, password: APP_PASSWORD });
    try {
      assert.equal(await ok.execute('ACL', 'WHOAMI'), APP_USER);
    } finally {
      ok.close();
      await ok.waitClosed();
    }
  });

  for (const [label, options] of [
    ['wrong password', { sentinelUsername: SENTINEL_USER, sentinelPassword: 'not-it' }],
    ['wrong username', { sentinelUsername: 'nobody', sentinelPassword: SENTINEL_USER_PASSWORD }],
    ['no password', {}],
  ] as const) {
    test(`sentinels, ${label}: createSentinel rejects SentinelConnectionError quickly`, async () => {
      const r = await timed(() =>
        createSentinel(topology.sentinelAddresses, { timeout: LONG_TIMEOUT_MS, username: APP_USER, ...options }),
      );
      assert.ok(r.error instanceof SentinelConnectionError, `got ${String(r.error)}`);
      assert.ok(r.error instanceof RedisError);
      assert.match((r.error as Error).message, /WRONGPASS|NOAUTH/);
      assert.ok(r.ms < NO_WAIT_BOUND_MS, `rejected after ${r.ms} ms (timeout ${LONG_TIMEOUT_MS})`);
    });
  }
});
