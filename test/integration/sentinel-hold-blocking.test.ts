// A blocking write (BLMOVE / BLPOP) or a borrowed connection asked for while a failover holds writes
// waits for the switch and goes to the new master, not to the master about to be demoted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { command } from '../../src/testing/commands.js';
import { closeSentinel } from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

describe('blocking commands during the write hold', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;
  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 });
  });
  after(() => topology?.stop());

  test('a BLPOP issued while writes are held is sent to the new master after the switch', async () => {
    const sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: 10_000 });
    try {
      const redis = sentinel.masterFor(topology.service);
      await redis.set(uniq('warm-up'), 1);
      const pool = redis.connection as unknown as { holding: boolean };
      const key = uniq('jobs');
      const old = topology.master.address;
      const failover = topology.failover({ timeoutMs: 30_000 });
      await waitFor('the client to hold writes', () => pool.holding, { timeoutMs: 20_000, intervalMs: 2 });
      const popped = redis.blpop(key, 0);
      const to = await failover;
      assert.notDeepEqual(to, old);
      // Only a BLPOP blocked on the new master sees this push.
      await command(to, {}, 'LPUSH', key, 'job-1');
      assert.deepEqual(await popped, [key, 'job-1']);
      assert.deepEqual(redis.address, to);
    } finally {
      await closeSentinel(sentinel);
    }
  });
});
