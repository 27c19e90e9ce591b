// The events of API.md "Events and tracing" through real failovers and real sentinel outages, for a
// client that is writing, with three sentinels all reporting and passwords on the data nodes and the
// sentinels: each event once per failover of each kind (graceful, SIGKILL, SIGSTOP), in order, with the
// right addresses and a held time within the failover's wall time; sentinel-down / sentinel-up once per
// outage with the sentinel's address; 'warning' with a message; an aborted failover (no replica may be
// promoted) as one failover-start and one failover-abort, the hold released; never a password.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { command, pairsToRecord } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import {
  closeSentinel,
  countSwitches,
  failoverBy,
  recordEvents,
  sentinelsSettled,
  startWriter,
  type FailoverKind,
  type RecordedEvent,
} from '../helpers/sentinel.js';
import { uniq } from '../helpers/util.js';

const PASSWORD = 'events-data-secret';
const SENTINEL_PASSWORD = 'events-sentinel-secret';

const outOfBand = { uncaught: 0, unhandled: 0 };
process.on('uncaughtException', () => void outOfBand.uncaught++);
process.on('unhandledRejection', () => void outOfBand.unhandled++);

/** No payload, nor anything it holds (a warning's cause included), shows either password. */
function assertNoSecret(events: readonly RecordedEvent[]): void {
  for (const e of events) {
    const text = `${JSON.stringify(e.payload)} ${inspect(e.payload, { depth: 10, showHidden: true })}`;
    for (const secret of [PASSWORD, SENTINEL_PASSWORD]) {
      assert.ok(!text.includes(secret), `the ${e.name} payload shows a password: ${text}`);
    }
  }
}

function assertWarnings(events: readonly RecordedEvent[]): void {
  for (const e of events.filter((x) => x.name === 'warning')) {
    assert.equal(typeof e.payload.message, 'string', `a warning has a message: ${inspect(e.payload)}`);
    assert.ok((e.payload.message as string).length > 0);
  }
}

function client(topology: SentinelTopology, extra: Record<string, unknown> = {}): Promise<RedisSentinel> {
  return createSentinel(topology.sentinelAddresses, {
    password: PASSWORD,
    sentinelPassword: SENTINEL_PASSWORD,
    failoverTimeout: 15_000,
    ...extra,
  });
}

