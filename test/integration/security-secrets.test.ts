import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { format, inspect } from 'node:util';
import { createConnection } from '../../src/connection/connection.js';
import { createRedis, createRedisPool } from '../../src/client/redis.js';
import { createPool } from '../../src/pool/create-pool.js';
import { AuthError, MasterReplyError, RedisError, SentinelConnectionError } from '../../src/errors.js';
import { createSentinel } from '../../src/sentinel/redis-sentinel.js';
import { SentinelPool, createSentinelPool } from '../../src/sentinel/sentinel-pool.js';
import type { SentinelOptions } from '../../src/sentinel/options.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import type { Logger } from '../../src/types.js';

/** Every secret below contains this; no output may. */
const SECRET = 'S3cr3t-zz9';
const DATA_PASSWORD = `${SECRET}-data`;
const APP_PASSWORD = `${SECRET}-app`;
const SENTINEL_PASSWORD = `${SECRET}-sentinel`;

/** Everything a user could see: messages, causes, String(), stacks, util.inspect. */
function renderError(err: unknown): string[] {
  const out: string[] = [String(err), inspect(err, { depth: 5 }), inspect(err, { depth: 5, showHidden: true })];
  for (let e: unknown = err, i = 0; e !== undefined && e !== null && i < 10; e = (e as Error).cause, i++) {
    out.push(String((e as Error).message), String((e as Error).stack));
  }
  return out;
}

function assertNoSecret(what: string, texts: string[]): void {
  for (const t of texts) {
    assert.ok(
      !t.includes(SECRET),
      `${what} exposes the password:\n${t.slice(Math.max(0, t.indexOf(SECRET) - 400), t.indexOf(SECRET) + 100)}`,
    );
  }
}

function captureLogger(lines: string[]): Logger {
  const capture =
    (level: string) =>
    (message: string, ...rest: unknown[]) =>
      lines.push(`${level}: ${format(message, ...rest)}`);
  return {
    log: capture('log'),
    debug: capture('debug'),
    warn: capture('warn'),
    error: capture('error'),
    verbose: capture('verbose'),
  };
}

