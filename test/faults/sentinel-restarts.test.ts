import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { SentinelConnectionError, createSentinel, type Redis, type RedisSentinel } from '../../src/index.js';
import { SentinelTopology, type SentinelServer } from '../../src/testing/index.js';
import { command } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { CLIENT_FAILOVER_TIMEOUT, SERVICE, SETTLE_MARGIN, waitForSettled } from './run-failovers.js';
import { sameAddress } from '../../src/address.js';
import { LogBuffer, collectUnhandledRejections, describeError, until, within } from './workload.js';
import { guardProcess } from './process-guard.js';

const guard = guardProcess('sentinel-restarts');
after(() => guard.assertNone());

/** Clients subscribed to this sentinel's events (PSUBSCRIBE): sentinels never subscribe to each other. */
async function subscribers(sentinel: SentinelServer): Promise<number> {
  const list = String(await command(sentinel.address, { timeoutMs: 1_000 }, 'CLIENT', 'LIST'));
  return list.split('\n').filter((line) => /\bpsub=[1-9]/.test(line)).length;
}

async function waitForSubscribers(sentinel: SentinelServer, n: number, timeoutMs = 10_000): Promise<void> {
  await until(
    `${n} clients to subscribe again to ${sentinel.describe()}`,
    async () => (await subscribers(sentinel)) >= n,
    timeoutMs,
  );
}

/** A write through `redis` lands on `master` (read back there on a connection of its own). */
async function assertWritesTo(redis: Redis, master: Address, key: string): Promise<void> {
  const value = `v${Date.now()}`;
  assert.equal(await redis.set(key, value), 'OK');
  assert.equal(await command(master, {}, 'GET', key), value, `${key} is on the master ${master.join(':')}`);
}

test(
  'sentinels restarted one by one, then all down and back: the client recovers by itself and follows a failover',
  { timeout: 180_000 },
  async (t) => {
    const unhandled = collectUnhandledRejections();
    const log = new LogBuffer();
    const eventsLog = new LogBuffer();
    let topology: SentinelTopology | undefined;
    const clients: RedisSentinel[] = [];
    try {
      topology = await SentinelTopology.start({
        replicas: 1,
        sentinels: 3,
        quorum: 2,
        downAfterMs: 1_000,
        failoverTimeoutMs: 3_000,
      });
      const topo = topology;
      // Default options, and one that can only learn of a failover from the sentinels' events (no
      // periodic check): after a graceful failover the old master keeps accepting writes for ~8 s,
      // so following within that time proves the event subscriptions came back.
      const sentinel = await createSentinel(topo.sentinelAddresses, { logger: log });
      clients.push(sentinel);
      const eventsOnly = await createSentinel(topo.sentinelAddresses, { logger: eventsLog, masterCheckInterval: 0 });
      clients.push(eventsOnly);
      const redis = sentinel.masterFor(SERVICE);
      const redisEvents = eventsOnly.masterFor(SERVICE);
      let master = await topo.masterAddress();
      await assertWritesTo(redis, master, 'start:a');
      await assertWritesTo(redisEvents, master, 'start:b');
      for (const s of topo.sentinelServers) await waitForSubscribers(s, 2);

      const followFailover = async (when: string): Promise<void> => {
        const to = await topo.failover({ timeoutMs: 30_000 });
        // The next write through either client goes to the new master (the old one still accepts
        // writes for a few seconds: a write acknowledged there would be lost).
        const t0 = Date.now();
        await within(assertWritesTo(redis, to, `after:${when}:a`), CLIENT_FAILOVER_TIMEOUT + SETTLE_MARGIN, 'a write');
        await within(assertWritesTo(redisEvents, to, `after:${when}:b`), 5_000, 'a write (events-only client)');
        assert.ok(sameAddress(redis.address, to) && sameAddress(redisEvents.address, to), 'both clients use it');
        t.diagnostic(`[faults] sentinels: failover ${when} followed by both clients (${Date.now() - t0} ms)`);
        master = to;
      };

      // 1. One sentinel at a time: SIGKILL, check the client still works, restart it.
      for (const [i, s] of topo.sentinelServers.entries()) {
        await s.kill();
        assert.equal(await sentinel.ping(), 'PONG', `another sentinel answers while sentinel ${i} is down`);
        assert.deepEqual(await sentinel.masterAddress(SERVICE), master);
        await assertWritesTo(redis, master, `one-by-one:${i}`);
        await s.restart();
        await waitForSubscribers(s, 2);
        assert.equal(await sentinel.ping(), 'PONG');
      }
      await waitForSettled(topo);
      await followFailover('after restarting the sentinels one by one');

      // 2. Every sentinel down at once: data commands go on over the open connections; sentinel
      //    commands reject with a typed error, quickly; then they all come back.
      await waitForSettled(topo);
      await Promise.all(topo.sentinelServers.map((s) => s.kill()));
      await assertWritesTo(redis, master, 'all-down:a');
      await assertWritesTo(redisEvents, master, 'all-down:b');
      const t0 = Date.now();
      await assert.rejects(within(sentinel.ping(), 10_000, 'sentinel.ping() with every sentinel down'), (error) => {
        assert.ok(error instanceof SentinelConnectionError, `SentinelConnectionError, got ${describeError(error)}`);
        return true;
      });
      await assert.rejects(
        within(sentinel.masterAddress(SERVICE), 10_000, 'masterAddress() with every sentinel down'),
        SentinelConnectionError,
      );
      t.diagnostic(`[faults] sentinels: with all of them down, sentinel commands rejected in ${Date.now() - t0} ms`);
      await Promise.all(topo.sentinelServers.map((s) => s.restart()));
      for (const s of topo.sentinelServers) await waitForSubscribers(s, 2, 15_000);
      assert.equal(await sentinel.ping(), 'PONG');
      await waitForSettled(topo);
      await followFailover('after all sentinels were down');

      assert.deepEqual(unhandled.reasons.map(describeError), [], 'unhandled rejections');
      for (const c of clients.splice(0)) {
        c.close();
        await within(c.waitClosed(), 10_000, 'waitClosed()');
      }
    } catch (error) {
      t.diagnostic(`default client log:\n${log.tail(80)}`);
      t.diagnostic(`events-only client log:\n${eventsLog.tail(80)}`);
      throw error;
    } finally {
      for (const c of clients) {
        c.close();
        await within(c.waitClosed(), 10_000, 'waitClosed()').catch(() => undefined);
      }
      await topology?.stop();
      unhandled.dispose();
    }
  },
);
