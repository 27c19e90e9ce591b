import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sameAddress } from '../../src/address.js';
import { createSentinel, type RedisSentinel } from '../../src/index.js';
import type { SentinelTopology } from '../../src/testing/index.js';
import { CLIENT_FAILOVER_TIMEOUT, SERVICE, SETTLE_MARGIN, startTopology, waitForSettled } from './run-failovers.js';
import {
  LogBuffer,
  collectGarbage,
  collectUnhandledRejections,
  describeError,
  faultRounds,
  openFds,
  paceMs,
  sleep,
  testTimeout,
  until,
  within,
} from './workload.js';
import { guardProcess } from './process-guard.js';

const guard = guardProcess('resources');
after(() => guard.assertNone());

/** Failovers in turn: graceful, SIGKILL (then restart), SIGSTOP (then SIGCONT). */
const KINDS = ['graceful', 'kill', 'freeze'] as const;
const rounds = faultRounds('resources');
/** Open fds may exceed the baseline by this much once things settle (sockets being replaced). */
const FD_SLACK = 10;
/** Heap growth allowed after a full GC (client state is bounded: no per-failover leftovers). */
const HEAP_SLACK_MB = 16;

function heapMb(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

test(
  `open fds and heap after ${rounds} failovers stay within a small bound of the start`,
  { timeout: testTimeout(rounds) },
  async (t) => {
    const unhandled = collectUnhandledRejections();
    const log = new LogBuffer();
    let topology: SentinelTopology | undefined;
    let sentinel: RedisSentinel | undefined;
    const state = { stopping: false };
    let writers: Promise<void>[] = [];
    let acked = 0;
    let failed = 0;
    try {
      topology = await startTopology();
      const beforeClient = openFds();
      sentinel = await createSentinel(topology.sentinelAddresses, {
        logger: log,
        failoverTimeout: CLIENT_FAILOVER_TIMEOUT,
      });
      const redis = sentinel.masterFor(SERVICE);
      // A light load that keeps no per-command state, so the heap measures the client.
      const pace = paceMs();
      writers = Array.from({ length: 10 }, async (_, w) => {
        while (!state.stopping) {
          try {
            await redis.set(`res:${w}`, String(acked));
            await redis.incr('res:c');
            acked++;
            if (pace > 0) await sleep(pace);
          } catch {
            failed++;
            await sleep(20);
          }
        }
      });
      await until('the writers to get going', () => acked > 500, 10_000);
      const fds0 = openFds();
      const heap0 = heapMb();
      t.diagnostic(
        `[faults] resources: fds ${beforeClient} before the client, ${fds0} with it; heap ${heap0.toFixed(1)} MB`,
      );

      for (let round = 1; round <= rounds; round++) {
        const kind = KINDS[(round - 1) % KINDS.length]!;
        const old = await topology.masterAddress();
        let to;
        if (kind === 'graceful') to = await topology.failover({ timeoutMs: 30_000 });
        else if (kind === 'kill') {
          const node = topology.master;
          await topology.killMaster();
          try {
            to = await topology.waitForMasterChange(old, 30_000);
          } finally {
            await node.restart();
          }
        } else {
          const node = topology.master;
          node.pause();
          try {
            to = await topology.waitForMasterChange(old, 30_000);
          } finally {
            node.resume();
          }
        }
        const target = to;
        await until(
          `the client to follow failover ${round} to ${target.join(':')}`,
          () => sameAddress(redis.address, target),
          CLIENT_FAILOVER_TIMEOUT + SETTLE_MARGIN,
        );
        await waitForSettled(topology);
        t.diagnostic(
          `[faults] resources: after ${kind} failover ${round}/${rounds}: fds ${openFds()}, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MB`,
        );
      }

      const progress = acked;
      await until('writes to go on after the last failover', () => acked > progress + 500, 10_000);
      state.stopping = true;
      await within(Promise.all(writers), CLIENT_FAILOVER_TIMEOUT + SETTLE_MARGIN, 'the writers to stop');

      let fds = openFds();
      await until(
        `open fds to come back within ${FD_SLACK} of ${fds0}`,
        () => (fds = openFds()) <= fds0 + FD_SLACK,
        10_000,
      ).catch((error: unknown) => {
        throw new Error(`${describeError(error)}: ${fds} open\n--- client log ---\n${log.tail(40)}`);
      });
      let heap = heapMb();
      await until(
        `the heap to come back within ${HEAP_SLACK_MB} MB of ${heap0.toFixed(1)} MB`,
        () => (heap = heapMb()) <= heap0 + HEAP_SLACK_MB,
        10_000,
      ).catch((error: unknown) => {
        throw new Error(`${describeError(error)}: ${heap.toFixed(1)} MB`);
      });
      const pool = sentinel.pool.masterFor(SERVICE);
      assert.ok(pool.size <= pool.maxsize, `pool size ${pool.size} <= maxsize ${pool.maxsize}`);
      t.diagnostic(
        `[faults] resources: after ${rounds} failovers: fds ${fds} (start ${fds0}), heap ${heap.toFixed(1)} MB ` +
          `(start ${heap0.toFixed(1)} MB), pool size ${pool.size}; ${acked} write pairs acked, ${failed} failed`,
      );

      // Closing the client gives back every socket it opened.
      sentinel.close();
      await within(sentinel.waitClosed(), 10_000, 'sentinel.waitClosed()');
      sentinel = undefined;
      await until(
        `open fds to come back to ${beforeClient} (+2) after close`,
        () => (fds = openFds()) <= beforeClient + 2,
        10_000,
      ).catch((error: unknown) => {
        throw new Error(`${describeError(error)}: ${fds} open`);
      });
      assert.deepEqual(unhandled.reasons.map(describeError), [], 'unhandled rejections');
    } finally {
      state.stopping = true;
      await within(Promise.all(writers), 30_000, 'the writers to stop').catch(() => undefined);
      if (sentinel !== undefined) {
        sentinel.close();
        await within(sentinel.waitClosed(), 10_000, 'sentinel.waitClosed()').catch(() => undefined);
      }
      await topology?.stop();
      unhandled.dispose();
    }
  },
);
