// Options of createSentinel that must do what they say: name (CLIENT SETNAME on every connection),
// replicaFallback, validation that refuses bad values before opening anything, and masterCheckInterval
// as the only way a client that hears no sentinel event follows a failover.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sameAddress } from '../../src/address.js';
import { SlaveNotFoundError } from '../../src/errors.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import type { SentinelOptions } from '../../src/sentinel/options.js';
import { command } from '../../src/testing/commands.js';
import { waitFor, type RedisServer } from '../../src/testing/index.js';
import { toText } from '../../src/text.js';
import type { Address } from '../../src/types.js';
import { backToBaseline, closeSentinel, resourceCounts, timedRejection, withTopology } from '../helpers/sentinel.js';
import { uniq, within } from '../helpers/util.js';

const SERVICE = 'mymaster';

/** How many clients of the server at `address` carry `name` (CLIENT LIST). */
async function clientsNamed(address: Address, name: string): Promise<number> {
  const list = toText(await command(address, { timeoutMs: 5_000 }, 'CLIENT', 'LIST'));
  return list.split('\n').filter((line) => line.split(' ').includes(`name=${name}`)).length;
}

/** The sentinel's view of `server` as a replica: its flags and master link. */
async function replicaSeen(sentinel: RedisSentinel, server: RedisServer): Promise<{ flags: string; link: string }> {
  const r = (await sentinel.replicas(SERVICE)).find((x) => Number(x.port) === server.port);
  return { flags: r?.flags.join(',') ?? 'unknown', link: r?.['master-link-status'] ?? 'unknown' };
}

describe('name', () => {
  test('CLIENT SETNAME on master, replica and sentinel connections', async () => {
    await withTopology({ replicas: 1 }, async (topology) => {
      const name = uniq('app').replace(':', '-');
      const sentinel = await createSentinel(topology.sentinelAddresses, { name, minsize: 2 });
      try {
        const key = uniq('named');
        await sentinel.masterFor(SERVICE).set(key, 'v');
        await sentinel.slaveFor(SERVICE).get(key);
        const master = sentinel.pool.masterFor(SERVICE);
        const replica = sentinel.pool.slaveFor(SERVICE);
        assert.equal(master.size, 2);
        assert.equal(await clientsNamed(master.address!, name), master.size);
        assert.equal(replica.size, 2);
        assert.equal(await clientsNamed(replica.address!, name), replica.size);
        // The command connection and the event subscription.
        assert.equal(await clientsNamed(topology.sentinelAddresses[0]!, name), 2);
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });
});

describe('replicaFallback', () => {
  test("'master' reads from the master while no replica is healthy, and moves back; 'none' rejects", async () => {
    await withTopology({ replicas: 1, downAfterMs: 1_000 }, async (topology) => {
      const options: SentinelOptions = { minsize: 1, maxsize: 1, failoverTimeout: 2_000 };
      const fallback = await createSentinel(topology.sentinelAddresses, { ...options, replicaFallback: 'master' });
      const strict = await createSentinel(topology.sentinelAddresses, options);
      try {
        const key = uniq('fallback');
        const master = topology.master.address;
        const replica = topology.replicas[0]!;
        await fallback.masterFor(SERVICE).set(key, 'v');
        assert.equal(await fallback.masterFor(SERVICE).execute('WAIT', 1, 5_000), 1);
        const reader = fallback.slaveFor(SERVICE);
        assert.equal(await reader.get(key), 'v');
        assert.deepEqual(reader.address, replica.address);
        assert.equal(await strict.slaveFor(SERVICE).get(key), 'v');

        await replica.kill('SIGKILL');
        await waitFor('the sentinel to report the replica down', async () =>
          (await replicaSeen(fallback, replica)).flags.includes('s_down'),
        );
        assert.equal(await within(5_000, 'a read with no replica left', reader.get(key)), 'v');
        assert.deepEqual(reader.address, master);
        const { error } = await within(5_000, 'the strict read', timedRejection(strict.slaveFor(SERVICE).get(key)));
        assert.ok(error instanceof SlaveNotFoundError, `expected SlaveNotFoundError, got ${String(error)}`);

        await replica.restart();
        await waitFor(
          'the sentinel to report the replica healthy again',
          async () => {
            const seen = await replicaSeen(fallback, replica);
            return seen.flags === 'slave' && seen.link === 'ok';
          },
          { timeoutMs: 20_000, intervalMs: 100 },
        );
        await waitFor(
          'the fallback client to read from the replica again',
          async () => (await reader.get(key)) === 'v' && sameAddress(reader.address, replica.address),
          { timeoutMs: 10_000, intervalMs: 50 },
        );
      } finally {
        await closeSentinel(fallback);
        await closeSentinel(strict);
      }
    });
  });
});

describe('validation', () => {
  const bad: [option: string, options: Record<string, unknown>][] = [
    ['durability', { durability: {} }],
    ['durability', { durability: { replicas: 0, timeout: 100 } }],
    ['durability', { durability: { replicas: 1, timeout: 0 } }],
    ['durability', { durability: 'x' }],
    ['replicaFallback', { replicaFallback: 'x' }],
    ['keepAlive', { keepAlive: -1 }],
    ['pingInterval', { pingInterval: Number.NaN }],
    ['name', { name: 'a b' }],
    ['maxQueuedCommands', { maxQueuedCommands: -1 }],
  ];

  test('createSentinel rejects a TypeError naming the bad option, and opens nothing', async () => {
    await withTopology({ replicas: 0 }, async (topology) => {
      const baseline = resourceCounts();
      for (const [option, options] of bad) {
        await assert.rejects(
          createSentinel(topology.sentinelAddresses, options as SentinelOptions),
          (error: unknown) => error instanceof TypeError && error.message.startsWith(`${option} `),
          `${JSON.stringify(options)} must be refused`,
        );
      }
      await backToBaseline(baseline, 'the refused createSentinel calls');
      // Nothing connected at all: the sentinel's only client is the one asking CLIENT LIST.
      const clients = toText(await command(topology.sentinelAddresses[0]!, {}, 'CLIENT', 'LIST'));
      assert.equal(clients.split('\n').filter((l) => l.trim() !== '').length, 1);
    });
  });
});

describe('masterCheckInterval', () => {
  test('with sentinel events unheard, the periodic check alone moves the client to the new master', async () => {
    await withTopology({ replicas: 1, downAfterMs: 1_000, failoverTimeoutMs: 2_000 }, async (topology) => {
      const interval = 200;
      const sentinel = await createSentinel(topology.sentinelAddresses, { masterCheckInterval: interval });
      (sentinel.pool as unknown as { follower: { onEvent: (...a: unknown[]) => void } }).follower.onEvent = () => {};
      try {
        const m = sentinel.masterFor(SERVICE);
        await m.set(uniq('warm'), '1');
        const old = m.address!;
        const promoted = await topology.failover();
        assert.ok(!sameAddress(old, promoted));
        // The old master still calls itself master for seconds: only the check can tell the client.
        await waitFor('the client to follow the new master', () => sameAddress(m.address, promoted), {
          timeoutMs: 10 * interval,
          intervalMs: 20,
        });
        const key = uniq('checked');
        assert.equal(await m.set(key, 'new'), 'OK');
        assert.deepEqual(m.address, promoted);
        assert.equal(toText(await command(promoted, {}, 'GET', key)), 'new');
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });
});
