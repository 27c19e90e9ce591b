// Several sentinels: they see each other, the client learns peers, pools fill after one discovery,
// and losing one sentinel (its process, or only its event connection) does not stop the client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from '../../src/connection/connection.js';
import { formatAddress } from '../../src/address.js';
import type { Redis } from '../../src/client/redis.js';
import { createSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, freePort, waitFor } from '../../src/testing/index.js';
import type { Address, Logger } from '../../src/types.js';
import { closeSentinel } from '../helpers/sentinel.js';
import { LONG_TIMEOUT_MS, NO_WAIT_BOUND_MS } from '../helpers/util.js';

const SERVICE = 'mymaster';
/** Two sentinels, one replica: failovers possible. */
let topology: SentinelTopology;
/** Two sentinels, no replica: the first sentinel gets killed. */
let killable: SentinelTopology;

/** A logger that keeps every line, with its level. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: (m: string) => lines.push(`log ${m}`),
    debug: (m: string) => lines.push(`debug ${m}`),
    warn: (m: string) => lines.push(`warn ${m}`),
    error: (m: string) => lines.push(`error ${m}`),
  };
}

/** Runs one command on a fresh direct connection to `address`. */
async function direct(address: Address, command: string, ...args: (string | number)[]): Promise<unknown> {
  const conn = await createConnection(address, { connectTimeout: 2_000 });
  try {
    return await conn.execute(command, ...args);
  } finally {
    conn.close();
    await conn.waitClosed();
  }
}

/** Polls until a write through `client` is acknowledged by `address`, which ROLE confirms is a master. */
async function writesReach(client: Redis, address: Address, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    `writes through masterFor to reach ${formatAddress(address)}`,
    async () => {
      await client.set('multi:probe', String(Date.now()));
      const at = client.address;
      if (at === null || at[0] !== address[0] || at[1] !== address[1]) return false;
      return (await client.role()).role === 'master';
    },
    { timeoutMs, intervalMs: 20 },
  );
}

before(async () => {
  [topology, killable] = await Promise.all([
    SentinelTopology.start({ replicas: 1, sentinels: 2, quorum: 1, downAfterMs: 1_000, failoverTimeoutMs: 2_000 }),
    SentinelTopology.start({ replicas: 0, sentinels: 2, quorum: 1, downAfterMs: 1_000, failoverTimeoutMs: 2_000 }),
  ]);
});

after(async () => {
  await Promise.all([topology?.stop(), killable?.stop()]);
});

