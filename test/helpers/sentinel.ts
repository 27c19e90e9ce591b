// Helpers shared by the Sentinel integration tests (test/integration/sentinel-*.test.ts): closing a
// sentinel, timing a rejection, checking that nothing was left open, and a writer that records every
// write's outcome through a failover.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRedis, type Redis } from '../../src/client/redis.js';
import { createConnection } from '../../src/connection/connection.js';
import type { RedisSentinel } from '../../src/sentinel/index.js';
import { SENTINEL_EVENT_NAMES } from '../../src/sentinel/redis-sentinel.js';
import { SentinelTopology, waitFor, type SentinelTopologyOptions } from '../../src/testing/index.js';
import { command } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { within } from './util.js';

/** Closes `s` (when there is one) and waits until it is closed. */
export async function closeSentinel(s: RedisSentinel | undefined): Promise<void> {
  if (s === undefined) return;
  s.close();
  await s.waitClosed();
}

/** Awaits `promise` and returns what it rejected with and how long that took; fails if it resolves. */
export async function timedRejection(promise: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = performance.now();
  try {
    const value = await promise;
    assert.fail(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    return { error: error as Error, ms: performance.now() - started };
  }
}

/** Counts of each kind of active resource (sockets, timers, ...) in this process. */
export function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Polls until no kind of resource is above its count in `baseline`. */
export async function backToBaseline(baseline: Map<string, number>, what: string): Promise<void> {
  await waitFor(
    `active resources to return to their baseline after ${what}`,
    () => {
      for (const [kind, n] of resourceCounts()) if (n > (baseline.get(kind) ?? 0)) return false;
      return true;
    },
    { timeoutMs: 2_000, intervalMs: 10 },
  );
}

/**
 * Runs createSentinel in a fresh Node process and reports how it ended. The child must exit by itself:
 * a socket or timer left open would keep it alive past the deadline.
 */
export function createSentinelInChild(
  sentinels: Address[],
  options: Record<string, unknown>,
): Promise<{ name: string; message: string; ms: number }> {
  const index = new URL('../../src/index.js', import.meta.url).href;
  const script = `
    const { createSentinel } = await import(${JSON.stringify(index)});
    const started = performance.now();
    try {
      const s = await createSentinel(${JSON.stringify(sentinels)}, ${JSON.stringify(options)});
      s.close();
      console.log(JSON.stringify({ name: 'resolved', message: '', ms: performance.now() - started }));
    } catch (error) {
      console.log(JSON.stringify({ name: error.name, message: error.message, ms: performance.now() - started }));
    }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`the child process did not exit by itself within 10 s (something was left open); output: ${out}`),
      );
    }, 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`child exited with ${code}: ${err}`));
      else resolve(JSON.parse(out.trim()) as { name: string; message: string; ms: number });
    });
  });
}

/** One write of a {@link startWriter} loop and how it ended. */
export interface Write {
  id: string;
  sent: number;
  settled?: number;
  acked?: boolean;
  /** The client's master address when the write resolved. */
  ackedBy?: Address | null;
  error?: Error;
}

/**
 * RPUSHes a unique id every 10 ms through `client` until stopped; records every outcome. `stop()` waits
 * for the writes still in flight, and fails (instead of hanging the test) when they have not all settled
 * within `settleTimeoutMs`.
 */
export function startWriter(
  client: Redis,
  key: string,
  settleTimeoutMs: number,
): { writes: Write[]; stop: () => Promise<void> } {
  const writes: Write[] = [];
  const pending: Promise<void>[] = [];
  let n = 0;
  const timer = setInterval(() => {
    const w: Write = { id: `w${n++}`, sent: performance.now() };
    writes.push(w);
    pending.push(
      client.rpush(key, w.id).then(
        () => {
          w.settled = performance.now();
          w.acked = true;
          w.ackedBy = client.address === null ? null : [...client.address];
        },
        (error: Error) => {
          w.settled = performance.now();
          w.acked = false;
          w.error = error;
        },
      ),
    );
  }, 10);
  return {
    writes,
    stop: async () => {
      clearInterval(timer);
      await within(settleTimeoutMs, 'the writes in flight when the writer stopped', Promise.all(pending));
    },
  };
}

/** GET straight from one server, bypassing the client under test. */
export async function directGet(address: Address, key: string): Promise<unknown> {
  const conn = await createConnection(address);
  try {
    return await conn.execute('GET', key);
  } finally {
    conn.close();
    await conn.waitClosed();
  }
}

/** Starts a topology (1 sentinel unless told), runs `fn`, and stops the topology whatever happened. */
export async function withTopology(
  options: SentinelTopologyOptions,
  fn: (topology: SentinelTopology) => Promise<void>,
): Promise<void> {
  const topology = await SentinelTopology.start({ sentinels: 1, ...options });
  try {
    await fn(topology);
  } finally {
    await topology.stop();
  }
}

/** The kinds of failover the tests put a client through. */
export type FailoverKind = 'graceful' | 'kill' | 'freeze' | 'shutdown';

/**
 * One failover of `kind`; resolves with the new master once every sentinel reports it. A killed or shut
 * down master is restarted (it comes back as a replica); a frozen one is resumed.
 */
export async function failoverBy(topology: SentinelTopology, kind: FailoverKind): Promise<Address> {
  if (kind === 'graceful') return topology.failover({ timeoutMs: 30_000 });
  const node = topology.master;
  const old = node.address;
  if (kind === 'freeze') node.pause();
  else if (kind === 'kill') await node.kill();
  else {
    await command(old, { timeoutMs: 2_000 }, 'SHUTDOWN', 'NOSAVE').catch(() => undefined);
    await waitFor('the master to exit after SHUTDOWN', () => !node.running, { timeoutMs: 15_000 });
  }
  try {
    return await topology.waitForMasterChange(old, 30_000);
  } finally {
    if (kind === 'freeze') node.resume();
    else await node.restart();
  }
}

/**
 * Waits until every running sentinel has finished the last failover (SENTINEL MASTER names the address
 * GET-MASTER-ADDR-BY-NAME gives, no failover flag, the new master has answered its PING), so its late
 * events cannot reach the next test; then syncs `topology.master` with the sentinels (a failover Sentinel
 * started on its own is otherwise unseen).
 */
export async function sentinelsSettled(topology: SentinelTopology, service: string = topology.service): Promise<void> {
  const options = { password: topology.sentinelPassword };
  await waitFor(
    'the sentinels to finish the last failover',
    async () => {
      for (const sentinel of topology.sentinelServers) {
        if (!sentinel.running || sentinel.paused) continue;
        const named = (await command(sentinel.address, options, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', service)) as
          string[] | null;
        const state = (await command(sentinel.address, options, 'SENTINEL', 'MASTER', service)) as string[];
        const field = (k: string): string => String(state[state.indexOf(k) + 1]);
        if (named === null || field('ip') !== named[0] || field('port') !== named[1]) return false;
        if (/failover|s_down|disconnected/.test(field('flags'))) return false;
        // Sentinel resets its link at a switch: until the new master has answered a PING (within
        // down-after-milliseconds, or Sentinel fails over again on its own), the switch is not over.
        if (field('last-ping-sent') !== '0') return false;
        // A sentinel whose last INFO of a live replica (refreshed every 10 s) still shows it as a master (a
        // demoted master back from SIGKILL / SIGSTOP) sends it SLAVEOF as soon as it reports master again:
        // if the next failover promotes that node, this undoes the promotion. See test/faults/run-failovers.ts.
        const replicas = (await command(sentinel.address, options, 'SENTINEL', 'REPLICAS', service)) as string[][];
        for (const entry of replicas) {
          const get = (k: string): string => String(entry[entry.indexOf(k) + 1]);
          if (/s_down|disconnected/.test(get('flags'))) continue;
          if (get('role-reported') !== 'slave') return false;
        }
      }
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  await topology.masterAddress(service);
}

/** Every event a RedisSentinel emitted, with when it came (Date.now()), in order. */
export interface RecordedEvent {
  name: string;
  payload: Record<string, unknown>;
  at: number;
}

/** Records every event of API.md "Events and tracing" that `sentinel` emits from now on. */
export function recordEvents(sentinel: RedisSentinel): {
  events: RecordedEvent[];
  /** The events named `name` after the first `since` events. */
  of: (name: string, since?: number) => RecordedEvent[];
} {
  const events: RecordedEvent[] = [];
  for (const name of SENTINEL_EVENT_NAMES) {
    sentinel.on(name, (payload: Record<string, unknown>) => events.push({ name, payload, at: Date.now() }));
  }
  return { events, of: (name, since = 0) => events.slice(since).filter((e) => e.name === name) };
}

/**
 * Counts the `+switch-master` messages of the first sentinel from now on: one per failover, whoever
 * started it (Sentinel may fail over a second time on its own right after a switch: it resets the new
 * master's down timer then, and a master busy with full syncs can miss a 1 s down-after).
 */
export function countSwitches(
  topology: SentinelTopology,
): Promise<{ count: () => number; close: () => Promise<void> }> {
  return countSentinelEvents(topology, '+switch-master');
}

/**
 * Counts one kind of event message (`+try-failover`, `+switch-master`) of the first sentinel from now on;
 * with `service`, only the messages that name it.
 */
export async function countSentinelEvents(
  topology: SentinelTopology,
  event: string,
  service?: string,
): Promise<{ count: () => number; close: () => Promise<void> }> {
  const watcher = await createRedis(topology.sentinelAddresses[0]!, { password: topology.sentinelPassword });
  let seen = 0;
  await watcher.subscribe(event, (message) => {
    if (service === undefined || String(message).split(' ').includes(service)) seen++;
  });
  return {
    count: () => seen,
    close: async () => {
      watcher.close();
      await watcher.waitClosed();
    },
  };
}
