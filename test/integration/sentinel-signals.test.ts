// What managed clients do with error replies that describe the server, not the command: READONLY on a
// master client (resend to the new master) and on a replica client (the user's own error), UNBLOCKED
// when a blocked master is demoted, LOADING while a restarted master loads its data, MASTERDOWN from a
// replica that lost its master.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sameAddress } from '../../src/address.js';
import { ConnectionClosedError, MasterNotFoundError, ReadOnlyError, type ReplyError } from '../../src/errors.js';
import type { ManagedPool } from '../../src/sentinel/managed-pool.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import type { SentinelOptions } from '../../src/sentinel/options.js';
import { parseInfo, command } from '../../src/testing/commands.js';
import { SentinelTopology, freePort, waitFor } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { closeSentinel, withTopology } from '../helpers/sentinel.js';
import { rejection, timed, uniq, within } from '../helpers/util.js';

const SERVICE = 'mymaster';

/** One command on a plain connection of its own, bypassing the client under test. */
function direct(address: Address, name: string, ...args: (string | number)[]): Promise<unknown> {
  return command(address, { timeoutMs: 5_000 }, name, ...args);
}

async function info(address: Address, section: string): Promise<Record<string, string>> {
  return parseInfo(await direct(address, 'INFO', section));
}

/** How many `code` error replies the server has sent so far (INFO errorstats). */
async function errorCount(address: Address, code: string): Promise<number> {
  const line = (await info(address, 'errorstats'))[`errorstat_${code}`];
  return line === undefined ? 0 : Number(/count=(\d+)/.exec(line)?.[1] ?? 0);
}

/** A client that hears no sentinel event and runs no periodic check: only the servers' replies tell it anything. */
async function deafSentinel(topology: SentinelTopology, options: SentinelOptions = {}): Promise<RedisSentinel> {
  const sentinel = await createSentinel(topology.sentinelAddresses, { masterCheckInterval: 0, ...options });
  (sentinel.pool as unknown as { follower: { onEvent: (...a: unknown[]) => void } }).follower.onEvent = () => {};
  return sentinel;
}

/** Records the code of every error reply the pool's retry logic is handed (to prove the path was taken). */
function spyReplyErrors(pool: ManagedPool): string[] {
  const codes: string[] = [];
  const retries = (pool as unknown as { retries: { onReplyError: (c: unknown, e: ReplyError, x: unknown) => boolean } })
    .retries;
  const original = retries.onReplyError.bind(retries);
  retries.onReplyError = (c, e, x) => {
    codes.push(e.code);
    return original(c, e, x);
  };
  return codes;
}

/**
 * A deaf client's BLPOP blocks on the master; the test sends it REPLICAOF <its replica>. Master and
 * replica then replicate from each other: no master until the sentinels, which still name the old
 * node, mark it down (ROLE slave for down-after + 2 INFO periods, about 21 s) and fail over.
 */
async function unblockedByReplicaof(topology: SentinelTopology, sentinel: RedisSentinel) {
  const m = sentinel.masterFor(SERVICE);
  const codes = spyReplyErrors(sentinel.pool.masterFor(SERVICE));
  const key = uniq('unblocked');
  const old = await topology.masterAddress();
  const outcome = timed(() => m.blpop(key, 0));
  await waitFor('the BLPOP to block', async () => Number((await info(old, 'clients')).blocked_clients) > 0);
  const replica = topology.replicas[0]!.address;
  await direct(old, 'REPLICAOF', replica[0], replica[1]);
  await waitFor('the client to meet UNBLOCKED', () => codes.includes('UNBLOCKED'));
  return { m, key, old, outcome };
}