describe('two sentinels', () => {
  test('each sentinel lists the other one in sentinels(name)', async () => {
    const [first, second] = topology.sentinelServers;
    for (const [asked, other] of [
      [first!, second!],
      [second!, first!],
    ]) {
      const s = await createSentinel([asked.address]);
      try {
        const peers = await s.sentinels(SERVICE);
        assert.equal(peers.length, 1);
        assert.equal(peers[0]!.port, other.port);
        assert.equal(peers[0]!.ip, '127.0.0.1');
        assert.ok(peers[0]!.flags.includes('sentinel'), `flags ${peers[0]!.flags.join(',')}`);
        assert.equal((await s.master(SERVICE))['num-other-sentinels'], 1);
      } finally {
        await closeSentinel(s);
      }
    }
  });

  test('the client learns the peer of the only sentinel it was given', async () => {
    const [first, second] = topology.sentinelServers;
    const logger = recordingLogger();
    const s = await createSentinel([first!.address], { logger });
    try {
      assert.deepEqual(s.pool.sentinelAddresses[0], first!.address);
      await waitFor(
        `the client to learn sentinel ${formatAddress(second!.address)}`,
        () => s.pool.sentinelAddresses.some((a) => a[0] === second!.host && a[1] === second!.port),
        { timeoutMs: 5_000, intervalMs: 10 },
      );
      assert.equal(s.pool.sentinelAddresses.length, 2);
      assert.ok(
        logger.lines.some((l) => l.includes(`Found sentinel ${formatAddress(second!.address)}`)),
        logger.lines.join('\n'),
      );
    } finally {
      await closeSentinel(s);
    }
  });

  test('minsize 10: the pool holds 10 connections after the first command, from one discovery', async () => {
    const logger = recordingLogger();
    const s = await createSentinel(topology.sentinelAddresses, { minsize: 10, maxsize: 10, logger });
    try {
      const pool = s.pool.masterFor(SERVICE);
      assert.equal(pool.size, 0, 'nothing is opened before the first command');
      await s.masterFor(SERVICE).get('multi:minsize');
      assert.equal(pool.size, 10);
      assert.equal(pool.freesize, 10);
      const master = await topology.masterAddress();
      assert.deepEqual(pool.address, master);
      for (const a of pool.connectedAddresses) assert.deepEqual(a, master);
      const discoveries = logger.lines.filter((l) => l.includes('Discovered master'));
      assert.equal(discoveries.length, 1, logger.lines.join('\n'));
      assert.ok(discoveries[0]!.includes(`${master[0]}:${master[1]} for ${SERVICE}`), discoveries[0]);
      // More commands reuse those connections: still one discovery.
      await Promise.all(Array.from({ length: 50 }, (_, i) => s.masterFor(SERVICE).set(`multi:minsize:${i}`, i)));
      assert.equal(pool.size, 10);
      assert.equal(logger.lines.filter((l) => l.includes('Discovered master')).length, 1);
    } finally {
      await closeSentinel(s);
    }
  });

  test("one sentinel's event connection killed: events still come from the other, it resubscribes, failover followed", async () => {
    const [first, second] = topology.sentinelServers;
    const logger = recordingLogger();
    const s = await createSentinel(topology.sentinelAddresses, { logger });
    const fake = ['127.0.0.1', await freePort()] as const;
    const names = [`fake-a-${fake[1]}`, `fake-b-${fake[1]}`];
    try {
      const client = s.masterFor(SERVICE);
      assert.equal(await client.set('multi:events', '1'), 'OK');
      await waitFor(
        'the client to subscribe to both sentinels',
        async () => {
          for (const sentinel of [first!, second!]) {
            const list = String(await direct(sentinel.address, 'CLIENT', 'LIST', 'TYPE', 'pubsub'));
            if (!list.includes('cmd=psubscribe')) return false;
          }
          return true;
        },
        { timeoutMs: 5_000 },
      );

      const killed = await direct(first!.address, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
      assert.ok(Number(killed) >= 1, `CLIENT KILL TYPE pubsub killed ${String(killed)}`);
      await waitFor(
        'the client to notice the lost subscription',
        () =>
          logger.lines.some(
            (l) => l.startsWith('warn Lost the event subscription') && l.includes(first!.port.toString()),
          ),
        { timeoutMs: 5_000, intervalMs: 5 },
      );

      // +monitor is published only by the sentinel that ran SENTINEL MONITOR: it proves where events come from.
      const fromSecond = `(from ${formatAddress(second!.address)})`;
      assert.equal(await direct(second!.address, 'SENTINEL', 'MONITOR', names[1]!, fake[0], fake[1], 1), 'OK');
      await waitFor(
        'a +monitor event from the second sentinel',
        () => logger.lines.some((l) => l.includes(`+monitor master ${names[1]}`) && l.includes(fromSecond)),
        { timeoutMs: 5_000, intervalMs: 5 },
      );

      // The first sentinel's subscription comes back by itself.
      await waitFor(
        'the client to subscribe to the first sentinel again',
        async () => String(await direct(first!.address, 'CLIENT', 'LIST', 'TYPE', 'pubsub')).includes('cmd=psubscribe'),
        { timeoutMs: 5_000 },
      );
      const fromFirst = `(from ${formatAddress(first!.address)})`;
      assert.equal(await direct(first!.address, 'SENTINEL', 'MONITOR', names[0]!, fake[0], fake[1], 1), 'OK');
      await waitFor(
        'a +monitor event from the first sentinel after it resubscribed',
        () => logger.lines.some((l) => l.includes(`+monitor master ${names[0]}`) && l.includes(fromFirst)),
        { timeoutMs: 5_000, intervalMs: 5 },
      );

      // And a failover after all that is still followed.
      const oldMaster = await topology.masterAddress();
      const newMaster = await topology.failover();
      assert.notDeepEqual(newMaster, oldMaster);
      await writesReach(client, newMaster);
      assert.ok(
        logger.lines.some((l) => l.includes(`+switch-master ${SERVICE}`)),
        'the client saw +switch-master',
      );
    } finally {
      await direct(first!.address, 'SENTINEL', 'REMOVE', names[0]!).catch(() => undefined);
      await direct(second!.address, 'SENTINEL', 'REMOVE', names[1]!).catch(() => undefined);
      await closeSentinel(s);
    }
  });
});

describe('the first sentinel killed', () => {
  test('sentinel commands go through the other sentinel and masterFor keeps working', async () => {
    const [first, second] = killable.sentinelServers;
    // A dead sentinel must be skipped at once, not after a discovery step's timeout (long here).
    const s = await createSentinel(killable.sentinelAddresses, { timeout: LONG_TIMEOUT_MS });
    // This one is given only the first sentinel: it must find the second by itself to survive.
    const learner = await createSentinel([first!.address]);
    try {
      const client = s.masterFor(SERVICE);
      assert.equal(await client.set('multi:kill', 'before'), 'OK');
      assert.equal(await s.ping(), 'PONG');
      await waitFor(
        'the client given one sentinel to learn the other',
        () => learner.pool.sentinelAddresses.some((a) => a[1] === second!.port),
        { timeoutMs: 5_000, intervalMs: 10 },
      );

      await first!.kill('SIGKILL');
      assert.equal(first!.running, false);

      const started = performance.now();
      assert.equal(await s.ping(), 'PONG');
      const master = await s.master(SERVICE);
      assert.equal(master.port, killable.master.port);
      assert.ok(master.flags.includes('master'));
      assert.deepEqual(await s.masterAddress(SERVICE), killable.master.address);
      const ms = performance.now() - started;
      assert.ok(
        ms < NO_WAIT_BOUND_MS,
        `sentinel commands took ${ms} ms with the first sentinel dead (timeout ${LONG_TIMEOUT_MS})`,
      );

      assert.equal(await client.set('multi:kill', 'after'), 'OK');
      assert.equal(await client.get('multi:kill'), 'after');
      for (let i = 0; i < 5; i++) assert.equal(await s.ping(), 'PONG');

      // The client that was given only the dead sentinel goes on through the peer it learned.
      assert.equal(await learner.ping(), 'PONG');
      assert.equal((await learner.master(SERVICE)).port, killable.master.port);
      assert.equal(await learner.masterFor(SERVICE).get('multi:kill'), 'after');

      // A new client given the dead sentinel first still works.
      const fresh = await createSentinel(killable.sentinelAddresses);
      try {
        assert.equal(await fresh.ping(), 'PONG');
        assert.equal(await fresh.masterFor(SERVICE).get('multi:kill'), 'after');
      } finally {
        await closeSentinel(fresh);
      }
    } finally {
      await closeSentinel(learner);
      await closeSentinel(s);
    }
  });
});
