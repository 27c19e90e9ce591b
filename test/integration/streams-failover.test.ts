// A stream consumer group read through masterFor keeps consuming across a failover: a blocked
// XREADGROUP in flight is resent or rejects typed (never hangs), entries added on the new master are
// read, pending entries are visible there and XACK works. Graceful and SIGKILL failovers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from '../../src/client/redis.js';
import { ConnectionClosedError, MasterNotFoundError } from '../../src/errors.js';
import { createSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { closeSentinel, failoverBy } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

interface Consumer {
  read: string[];
  /** How each blocked read in flight during the failover ended, other than with entries or a timeout. */
  interrupted: string[];
  stop(): Promise<void>;
}

/** Reads the group in a loop (BLOCK 500), acknowledging what it reads; retries after a typed failure. */
function consume(redis: Redis, stream: string, group: string, name: string): Consumer {
  const read: string[] = [];
  const interrupted: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const reply = await redis.xreadgroup(group, name, { [stream]: '>' }, { COUNT: 10, BLOCK: 500 });
        for (const { id, fields } of reply?.[0]?.entries ?? []) {
          read.push(String(fields?.['n']));
          await redis.xack(stream, group, id);
        }
      } catch (error) {
        // What a failover may do to a read in flight: typed, and the loop goes on.
        assert.ok(
          error instanceof ConnectionClosedError || error instanceof MasterNotFoundError,
          `untyped failure: ${String(error)}`,
        );
        interrupted.push((error as Error).name);
      }
    }
  })();
  return {
    read,
    interrupted,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('a stream consumer group across failovers', { timeout: 120_000 }, () => {
  let topology: SentinelTopology;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 });
  });
  after(() => topology?.stop());

  const kinds: [string, () => Promise<Address>][] = [
    ['graceful', () => topology.failover({ timeoutMs: 30_000, waitForReplicas: true })],
    [
      'SIGKILL',
      async () => {
        const to = await failoverBy(topology, 'kill');
        await topology.waitForReplicas(topology.service, 30_000);
        return to;
      },
    ],
  ];

  for (const [kind, failover] of kinds) {
    test(`${kind}: the consumer keeps reading; pending entries and XACK on the new master`, async (t) => {
      const sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: 10_000 });
      const redis = sentinel.masterFor(topology.service);
      const stream = uniq('orders');
      const group = 'billing';
      let consumer: Consumer | undefined;
      try {
        await redis.xgroupCreate(stream, group, '$', { MKSTREAM: true });
        // One entry read by a consumer that never acknowledges it: pending across the failover.
        await redis.xadd(stream, '*', { n: 'pending' });
        const stuck = await redis.xreadgroup(group, 'crashed', { [stream]: '>' }, { COUNT: 1 });
        const pendingId = stuck![0]!.entries[0]!.id;
        // WAIT: the group's state must reach the replica before the fault for SIGKILL to keep it.
        await redis.execute('WAIT', 1, 5000);
        consumer = consume(redis, stream, group, 'worker');
        for (let i = 0; i < 5; i++) await redis.xadd(stream, '*', { n: `before-${i}` });
        await waitFor('the entries added before the failover to be read', () => consumer!.read.length === 5, {
          timeoutMs: 10_000,
        });
        await redis.execute('WAIT', 1, 5000);
        const to = await failover();
        for (let i = 0; i < 5; i++) await redis.xadd(stream, '*', { n: `after-${i}` });
        assert.deepEqual(redis.address, to, 'the writes went to the new master');
        await waitFor('the entries added after the failover to be read', () => consumer!.read.length === 10, {
          timeoutMs: 20_000,
        });
        assert.deepEqual(consumer.read, [
          ...Array.from({ length: 5 }, (_, i) => `before-${i}`),
          ...Array.from({ length: 5 }, (_, i) => `after-${i}`),
        ]);
        const pending = await redis.xpending(stream, group);
        assert.equal(pending.count, 1, JSON.stringify(pending));
        assert.equal(pending.min, pendingId);
        assert.deepEqual(pending.consumers, [{ name: 'crashed', count: 1 }]);
        assert.equal(await redis.xack(stream, group, pendingId), 1);
        assert.equal((await redis.xpending(stream, group)).count, 0);
        await consumer.stop();
        // Whatever the failover did to the read in flight, it was typed (asserted in the loop), never a hang.
        assert.ok(consumer.interrupted.length <= 3, `interrupted reads: ${consumer.interrupted.join(', ')}`);
        t.diagnostic(`reads in flight interrupted by the failover: ${consumer.interrupted.join(', ') || 'none'}`);
      } finally {
        await consumer?.stop();
        await closeSentinel(sentinel);
      }
    });
  }
});