describe('READONLY', () => {
  test('on a master client: not applied, so the client finds the new master and resends', async () => {
    await withTopology({ replicas: 1 }, async (topology) => {
      const sentinel = await deafSentinel(topology);
      try {
        const m = sentinel.masterFor(SERVICE);
        await m.set(uniq('warm'), '1');
        const old = m.address!;
        const promoted = await topology.failover();
        // Demote the old master as Sentinel would, but without its CLIENT KILL: the client's
        // connection survives, so the old node's READONLY is the only thing that tells it.
        await direct(old, 'REPLICAOF', promoted[0], promoted[1]);
        await waitFor('the old master to replicate from the new one', async () => {
          const r = await info(old, 'replication');
          return r.role === 'slave' && r.master_link_status === 'up';
        });
        const readonlyBefore = await errorCount(old, 'READONLY');
        const key = uniq('readonly');
        assert.equal(await within(10_000, 'the write after the demotion', m.rpush(key, 'once')), 1);
        // Exactly one READONLY: the resend went to the new master, not back to the old one.
        assert.equal(await errorCount(old, 'READONLY'), readonlyBefore + 1);
        assert.deepEqual(m.address, promoted);
        assert.deepEqual(await direct(promoted, 'LRANGE', key, 0, -1), ['once']);
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });

  test('on a replica client: rejects ReadOnlyError at once and keeps its connections', async () => {
    await withTopology({ replicas: 1 }, async (topology) => {
      const sentinel = await createSentinel(topology.sentinelAddresses, { minsize: 1, maxsize: 1 });
      try {
        const s = sentinel.slaveFor(SERVICE);
        const pool = sentinel.pool.slaveFor(SERVICE);
        const id = await s.execute('CLIENT', 'ID');
        const address = s.address;
        const transitions: unknown[] = [];
        pool.on('state', (t: unknown) => transitions.push(t));
        const readonlyBefore = await errorCount(address!, 'READONLY');
        const error = await rejection(s.set(uniq('user-wrote-to-a-replica'), 'v'));
        // Sent once, not retried.
        assert.equal(await errorCount(address!, 'READONLY'), readonlyBefore + 1);
        assert.ok(error instanceof ReadOnlyError, `expected ReadOnlyError, got ${String(error)}`);
        assert.equal(await s.get(uniq('read')), null);
        assert.deepEqual(transitions, []);
        assert.deepEqual(s.address, address);
        // The same connection: nothing was retired.
        assert.equal(await s.execute('CLIENT', 'ID'), id);
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });
});

describe('UNBLOCKED', () => {
  test('a BLPOP blocked on a master demoted by a graceful failover is resent or rejected typed, never left hanging', async (t) => {
    await withTopology({ replicas: 1, downAfterMs: 1_000, failoverTimeoutMs: 2_000 }, async (topology) => {
      const sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: 10_000 });
      try {
        const m = sentinel.masterFor(SERVICE);
        const key = uniq('blocked');
        const old = await topology.masterAddress();
        let settledAt = 0;
        const outcome = m.blpop(key, 0).then(
          (value) => ((settledAt = performance.now()), { value }),
          (error: unknown) => ((settledAt = performance.now()), { error }),
        );
        await waitFor('the BLPOP to block', async () => Number((await info(old, 'clients')).blocked_clients) > 0);
        const failoverAt = performance.now();
        const promoted = await topology.failover({ waitForReplicas: true });
        await direct(promoted, 'LPUSH', key, 'after');
        const result = await within(15_000, 'the BLPOP across the failover', outcome);
        t.diagnostic(
          `BLPOP across a graceful failover, ${Math.round(settledAt - failoverAt)} ms after it began: ${'value' in result ? 'resent, resolved' : String(result.error)}`,
        );
        if ('value' in result) {
          assert.deepEqual(result.value, [key, 'after']);
          assert.equal(await direct(promoted, 'LLEN', key), 0);
        } else {
          assert.ok(
            result.error instanceof ConnectionClosedError,
            `expected ConnectionClosedError, got ${String(result.error)}`,
          );
          assert.equal(result.error.mayHaveBeenApplied, true);
          assert.equal(await direct(promoted, 'LLEN', key), 1);
        }
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });

  test('REPLICAOF sent to a master with a blocked BLPOP: UNBLOCKED, resent once a master is back, resolved by LPUSH', async (t) => {
    await withTopology({ replicas: 1 }, async (topology) => {
      const sentinel = await deafSentinel(topology, { failoverTimeout: 10_000 });
      try {
        const { m, key, old, outcome } = await unblockedByReplicaof(topology, sentinel);
        // The old node is master again, as the sentinels still say: the waiting BLPOP goes there.
        await direct(old, 'REPLICAOF', 'NO', 'ONE');
        await waitFor('the BLPOP to block again', async () => Number((await info(old, 'clients')).blocked_clients) > 0);
        await direct(old, 'LPUSH', key, 'after');
        const result = await within(5_000, 'the resent BLPOP', outcome);
        t.diagnostic(`BLPOP resolved ${Math.round(result.ms)} ms after it was sent: ${JSON.stringify(result.value)}`);
        assert.deepEqual(result.value, [key, 'after']);
        assert.deepEqual(m.address, old);
        assert.equal(await direct(old, 'LLEN', key), 0);
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });

  test('REPLICAOF sent to a master with a blocked BLPOP: UNBLOCKED, then no master within failoverTimeout rejects MasterNotFoundError', async (t) => {
    await withTopology({ replicas: 1 }, async (topology) => {
      const failoverTimeout = 4_000;
      const sentinel = await deafSentinel(topology, { failoverTimeout });
      try {
        const { key, old, outcome } = await unblockedByReplicaof(topology, sentinel);
        const unblockedAt = performance.now();
        const result = await within(failoverTimeout + 5_000, 'the BLPOP after UNBLOCKED', outcome);
        const waited = performance.now() - unblockedAt;
        t.diagnostic(`BLPOP settled ${Math.round(waited)} ms after UNBLOCKED: ${String(result.error)}`);
        assert.ok(
          result.error instanceof MasterNotFoundError,
          `expected MasterNotFoundError, got ${String(result.error)}`,
        );
        // It kept asking for a master rather than failing on the first discovery.
        assert.ok(waited >= failoverTimeout / 2, `it waited for a master (${Math.round(waited)} ms) before rejecting`);
        assert.equal(await direct(old, 'EXISTS', key), 0);
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });
});

describe('LOADING', () => {
  test('a GET sent while the restarted master loads its data resolves once it is loaded', async (t) => {
    // No replica and no failover: the master restarts and loads 60k keys, sleeping on one key in two
    // (about 2.5 s here). Sentinel reconnects to a restarted master only after up to a second, and
    // until then reports it "disconnected", which discovery refuses: loading must outlast that.
    const serverArgs = ['--key-load-delay', '-2', '--loading-process-events-interval-bytes', '1024'];
    await withTopology({ replicas: 0, downAfterMs: 60_000, serverArgs }, async (topology) => {
      const sentinel = await createSentinel(topology.sentinelAddresses, { failoverTimeout: 20_000 });
      let restarting: Promise<void> | undefined;
      try {
        const m = sentinel.masterFor(SERVICE);
        const codes = spyReplyErrors(sentinel.pool.masterFor(SERVICE));
        const key = uniq('loaded');
        await m.set(key, 'v');
        const address = m.address!;
        assert.equal(await m.execute('DEBUG', 'POPULATE', 60_000, uniq('bulk')), 'OK');
        assert.equal(await direct(address, 'SAVE'), 'OK');
        // Not awaited: the kit's restart resolves only once PING answers, that is after loading.
        restarting = topology.master.restart();
        await waitFor(
          'the restarted master to be loading',
          async () => (await info(address, 'persistence')).loading === '1',
          { timeoutMs: 10_000, intervalMs: 10 },
        );
        const sentAt = performance.now();
        assert.equal(await within(20_000, 'the GET sent during loading', m.get(key)), 'v');
        const loadingReplies = codes.filter((c) => c === 'LOADING').length;
        t.diagnostic(
          `GET resolved ${Math.round(performance.now() - sentAt)} ms later, after ${loadingReplies} LOADING replies`,
        );
        assert.ok(codes.includes('LOADING'), `the client met LOADING (error replies seen: ${codes.join(', ')})`);
        assert.equal((await info(address, 'persistence')).loading, '0');
        assert.deepEqual(m.address, address);
      } finally {
        await restarting?.catch(() => undefined);
        await closeSentinel(sentinel);
      }
    });
  });
});

describe('MASTERDOWN', () => {
  test('a replica that lost its master answers MASTERDOWN: the read goes to the other replica', async () => {
    await withTopology({ replicas: 2 }, async (topology) => {
      const sentinel = await createSentinel(topology.sentinelAddresses, { minsize: 1, maxsize: 1 });
      try {
        const key = uniq('masterdown');
        const m = sentinel.masterFor(SERVICE);
        await m.set(key, 'v');
        assert.equal(await m.execute('WAIT', 2, 5_000), 2);
        const s = sentinel.slaveFor(SERVICE);
        assert.equal(await s.get(key), 'v');
        const broken = s.address!;
        const other = topology.replicas.find((r) => !sameAddress(r.address, broken))!.address;
        await direct(broken, 'CONFIG', 'SET', 'replica-serve-stale-data', 'no');
        await direct(broken, 'REPLICAOF', '127.0.0.1', await freePort());
        const before = await errorCount(broken, 'MASTERDOWN');
        assert.equal(await within(10_000, 'the read after the link broke', s.get(key)), 'v');
        assert.ok((await errorCount(broken, 'MASTERDOWN')) > before, 'the broken replica answered MASTERDOWN');
        assert.deepEqual(s.address, other);
      } finally {
        await closeSentinel(sentinel);
      }
    });
  });
});
