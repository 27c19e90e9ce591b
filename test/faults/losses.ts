// Which lost acknowledged writes Redis itself cannot promise to keep, and which point at the client.
//
// Replication is asynchronous: a master acknowledges a write before its replica has it. When the
// master is SIGKILLed or SIGSTOPped and a replica is promoted, the writes acknowledged just before the
// fault that had not reached the replica are gone, whatever the client does. Such a loss is
// "explained" when the write was sent before the fault was signalled, was acknowledged at most
// LAG_BOUND_MS before it, and was acknowledged before the old master could run again (its restart
// or SIGCONT). Anything else is a client bug: a write sent after the signal can only have been
// acknowledged by a live node (the new master, or the old one once it ran again); a write
// acknowledged long before the fault had long been replicated. A reply the master wrote just before
// the signal can reach the client a little after it: that is why the rule looks at when the write
// was sent, and at when the old master could answer again, rather than at when the reply was read.

import type { FaultKind, Workload } from './workload.js';

/**
 * How long before the fault an acknowledged write may still be unreplicated. On loopback a replica
 * receives a write within a millisecond of the master's reply; the bound leaves room for a replica
 * descheduled on a loaded 2-core machine (the rounds start only once every replica reports its link
 * up), yet stays at down-after-milliseconds (1 s), so a write from before the sentinels could even
 * start to suspect the master is never excused.
 */
export const LAG_BOUND_MS = 1_000;

/** One fault of a round, in performance.now() time. */
export interface Fault {
  round: number;
  kind: FaultKind;
  /** When the test signalled it (SIGKILL / SIGSTOP sent, SHUTDOWN or SENTINEL FAILOVER sent). */
  at: number;
  /** From when the old master could answer again (restart, SIGCONT); Infinity until then. */
  until: number;
}

export interface LostWrite {
  id: string;
  /** The fault it is attributed to (the first one signalled after it was sent). */
  round: number | null;
  /** Time from its acknowledgement to the fault, in ms (negative: the reply was read after the signal). */
  lagMs: number | null;
  /** Why a replication lag does not explain it (undefined when it does). */
  unexplained?: string;
}

export interface LossReport {
  explained: LostWrite[];
  unexplained: LostWrite[];
}

/** True for the kinds where a write acknowledged just before the fault may be lost (without durability). */
export function crashKind(kind: FaultKind): boolean {
  return kind === 'kill' || kind === 'freeze';
}

/**
 * Sorts missing acknowledged ids into explained and unexplained losses. With `allowed` false (graceful
 * failovers, SHUTDOWN, durability) every loss is unexplained.
 */
export function classifyLosses(
  workload: Workload,
  missing: readonly string[],
  faults: readonly Fault[],
  allowed: boolean,
): LossReport {
  const report: LossReport = { explained: [], unexplained: [] };
  for (const id of missing) {
    const times = workload.ackTimes(id);
    const fault = times === undefined ? undefined : faults.find((f) => f.at > times.sentAt);
    const lost: LostWrite = {
      id,
      round: fault?.round ?? null,
      lagMs: fault === undefined || times === undefined ? null : Math.round(fault.at - times.ackedAt),
    };
    if (times === undefined) lost.unexplained = 'no acknowledgement time recorded';
    else if (fault === undefined) lost.unexplained = 'sent after the last fault was signalled';
    else if (!allowed || !crashKind(fault.kind))
      lost.unexplained = 'nothing acknowledged may be lost here (graceful failover, SHUTDOWN or durability)';
    else if (fault.at - times.ackedAt > LAG_BOUND_MS)
      lost.unexplained = `acknowledged ${Math.round(fault.at - times.ackedAt)} ms before the fault (bound ${LAG_BOUND_MS} ms)`;
    else if (times.ackedAt > fault.until) lost.unexplained = 'acknowledged after the old master could run again';
    (lost.unexplained === undefined ? report.explained : report.unexplained).push(lost);
  }
  return report;
}

/** "N (lags a..b ms)" for a per-round or summary line. */
export function describeLosses(report: LossReport): string {
  const lags = report.explained.map((l) => l.lagMs!).toSorted((a, b) => a - b);
  const range = lags.length === 0 ? '' : ` (ack-to-fault ${lags[0]}..${lags.at(-1)} ms)`;
  return `lost acked ${report.explained.length + report.unexplained.length}: explained by replication lag ${report.explained.length}${range}, unexplained ${report.unexplained.length}`;
}

/** One line per lost write, for a failure message. */
export function listLosses(losses: readonly LostWrite[], max = 20): string {
  return losses
    .slice(0, max)
    .map(
      (l) =>
        `${l.id} (round ${l.round ?? '-'}, ack-to-fault ${l.lagMs ?? '-'} ms${l.unexplained ? `: ${l.unexplained}` : ''})`,
    )
    .join('\n');
}