async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('no password in errors, logs or util.inspect', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  const logLines: string[] = [];
  const errors: unknown[] = [];
  const closers: { close(): void; waitClosed(): Promise<void> }[] = [];

  const options = (extra: SentinelOptions = {}): SentinelOptions => ({
    username: 'app',
    password: APP_PASSWORD,
    sentinelPassword: SENTINEL_PASSWORD,
    logger: captureLogger(logLines),
    timeout: 500,
    failoverTimeout: 5_000,
    ...extra,
  });

  before(async () => {
    topology = await SentinelTopology.start({
      replicas: 1,
      sentinels: 1,
      password: DATA_PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
      serverArgs: ['--user', 'app', 'on', `>${APP_PASSWORD}`, '~*', '&*', '+@all'],
    });
  });

  after(async () => {
    for (const c of closers) c.close();
    await Promise.allSettled(closers.map((c) => c.waitClosed()));
    await topology?.stop();
  });

  test('util.inspect of a sentinel, its pool and its clients (depth 6) shows no password', async () => {
    const sentinel = await createSentinel(topology.sentinelAddresses, options());
    closers.push(sentinel);
    const master = sentinel.masterFor(topology.service);
    const replica = sentinel.slaveFor(topology.service);
    assert.equal(await master.set('sec:k', 'v'), 'OK');
    await waitFor('the replica client to read the key', async () => (await replica.get('sec:k')) === 'v');
    const views = [
      inspect(sentinel, { depth: 6 }),
      inspect(sentinel.pool, { depth: 6 }),
      inspect(master, { depth: 6 }),
      inspect(replica, { depth: 6 }),
      inspect(master.connection, { depth: 6 }),
    ];
    assertNoSecret('util.inspect', views);
    // The views are still useful: they show the service and the address.
    assert.match(inspect(master, { depth: 6 }), new RegExp(String(topology.master.port)));
  });

  test('util.inspect of plain clients, pools and connections shows no password', async () => {
    const address = topology.master.address;
    const conn = await createConnection(address, { password: DATA_PASSWORD });
    const client = await createRedis(address, { username: 'app', password: APP_PASSWORD });
    const pooled = await createRedisPool(address, { username: 'app', password: APP_PASSWORD, minsize: 2 });
    const pool = await createPool(address, { password: DATA_PASSWORD });
    closers.push(conn, client, pooled, pool);
    assert.equal(await conn.execute('PING'), 'PONG');
    assert.equal(await client.ping(), 'PONG');
    assert.equal(await pooled.ping(), 'PONG');
    assert.equal(await pool.execute('PING'), 'PONG');
    assertNoSecret('util.inspect', [
      inspect(conn, { depth: 6 }),
      inspect(client, { depth: 6 }),
      inspect(pooled, { depth: 6 }),
      inspect(pool, { depth: 6 }),
    ]);
  });

  test('util.inspect of an unconnected SentinelPool hides passwords and TLS key material', () => {
    const pool = new SentinelPool([['127.0.0.1', 1]], {
      ...options(),
      sentinelUsername: 'u',
      ssl: { passphrase: `${SECRET}-passphrase`, key: `-----BEGIN PRIVATE KEY----- ${SECRET}` },
      sentinelTls: { passphrase: `${SECRET}-passphrase` },
    });
    const view = inspect(pool, { depth: 8 });
    assertNoSecret('util.inspect', [view]);
    assert.match(view, /SentinelPool/);
  });

  test('auth failures (data node, sentinel, plain client) carry no password', async () => {
    const wrongData = `${SECRET}-wrong`;
    const sentinel = await createSentinel(topology.sentinelAddresses, options({ password: wrongData }));
    closers.push(sentinel);
    const masterErr = await rejection(() => sentinel.masterFor(topology.service).get('k'));
    assert.ok(masterErr instanceof MasterReplyError && masterErr.cause instanceof AuthError);
    const slaveErr = await rejection(() => sentinel.slaveFor(topology.service).get('k'));
    assert.ok(slaveErr instanceof RedisError);
    errors.push(masterErr, slaveErr);
    assertNoSecret('util.inspect', [inspect(sentinel, { depth: 6 })]);

    const sentinelErr = await rejection(() =>
      createSentinel(topology.sentinelAddresses, options({ sentinelPassword: `${SECRET}-wrong` })),
    );
    assert.ok(sentinelErr instanceof SentinelConnectionError);
    errors.push(sentinelErr);

    const poolErr = await rejection(() =>
      createSentinelPool(topology.sentinelAddresses, options({ sentinelUsername: 'x', sentinelPassword: wrongData })),
    );
    assert.ok(poolErr instanceof SentinelConnectionError);
    errors.push(poolErr);

    const aclErr = await rejection(() =>
      createRedis(topology.master.address, { username: 'app', password: wrongData }),
    );
    assert.ok(aclErr instanceof AuthError);
    errors.push(aclErr);
    const anonymous = await createRedis(topology.master.address);
    closers.push(anonymous);
    const noAuthErr = await rejection(() => anonymous.get('k'));
    assert.ok(noAuthErr instanceof AuthError, `got ${String(noAuthErr)}`);
    errors.push(noAuthErr);
    const plainErr = await rejection(() => createRedis(topology.master.address, { password: wrongData }));
    assert.ok(plainErr instanceof AuthError);
    errors.push(plainErr);
    const pooledErr = await rejection(() => createRedisPool(topology.master.address, { password: wrongData }));
    assert.ok(pooledErr instanceof AuthError, `got ${String(pooledErr)}`);
    errors.push(pooledErr);

    assertNoSecret('error', errors.flatMap(renderError));
  });

  test('bad addresses or options given with a password: the TypeError carries no password', async () => {
    const bad: unknown[] = [
      `redis://:${SECRET}@127.0.0.1:70000`,
      `rediss://user:${SECRET}@127.0.0.1:0`,
      `redis://user:${SECRET}@`,
      { host: '', port: 6379, password: SECRET },
    ];
    for (const address of bad) {
      const err = await rejection(() => createRedis(address as string, { password: SECRET }));
      assert.ok(err instanceof TypeError, `got ${String(err)}`);
      errors.push(err);
      const err2 = await rejection(() => createSentinel([address as string], { password: SECRET }));
      assert.ok(err2 instanceof TypeError, `got ${String(err2)}`);
      errors.push(err2);
    }
    const err3 = await rejection(() =>
      createSentinel(topology.sentinelAddresses, { password: SECRET, sentinelPassword: SECRET, minsize: -1 }),
    );
    assert.ok(err3 instanceof TypeError);
    errors.push(err3);
    assertNoSecret('error', errors.flatMap(renderError));
  });

  // Last: it changes the master.
  test('log lines of discovery and a failover carry no password', async () => {
    const lines: string[] = [];
    const sentinel = await createSentinel(
      topology.sentinelAddresses,
      options({ logger: captureLogger(lines), masterCheckInterval: 200 }),
    );
    closers.push(sentinel);
    const master = sentinel.masterFor(topology.service);
    assert.equal(await master.set('sec:failover', '1'), 'OK');
    const old = topology.master.address;
    const promoted = await topology.failover();
    await waitFor(
      'the client to write to the new master',
      async () =>
        (await master.set('sec:failover', '2').catch(() => null)) === 'OK' && master.address?.[1] === promoted[1],
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    assert.notDeepEqual(promoted, old);
    logLines.push(...lines);
    // The logger saw the discovery and the switch (so the check below looked at real lines).
    assert.ok(
      lines.some((l) => l.includes(String(promoted[1]))),
      `no log line names the new master:\n${lines.join('\n')}`,
    );
    assertNoSecret('log line', logLines);
  });
});
