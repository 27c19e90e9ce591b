// Repeated failovers of one kind under the 50-writer workload, with the checks the issue asks for.
// Used by failover-graceful, failover-kill, failover-freeze and durability (*.test.ts beside it).

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { sameAddress } from '../../src/address.js';
import { createSentinel, type RedisSentinel, type SentinelOptions } from '../../src/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { command, pairsToRecord } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { classifyLosses, crashKind, describeLosses, listLosses, type Fault, type LostWrite } from './losses.js';
import { MasterWatch } from './master-watch.js';
import { PubSubProbe, type ProbeWindow } from './pubsub-probe.js';
import {
  ListChecker,
  LogBuffer,
  Workload,
  collectUnhandledRejections,
  describeError,
  inspect,
  summaryLine,
  until,
  within,
  type FaultKind,
  type Inspection,
} from './workload.js';

export const SERVICE = 'mymaster';
/** The client's failoverTimeout (its default). */
export const CLIENT_FAILOVER_TIMEOUT = 10_000;
/** Every command must settle within failoverTimeout plus this margin. */
export const SETTLE_MARGIN = 3_000;

/** Topology of the repeated-failover tests: 2 replicas, 3 sentinels, quorum 2, fast detection. */
export function startTopology(): Promise<SentinelTopology> {
  return SentinelTopology.start({
    replicas: 2,
    sentinels: 3,
    quorum: 2,
    downAfterMs: 1_000,
    failoverTimeoutMs: 3_000,
  });
}

/**
 * Waits until the topology is at rest: every running sentinel reports the same master with flags
 * exactly `master` (no failover in progress, not down), knows every other data node as a replica that
 * is up (flags `slave`) and the other sentinels; then every other running data node
 * replicates that master with its link up. A failover started earlier (a crash round right after
 * another one) can leave Sentinel itself in a state that loses data or never converges, which is
 * not what these tests are about. Resolves with the master's address.
 */
export async function waitForSettled(topology: SentinelTopology, timeoutMs = 40_000): Promise<Address> {
  const deadline = Date.now() + timeoutMs;
  const replicas = topology.servers.length - 1;
  const sentinels = topology.sentinelServers.length;
  const master = await waitFor(
    'the sentinels to agree on a master with healthy replicas and no failover in progress',
    async () => {
      let agreed: Address | undefined;
      for (const s of topology.sentinelServers) {
        if (!s.running || s.paused) return false;
        const m = pairsToRecord(await command(s.address, { timeoutMs: 1_000 }, 'SENTINEL', 'MASTER', SERVICE));
        if (m.flags !== 'master') return false;
        const address: Address = [m.ip!, Number(m.port)];
        if (agreed !== undefined && !sameAddress(agreed, address)) return false;
        agreed = address;
        if (Number(m['num-slaves']) !== replicas || Number(m['num-other-sentinels']) !== sentinels - 1) return false;
        const list = (await command(s.address, { timeoutMs: 1_000 }, 'SENTINEL', 'REPLICAS', SERVICE)) as unknown[];
        for (const entry of list) {
          const r = pairsToRecord(entry);
          // The replica's own link is checked on the node below: the sentinel's copy may be 10 s old.
          if (r.flags !== 'slave') return false;
          // But the sentinel's last INFO must show it as a replica. A sentinel that last saw a
          // demoted master still call itself master (it refreshes a replica's INFO every 10 s) sends it
          // SLAVEOF the moment it reports master again: when the next round's failover promotes that very
          // node, this undoes the promotion and leaves every sentinel naming a master that is a replica (seen
          // in resources.test.ts: a graceful round 10 s after a freeze round, no new master within 30 s).
          if (r['role-reported'] !== 'slave') return false;
        }
      }
      return agreed;
    },
    { timeoutMs, intervalMs: 50 },
  );
  // Points the kit's `master` at it, then checks the data nodes themselves.
  await topology.masterAddress();
  await topology.waitForReplicas(undefined, Math.max(1_000, deadline - Date.now()));
  return master;
}

export interface RoundReport {
  round: number;
  from: Address;
  to: Address;
  failoverMs: number;
  followMs: number;
  missing: number;
  /** Lost acknowledged writes that no replication lag explains (all of them for graceful / SHUTDOWN / durability). */
  unexplained: LostWrite[];
  explained: LostWrite[];
  /** ms from the switch (every sentinel reporting the new master) to PUBSUB NUMSUB >= 1 there; null: never. */
  subscriptionBackMs: number | null;
  pubsub: ProbeWindow;
  /** Sentinel failed over again on its own during the round: the pub/sub window ends there. */
  cutByFailover: boolean;
}