describe('events through real failovers and sentinel outages (3 sentinels, passwords)', { timeout: 180_000 }, () => {
  let topology: SentinelTopology;

  before(async () => {
    topology = await SentinelTopology.start({
      replicas: 2,
      sentinels: 3,
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
      downAfterMs: 1000,
      failoverTimeoutMs: 3000,
    });
  });
  after(() => topology?.stop());

  const kinds: [string, FailoverKind][] = [
    ['graceful (SENTINEL FAILOVER)', 'graceful'],
    ['SIGKILL', 'kill'],
    ['SIGSTOP (frozen until the sentinels replace it)', 'freeze'],
  ];

  for (const [name, kind] of kinds) {
    test(`${name}, while writing: one failover-start, switch-master {from, to}, failover-end {heldMs}; no abort`, async () => {
      await sentinelsSettled(topology);
      const sentinel = await client(topology);
      const log = recordEvents(sentinel);
      const master = sentinel.masterFor(topology.service);
      const key = uniq(`events-${kind}`);
      const writer = startWriter(master, key, 20_000);
      const switches = await countSwitches(topology);
      try {
        await waitFor('a write acknowledged', () => writer.writes.some((w) => w.acked), { timeoutMs: 5_000 });
        const old = await topology.masterAddress();
        const t0 = Date.now();
        const to = await failoverBy(topology, kind);
        await waitFor('failover-end', () => log.of('failover-end').length > 0, { timeoutMs: 20_000 });
        await waitFor(
          'a write acknowledged by the new master',
          () => writer.writes.some((w) => w.acked && w.ackedBy?.[1] === to[1]),
          { timeoutMs: 20_000 },
        );
        const t1 = Date.now();
        await writer.stop();
        // Late copies from the other sentinels (and the periodic check) come within a few seconds.
        await sentinelsSettled(topology);

        const seen = log.events.map((e) => e.name).join(', ');
        // Once per failover: one, unless Sentinel failed over again on its own (countSwitches).
        const failovers = switches.count();
        assert.ok(failovers >= 1, `the sentinel published +switch-master: ${seen}`);
        assert.equal(log.of('failover-start').length, failovers, `one failover-start per failover: ${seen}`);
        assert.equal(log.of('switch-master').length, failovers, `one switch-master per failover: ${seen}`);
        assert.equal(log.of('failover-end').length, failovers, `one failover-end per failover: ${seen}`);
        assert.equal(log.of('failover-abort').length, 0, `no failover-abort: ${seen}`);
        const [start, switched, end] = [
          log.of('failover-start')[0]!,
          log.of('switch-master')[0]!,
          log.of('failover-end')[0]!,
        ];
        assert.ok(start.at >= t0 && start.at <= switched.at && switched.at <= end.at, `in order: ${seen}`);
        assert.deepEqual(start.payload, { service: topology.service });
        assert.deepEqual(switched.payload, { service: topology.service, from: old, to });
        assert.deepEqual(Object.keys(end.payload).toSorted(), ['heldMs', 'service']);
        assert.equal(end.payload.service, topology.service);
        const heldMs = end.payload.heldMs as number;
        assert.ok(heldMs > 0 && heldMs <= t1 - t0, `held ${heldMs} ms within the failover's ${t1 - t0} ms`);
        const stats = sentinel.stats().find((p) => p.role === 'master')!;
        assert.equal(stats.lastFailover?.heldMs, log.of('failover-end').at(-1)!.payload.heldMs);
        assert.equal(stats.holding, false);
        assertWarnings(log.events);
        assertNoSecret(log.events);
        assert.ok(writer.writes.filter((w) => w.acked).length > 0);
      } finally {
        await writer.stop().catch(() => undefined);
        await switches.close();
        await closeSentinel(sentinel);
      }
    });
  }

  test('a sentinel killed and started again: one sentinel-down, then one sentinel-up, with its address', async () => {
    const sentinel = await client(topology);
    const log = recordEvents(sentinel);
    try {
      const victim = topology.sentinelServers[1]!;
      const address: Address = victim.address;
      await victim.kill('SIGKILL');
      await waitFor('sentinel-down', () => log.of('sentinel-down').length > 0, { timeoutMs: 10_000 });
      // Down long enough for the client to try it again several times (its back-off starts at 50 ms): until
      // the other sentinels judge it down (down-after-milliseconds).
      const witness = topology.sentinelServers[0]!.address;
      await waitFor(
        'the other sentinels to see it down',
        async () => {
          const peers = (await command(
            witness,
            { password: SENTINEL_PASSWORD },
            'SENTINEL',
            'SENTINELS',
            topology.service,
          )) as unknown[];
          return peers.map(pairsToRecord).some((p) => Number(p.port) === address[1] && p.flags?.includes('s_down'));
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      // The client keeps working on the other sentinels meanwhile (and keeps trying this one).
      assert.equal(await sentinel.ping(), 'PONG');
      assert.deepEqual(await sentinel.masterAddress(topology.service), await topology.masterAddress());
      await victim.restart();
      await waitFor('sentinel-up', () => log.of('sentinel-up').length > 0, { timeoutMs: 10_000 });
      const seen = JSON.stringify(log.events);
      assert.deepEqual(
        log.events
          .filter((e) => e.name === 'sentinel-down' || e.name === 'sentinel-up')
          .map((e) => [e.name, e.payload]),
        [
          ['sentinel-down', { address }],
          ['sentinel-up', { address }],
        ],
        seen,
      );
      assertWarnings(log.events);
      assertNoSecret(log.events);
    } finally {
      await closeSentinel(sentinel);
      // The next tests need all three, whatever happened here.
      for (const s of topology.sentinelServers) if (!s.running) await s.restart();
    }
  });

  test('every sentinel down: one warning from the periodic check, no password in it; each comes back up', async () => {
    const sentinel = await client(topology, { masterCheckInterval: 100 });
    const log = recordEvents(sentinel);
    try {
      const master = sentinel.masterFor(topology.service);
      await master.set(uniq('warn'), 'v');
      for (const s of topology.sentinelServers) await s.kill('SIGKILL');
      await waitFor('a warning', () => log.of('warning').length > 0, { timeoutMs: 10_000 });
      await waitFor('sentinel-down for each sentinel', () => log.of('sentinel-down').length === 3, {
        timeoutMs: 10_000,
      });
      // Writes go on without the sentinels.
      await master.set(uniq('warn'), 'v');
      for (const s of topology.sentinelServers) await s.restart();
      await waitFor('sentinel-up for each sentinel', () => log.of('sentinel-up').length === 3, { timeoutMs: 10_000 });
      const addresses = (name: string): string[] =>
        log
          .of(name)
          .map((e) => JSON.stringify(e.payload.address))
          .toSorted();
      const expected = topology.sentinelAddresses.map((a) => JSON.stringify(a)).toSorted();
      assert.deepEqual(addresses('sentinel-down'), expected);
      assert.deepEqual(addresses('sentinel-up'), expected);
      assert.equal(log.of('warning').length, 1, `one warning per stretch of failures: ${JSON.stringify(log.events)}`);
      const warning = log.of('warning')[0]!.payload;
      assert.match(warning.message as string, /periodic master check/);
      assert.ok(warning.cause instanceof Error, 'the cause is the error met');
      assertWarnings(log.events);
      assertNoSecret(log.events);
      assert.equal(log.of('failover-start').length, 0);
    } finally {
      await closeSentinel(sentinel);
      for (const s of topology.sentinelServers) if (!s.running) await s.restart();
    }
  });
});

describe('an aborted failover (no replica may be promoted)', { timeout: 60_000 }, () => {
  let topology: SentinelTopology;

  before(async () => {
    // replica-priority 0: Sentinel never promotes the replica; SENTINEL FAILOVER would refuse up front
    // (NOGOODSLAVE), so the failover comes from a frozen master and aborts at select-slave.
    topology = await SentinelTopology.start({
      replicas: 1,
      sentinels: 1,
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
      serverArgs: ['--replica-priority', '0'],
    });
  });
  after(() => topology?.stop());

  test('one failover-start and one failover-abort; the hold is released and writes go to the same master', async () => {
    const sentinel = await client(topology);
    const log = recordEvents(sentinel);
    const node = topology.master;
    const old = node.address;
    try {
      const master = sentinel.masterFor(topology.service);
      const key = uniq('abort');
      await master.set(key, 'before');
      let heldWrite: Promise<unknown> | undefined;
      let holdingAtStart: boolean | undefined;
      sentinel.once('failover-start', () => {
        holdingAtStart = sentinel.stats().find((p) => p.role === 'master')?.holding;
        heldWrite = master.set(key, 'during');
      });
      node.pause();
      try {
        await waitFor('failover-abort', () => log.of('failover-abort').length > 0, { timeoutMs: 20_000 });
        assert.equal(sentinel.stats().find((p) => p.role === 'master')!.holding, false, 'the abort ends the hold');
      } finally {
        node.resume();
      }
      assert.equal(holdingAtStart, true, 'writes were held from failover-start');
      assert.ok(heldWrite !== undefined);
      await heldWrite;
      await master.set(key, 'after');
      assert.equal(await command(old, { password: PASSWORD }, 'GET', key), 'after');
      assert.deepEqual(master.address, old);
      const stats = sentinel.stats().find((p) => p.role === 'master')!;
      assert.equal(stats.holding, false);
      assert.equal(stats.queued, 0);
      assert.deepEqual(stats.address, old);
      const seen = log.events.map((e) => e.name).join(', ');
      assert.equal(log.of('failover-start').length, 1, seen);
      assert.equal(log.of('failover-abort').length, 1, seen);
      assert.deepEqual(log.of('failover-abort')[0]!.payload, { service: topology.service });
      assert.ok(log.of('failover-start')[0]!.at <= log.of('failover-abort')[0]!.at);
      assert.equal(log.of('switch-master').length, 0, seen);
      assert.equal(log.of('failover-end').length, 0, seen);
      assertWarnings(log.events);
      assertNoSecret(log.events);
    } finally {
      await closeSentinel(sentinel);
    }
  });
});

describe('nothing is thrown out of band', () => {
  test('no uncaught exception and no unhandled rejection during the tests above', () => {
    assert.deepEqual(outOfBand, { uncaught: 0, unhandled: 0 });
  });
});
