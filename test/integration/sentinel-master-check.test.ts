// The periodic master check (masterCheckInterval) against a real sentinel whose answer is steered with
// SENTINEL REMOVE / MONITOR: a switch it finds is followed (an event the client missed), but a sentinel that
// still names the master the client left behind (one that has not yet heard of the failover) does not send
// the client back while the master in use answers as master; once that one is demoted, it does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSentinel } from '../../src/sentinel/index.js';
import { RedisServer, SentinelServer, waitFor } from '../../src/testing/index.js';
import { command } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { closeSentinel, recordEvents } from '../helpers/sentinel.js';

const SERVICE = 'mymaster';
const CHECK_MS = 50;

/** Points the sentinel's `mymaster` at `address` (what a sentinel reports after, or before, a failover). */
async function monitor(sentinel: SentinelServer, address: Address): Promise<void> {
  await command(sentinel.address, {}, 'SENTINEL', 'REMOVE', SERVICE);
  await command(sentinel.address, {}, 'SENTINEL', 'MONITOR', SERVICE, address[0], String(address[1]), '1');
}

/** How many commands the sentinel has processed (its INFO has no commandstats). */
async function sentinelCalls(sentinel: SentinelServer): Promise<number> {
  const info = String(await command(sentinel.address, {}, 'INFO', 'stats'));
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}

describe('periodic master check', { timeout: 60_000 }, () => {
  let a: RedisServer;
  let b: RedisServer;
  let sentinel: SentinelServer;

  before(async () => {
    [a, b] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    sentinel = await SentinelServer.start({
      monitors: [{ name: SERVICE, host: a.address[0], port: a.address[1], quorum: 1 }],
    });
  });
  after(async () => {
    await Promise.all([sentinel?.stop(), a?.stop(), b?.stop()]);
  });

  test('follows a switch it finds, ignores a sentinel naming the master left behind until that master is demoted', async () => {
    const client = await createSentinel([sentinel.address], { masterCheckInterval: CHECK_MS });
    const log = recordEvents(client);
    try {
      const master = client.masterFor(SERVICE);
      await master.set('k', 'on-a');
      assert.deepEqual(master.address, a.address);

      // A switch whose event the client never heard: the check finds it and follows.
      await monitor(sentinel, b.address);
      await waitFor('the client on b', () => master.address?.[1] === b.address[1], { timeoutMs: 5_000 });
      await master.set('k', 'on-b');
      assert.equal(await command(b.address, {}, 'GET', 'k'), 'on-b');
      assert.equal(log.of('switch-master').length, 1);

      // The sentinel names a again (as one that has not yet heard of the failover would): b still answers as
      // master, so the client stays, through many checks.
      await monitor(sentinel, a.address);
      const calls = await sentinelCalls(sentinel);
      await waitFor('20 more periodic checks', async () => (await sentinelCalls(sentinel)) >= calls + 20, {
        timeoutMs: 10_000,
      });
      assert.deepEqual(master.address, b.address, 'still on b');
      assert.equal(log.of('switch-master').length, 1, `no switch back: ${JSON.stringify(log.events)}`);
      await master.set('k', 'still-b');
      assert.equal(await command(b.address, {}, 'GET', 'k'), 'still-b');

      // b demoted (a replica of a): now the sentinel's answer is right, and the client goes back to a.
      await command(b.address, {}, 'REPLICAOF', a.address[0], String(a.address[1]));
      await waitFor('the client back on a', () => master.address?.[1] === a.address[1], { timeoutMs: 5_000 });
      await waitFor('a write acknowledged by a', async () => {
        await master.set('k', 'back-on-a');
        return (await command(a.address, {}, 'GET', 'k')) === 'back-on-a';
      });
      assert.equal(log.of('switch-master').length, 2);
      assert.deepEqual(log.of('switch-master')[1]?.payload, { service: SERVICE, from: b.address, to: a.address });
    } finally {
      await closeSentinel(client);
      await command(b.address, {}, 'REPLICAOF', 'NO', 'ONE');
    }
  });
});