export interface FailoverRun {
  workload: Workload;
  final: Inspection;
  rounds: RoundReport[];
}

/** One failover of `kind`, recorded in `fault`; resolves with the new master once every sentinel reports it. */
async function failoverOnce(topology: SentinelTopology, fault: Fault, log: LogBuffer): Promise<Address> {
  const old = await topology.masterAddress();
  switch (fault.kind) {
    case 'graceful':
      log.note(`SENTINEL FAILOVER (master ${old.join(':')})`);
      fault.at = performance.now();
      return topology.failover({ timeoutMs: 30_000 });
    case 'kill': {
      const node = topology.master;
      log.note(`SIGKILL master ${old.join(':')} (pid ${node.pid})`);
      // kill() sends the signal before its first await: nothing runs in between (killMaster() would ask
      // the sentinels first; masterAddress() above has just synced `node` with them).
      fault.at = performance.now();
      await node.kill('SIGKILL');
      try {
        return await topology.waitForMasterChange(old, 30_000);
      } finally {
        // The old master comes back with its config file (Sentinel has it rewritten at each role change) and any
        // dump.rdb a full sync as a replica left in its folder; Sentinel turns it into a replica, which
        // then resyncs from the new master.
        fault.until = performance.now();
        await node.restart();
        log.note(`restarted ${old.join(':')} (pid ${node.pid})`);
      }
    }
    case 'shutdown': {
      const node = topology.master;
      log.note(`SHUTDOWN NOSAVE on master ${old.join(':')} (pid ${node.pid})`);
      fault.at = performance.now();
      // The server closes the connection as it exits: the reply never comes.
      await command(old, { timeoutMs: 2_000 }, 'SHUTDOWN', 'NOSAVE').catch(() => undefined);
      await waitFor('the master to exit after SHUTDOWN', () => !node.running, { timeoutMs: 15_000 });
      try {
        return await topology.waitForMasterChange(old, 30_000);
      } finally {
        fault.until = performance.now();
        await node.restart();
        log.note(`restarted ${old.join(':')} (pid ${node.pid})`);
      }
    }
    case 'freeze': {
      const node = topology.master;
      log.note(`SIGSTOP master ${old.join(':')} (pid ${node.pid})`);
      fault.at = performance.now();
      node.pause();
      try {
        return await topology.waitForMasterChange(old, 30_000);
      } finally {
        // Resumed, it still believes it is the master until Sentinel demotes it a few seconds later.
        fault.until = performance.now();
        node.resume();
        log.note(`SIGCONT ${old.join(':')}`);
      }
    }
  }
}

function pubsubLine(r: RoundReport): string {
  const back = r.subscriptionBackMs === null ? 'NEVER back' : `back ${r.subscriptionBackMs} ms after the switch`;
  const cut = r.cutByFailover ? ' (window cut short: Sentinel failed over again on its own)' : '';
  return `subscription ${back}, published on the new master since ${r.pubsub.counted}, never arrived ${r.pubsub.lost.length}, duplicated ${r.pubsub.duplicated}${cut}`;
}

/** A round whose pub/sub check failed: messages lost, or (unless Sentinel moved the master again) no subscription or an empty window. */
function pubsubFailed(r: RoundReport): boolean {
  return r.pubsub.lost.length > 0 || (!r.cutByFailover && (r.subscriptionBackMs === null || r.pubsub.counted === 0));
}

/**
 * Starts a topology and a client, runs `rounds` failovers of `kind` while 50 writers run, and checks
 * after each failover and at the end that no acknowledged write is missing, nothing is duplicated,
 * every command settled in time with a typed error, and no rejection went unhandled.
 */
export async function failoverUnderLoad(
  t: TestContext,
  kind: FaultKind,
  rounds: number,
  options: {
    label?: string;
    client?: SentinelOptions;
    /** Extra checks on the topology before it is stopped (the run's own checks have passed). */
    onFinish?: (topology: SentinelTopology, master: Address) => Promise<void>;
  } = {},
): Promise<FailoverRun> {
  const label = options.label ?? kind;
  // Without durability, a crash (SIGKILL, SIGSTOP) may lose what the replica had not received yet (see losses.ts).
  const lossesAllowed = crashKind(kind) && options.client?.durability === undefined;
  const faults: Fault[] = [];
  const unhandled = collectUnhandledRejections();
  const log = new LogBuffer();
  let topology: SentinelTopology | undefined;
  let sentinel: RedisSentinel | undefined;
  let workload: Workload | undefined;
  let probe: PubSubProbe | undefined;
  let watch: MasterWatch | undefined;
  const reports: RoundReport[] = [];
  const say = (line: string): void => t.diagnostic(line);
  try {
    topology = await startTopology();
    watch = new MasterWatch(topology.sentinelAddresses, SERVICE);
    watch.start();
    sentinel = await createSentinel(topology.sentinelAddresses, {
      failoverTimeout: CLIENT_FAILOVER_TIMEOUT,
      logger: log,
      ...options.client,
    });
    const redis = sentinel.masterFor(SERVICE);
    const failoverTimeout = options.client?.failoverTimeout ?? CLIENT_FAILOVER_TIMEOUT;
    workload = new Workload(redis, `${label}:`, failoverTimeout + SETTLE_MARGIN);
    workload.start();
    probe = new PubSubProbe(redis, `${label}:`, await topology.masterAddress());
    // Bounded: a subscription that cannot even start is a failure, not a hang.
    await within(probe.start(), 10_000, 'the subscriber to start');
    await workload.waitForProgress(200, 10_000);
    const checker = new ListChecker(workload);

    for (let round = 1; round <= rounds; round++) {
      const from = await topology.masterAddress();
      const t0 = Date.now();
      const fault: Fault = { round, kind, at: performance.now(), until: Infinity };
      faults.push(fault);
      const to = await failoverOnce(topology, fault, log);
      const switchedAt = performance.now();
      probe.retarget(to);
      const failoverMs = Date.now() - t0;
      const t1 = Date.now();
      await until(
        `the client to use the new master ${to.join(':')} (round ${round})`,
        () => sameAddress(redis.address, to),
        failoverTimeout + SETTLE_MARGIN,
      );
      const followMs = Date.now() - t1;
      // The subscription is back on the new master: from here on, what is published there must arrive.
      const masterWatch = watch;
      const back = await probe
        .waitUntilSubscribed(
          to,
          failoverTimeout + 2 * SETTLE_MARGIN,
          () => masterWatch.changedAt(to, switchedAt) !== undefined,
        )
        .catch((error: unknown) => {
          say(`[faults] ${label} round ${round}/${rounds}: ${describeError(error)}`);
          return null;
        });
      const backAt = typeof back === 'number' ? back : null;
      // Writes flow again, and every write acknowledged so far is on the new master.
      await workload.waitForProgress(100, failoverTimeout);
      const check = await checker.check(to);
      const losses = classifyLosses(workload, check.missing, faults, lossesAllowed);
      // Start the next failover from a topology at rest (see waitForSettled).
      const before = workload.ackedTotal;
      const t2 = Date.now();
      await waitForSettled(topology);
      const settledMs = Date.now() - t2;
      // The window closes here, just before the next fault is triggered, or earlier if Sentinel moved the master again.
      const now = performance.now();
      const windowEnd = watch.masterUntil(to, switchedAt, now);
      const pubsub = await probe.window(to, backAt ?? switchedAt, windowEnd, 5_000);
      const report: RoundReport = {
        round,
        from,
        to,
        failoverMs,
        followMs,
        missing: check.missing.length,
        unexplained: losses.unexplained,
        explained: losses.explained,
        subscriptionBackMs: backAt === null ? null : Math.round(backAt - switchedAt),
        pubsub,
        cutByFailover: back === 'master changed' || windowEnd < now,
      };
      reports.push(report);
      say(
        `[faults] ${label} round ${round}/${rounds}: ${from.join(':')} -> ${to.join(':')} in ${failoverMs} ms, ` +
          `client followed after ${followMs} ms; writes acked so far ${workload.ackedTotal}, ` +
          `${describeLosses(losses)}, duplicates ${check.duplicates.length}; ${pubsubLine(report)}; ` +
          `topology settled after ${settledMs} ms (${workload.ackedTotal - before} writes acked meanwhile)`,
      );
      // Each lost write on its own line, with the time from its acknowledgement to the fault.
      const lost = [...losses.explained, ...losses.unexplained];
      if (lost.length > 0)
        say(`[faults] ${label} round ${round}/${rounds}: lost acknowledged writes:\n${listLosses(lost, lost.length)}`);
    }

    await within(workload.stop(), failoverTimeout + SETTLE_MARGIN, 'the writers to stop');
    await within(probe.stop(), 10_000, 'the publisher to stop');
    if (process.env.FAULT_LOG) t.diagnostic(`client log:\n${log.tail(400)}`);
    const finalMaster = await topology.masterAddress();
    const final = await inspect(finalMaster, workload);
    const finalLosses = classifyLosses(workload, final.missing, faults, lossesAllowed);
    say(summaryLine(label, rounds, workload, final));
    const backMs = reports.map((r) => r.subscriptionBackMs).filter((ms) => ms !== null);
    say(
      `[faults] ${label}: ${describeLosses(finalLosses)}; pub/sub: rounds with the subscription back ${backMs.length}/${rounds}` +
        (backMs.length > 0 ? ` (after ${Math.min(...backMs)}..${Math.max(...backMs)} ms)` : '') +
        `, published on the new masters once back ${reports.reduce((n, r) => n + r.pubsub.counted, 0)}, ` +
        `never arrived ${reports.reduce((n, r) => n + r.pubsub.lost.length, 0)}, ` +
        `duplicated ${reports.reduce((n, r) => n + r.pubsub.duplicated, 0)}, publish failures ${probe.publishFailures}, ` +
        `windows cut short by a failover Sentinel started on its own ${reports.filter((r) => r.cutByFailover).length}`,
    );

    const context = `\n--- client log ---\n${log.tail()}`;
    assert.deepEqual(
      reports
        .filter((r) => r.unexplained.length > 0)
        .map((r) => `round ${r.round}: ${r.unexplained.length} lost:\n${listLosses(r.unexplained)}`),
      [],
      `acknowledged writes missing right after a failover that no replication lag explains${context}`,
    );
    assert.deepEqual(
      finalLosses.unexplained.length === 0 ? [] : [listLosses(finalLosses.unexplained)],
      [],
      `acknowledged RPUSH ids missing on the final master that no replication lag explains${context}`,
    );
    assert.deepEqual(
      reports.filter(pubsubFailed).map((r) => `round ${r.round}: ${pubsubLine(r)}`),
      [],
      `messages published on the new master after the subscription was back never arrived (or the window was empty)${context}`,
    );
    assert.deepEqual(final.duplicates.slice(0, 20), [], 'ids present twice (a written command was sent again)');
    assert.deepEqual(final.phantoms.slice(0, 20), [], 'ids present although their RPUSH was rejected as not applied');
    assert.deepEqual(final.foreign.slice(0, 20), [], 'list entries that no writer pushed');
    // A crash loses the tail of the old master's stream: per writer at most the INCRs around its
    // lost RPUSHes, one before the cut and one whose RPUSH failed with the connection (see losses.ts).
    const incrAllowance = lossesAllowed ? finalLosses.explained.length + 2 * workload.writers * rounds : 0;
    assert.ok(
      final.counter >= workload.incr.acked - incrAllowance,
      `counter ${final.counter} < ${workload.incr.acked} acknowledged INCRs - ${incrAllowance} a crash may lose (an acknowledged INCR was lost)${context}`,
    );
    assert.ok(
      final.counter <= workload.incr.acked + workload.incr.inDoubt,
      `counter ${final.counter} > acknowledged ${workload.incr.acked} + in doubt ${workload.incr.inDoubt} (an INCR reported as not applied was applied, or one was applied twice)`,
    );
    assert.deepEqual(workload.untyped.slice(0, 10), [], 'rejections that are not a typed RedisError');
    assert.deepEqual(
      workload.slow.slice(0, 10),
      [],
      `commands that took longer than failoverTimeout + margin${context}`,
    );
    assert.deepEqual(unhandled.reasons.map(describeError), [], 'unhandled rejections');
    assert.ok(workload.rpush.acked > 1_000, `the workload made progress (${workload.rpush.acked} RPUSHes acked)`);
    await options.onFinish?.(topology, finalMaster);
    // Closing after all this leaves nothing hanging.
    const closing = sentinel;
    sentinel = undefined;
    closing.close();
    await within(closing.waitClosed(), 10_000, 'sentinel.waitClosed() after the failovers');
    return { workload, final, rounds: reports };
  } catch (error) {
    // What the client and the servers saw (FAULT_LOG=1 for longer tails).
    t.diagnostic(`client log tail:\n${log.tail(process.env.FAULT_LOG ? 400 : 60)}`);
    for (const s of topology === undefined ? [] : [...topology.sentinelServers, ...topology.servers])
      t.diagnostic(`${s.describe()} log tail:\n${s.logTail(process.env.FAULT_LOG ? 150 : 20)}`);
    throw error;
  } finally {
    if (workload !== undefined) await within(workload.stop(), 30_000, 'the writers to stop').catch(() => undefined);
    if (probe !== undefined) await within(probe.stop(), 10_000, 'the publisher to stop').catch(() => undefined);
    if (watch !== undefined) await within(watch.stop(), 10_000, 'the master watch to stop').catch(() => undefined);
    if (sentinel !== undefined) {
      sentinel.close();
      await within(sentinel.waitClosed(), 10_000, 'sentinel.waitClosed()').catch((error: unknown) =>
        t.diagnostic(describeError(error)),
      );
    }
    await topology?.stop();
    unhandled.dispose();
  }
}
