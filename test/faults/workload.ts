// Shared pieces of the fault suite (test/faults/*.test.ts): the writer workload, the checks of what
// the final master holds, fd / heap probes and an unhandled-rejection collector.
//
// Rounds: FAULT_ROUNDS unset (`npm test`, CI) -> the defaults below: the issue's 20 graceful and 10
// crash failovers (5 SIGKILL, 5 SIGSTOP), plus SHUTDOWN, durability and resource rounds;
// FAULT_ROUNDS=full (`npm run test:faults`) -> 10 SIGKILL and 10 SIGSTOP and more of the rest;
// FAULT_ROUNDS=<n> -> n graceful rounds and ceil(n / 2) of each other kind. Under `npm test` the
// fault files run one at a time with a per-file timeout of 10 minutes. FAULT_PACE_MS sets the writers' pause
// (see paceMs); FAULT_LOG=1 prints the client's log and longer server log tails; FC_SEED=<n> replays
// protocol-fuzz with the seed a run printed. What counts as a lost write after a crash: losses.ts.

import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ConnectionClosedError,
  DurabilityError,
  RedisError,
  createConnection,
  type Redis,
  type RedisConnection,
} from '../../src/index.js';
import type { Address, Logger } from '../../src/types.js';
import { within as withinMs } from '../helpers/util.js';

export type FaultKind = 'graceful' | 'kill' | 'freeze' | 'shutdown';
type RoundKind = FaultKind | 'resources';

const DEFAULT_ROUNDS: Record<RoundKind, number> = { graceful: 20, kill: 5, freeze: 5, shutdown: 2, resources: 4 };
const FULL_ROUNDS: Record<RoundKind, number> = { graceful: 20, kill: 10, freeze: 10, shutdown: 5, resources: 16 };

/** How many failovers of this kind a test runs (see the header). */
export function faultRounds(kind: RoundKind): number {
  const raw = (process.env.FAULT_ROUNDS ?? '').trim().toLowerCase();
  if (raw === '') return DEFAULT_ROUNDS[kind];
  if (raw === 'full') return FULL_ROUNDS[kind];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`FAULT_ROUNDS must be "full" or an integer >= 1, got ${raw}`);
  return kind === 'graceful' ? n : Math.ceil(n / 2);
}

/**
 * Pause of each writer between two INCR+RPUSH pairs, in ms (FAULT_PACE_MS; default 3). Unpaced (0),
 * 50 writers saturate two cores (~150k commands/s), which would starve the test files that
 * `npm test` runs beside this one. Paced, they send ~20k commands/s and every failover still
 * catches commands in flight and commands queued while no master is known.
 */
export function paceMs(): number {
  const raw = (process.env.FAULT_PACE_MS ?? '').trim();
  if (raw === '') return 3;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`FAULT_PACE_MS must be a number >= 0, got ${raw}`);
  return n;
}

/** Per-test timeout: generous per round, so FAULT_ROUNDS=full is not cut short by node:test. */
export function testTimeout(rounds: number, perRoundMs = 40_000): number {
  return 60_000 + rounds * perRoundMs;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Keeps the client's log lines (with a time stamp) so a failing test can print what happened. */
export class LogBuffer implements Logger {
  private readonly lines: string[] = [];
  private readonly t0 = Date.now();

  constructor(private readonly max = 400) {}

  private add(level: string, message: string): void {
    this.lines.push(`+${String(Date.now() - this.t0).padStart(6)}ms ${level} ${message}`);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  log(message: string): void {
    this.add('log', message);
  }
  debug(message: string): void {
    this.add('debug', message);
  }
  warn(message: string): void {
    this.add('warn', message);
  }
  error(message: string): void {
    this.add('error', message);
  }
  note(message: string): void {
    this.add('test', message);
  }

  tail(n = 60): string {
    return this.lines.slice(-n).join('\n');
  }
}

/** Collects unhandled rejections while installed; the tests assert the list stays empty. */
export function collectUnhandledRejections(): { readonly reasons: unknown[]; dispose(): void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown): void => {
    reasons.push(reason);
  };
  process.on('unhandledRejection', listener);
  return {
    reasons,
    dispose: () => {
      process.off('unhandledRejection', listener);
    },
  };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Counts of one command kind. */
export interface Tally {
  acked: number;
  /** Rejected with a typed error that says the command was not applied. */
  rejected: number;
  /** Rejected with `mayHaveBeenApplied: true` (ConnectionClosedError, DurabilityError). */
  inDoubt: number;
}

function tally(): Tally {
  return { acked: 0, rejected: 0, inDoubt: 0 };
}

/** How the rejections of one kind of error split (the durability test checks each kind on its own). */
export interface ErrorTally {
  total: number;
  /** Of which said `mayHaveBeenApplied: true`. */
  inDoubt: number;
  /** RPUSH ids rejected with this kind, in doubt or not. */
  ids: Set<string>;
}

/** The kinds the fault suite tells apart; anything else is `other`. */
export type ErrorKind = 'DurabilityError' | 'ConnectionClosedError' | 'other';

function errorKind(error: unknown): ErrorKind {
  if (error instanceof DurabilityError) return 'DurabilityError';
  if (error instanceof ConnectionClosedError) return 'ConnectionClosedError';
  return 'other';
}

/** True when the error says the command may have run on the server. */
export function inDoubt(error: unknown): boolean {
  return (error as { mayHaveBeenApplied?: unknown } | null)?.mayHaveBeenApplied === true;
}

/**
 * `writers` loops, each with one command in flight: INCR `<prefix>c`, then RPUSH a fresh unique id
 * `<writer>:<seq>` to its own list `<prefix>list:<writer>`. Every outcome is recorded: the seqs of
 * acknowledged ids, in-doubt and rejected ids, error names, commands that took longer than
 * `settleBoundMs` to settle, and rejections that are not a typed RedisError.
 */
export class Workload {
  readonly incr: Tally = tally();
  readonly rpush: Tally = tally();
  /** Per writer, the seqs whose RPUSH was acknowledged, in order (numbers keep millions of them cheap). */
  readonly acked: number[][];
  /** Per writer, when each of those RPUSHes was sent and when it was acknowledged (performance.now(), same index). */
  readonly ackedSentAt: number[][];
  readonly ackedAt: number[][];
  /** Rejections by kind of error (DurabilityError, ConnectionClosedError, other). */
  readonly byKind = new Map<ErrorKind, ErrorTally>();
  readonly inDoubtIds = new Set<string>();
  /** Ids whose RPUSH was rejected with an error saying it was not applied. */
  readonly rejectedIds = new Set<string>();
  readonly errors = new Map<string, number>();
  /** Rejections that are not a RedisError subclass (must stay empty). */
  readonly untyped: string[] = [];
  /** Commands that took longer than settleBoundMs (must stay empty). */
  readonly slow: string[] = [];
  maxLatencyMs = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly seq: number[];
  private readonly pace = paceMs();

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    private readonly settleBoundMs: number,
    readonly writers = 50,
  ) {
    this.acked = Array.from({ length: writers }, () => []);
    this.ackedSentAt = Array.from({ length: writers }, () => []);
    this.ackedAt = Array.from({ length: writers }, () => []);
    this.seq = Array.from({ length: writers }, () => 0);
  }

  get counterKey(): string {
    return `${this.prefix}c`;
  }

  listKey(writer: number): string {
    return `${this.prefix}list:${writer}`;
  }

  get ackedTotal(): number {
    return this.incr.acked + this.rpush.acked;
  }

  start(): void {
    this.loops = Array.from({ length: this.writers }, (_, w) => this.run(w));
  }

  /** Stops the writers and waits until every command in flight has settled. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  /** The acknowledged count per writer right now (for a check that runs while writers go on). */
  snapshot(): number[] {
    return this.acked.map((a) => a.length);
  }

  /** When the acknowledged RPUSH `<writer>:<seq>` was sent and acknowledged; undefined if it was not acknowledged. */
  ackTimes(id: string): { sentAt: number; ackedAt: number } | undefined {
    const [w, seq] = id.split(':').map(Number) as [number, number];
    const acked = this.acked[w];
    if (acked === undefined) return undefined;
    // Seqs are acknowledged in increasing order: binary search.
    let lo = 0;
    let hi = acked.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = acked[mid]!;
      if (v === seq) return { sentAt: this.ackedSentAt[w]![mid]!, ackedAt: this.ackedAt[w]![mid]! };
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Resolves once `n` more RPUSHes were acknowledged (progress after a failover), or rejects on the deadline. */
  async waitForProgress(n: number, timeoutMs: number): Promise<void> {
    const target = this.rpush.acked + n;
    const deadline = Date.now() + timeoutMs;
    while (this.rpush.acked < target) {
      if (Date.now() > deadline)
        throw new Error(`no progress: ${this.rpush.acked} of ${target} acknowledged RPUSHes after ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  private record(kind: Tally, error: unknown, what: string, id?: string): 'inDoubt' | 'rejected' {
    const name = error instanceof Error ? error.name : typeof error;
    this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
    if (!(error instanceof RedisError)) this.untyped.push(`${what}: ${describeError(error)}`);
    const k = errorKind(error);
    let byKind = this.byKind.get(k);
    if (byKind === undefined) this.byKind.set(k, (byKind = { total: 0, inDoubt: 0, ids: new Set() }));
    byKind.total++;
    if (inDoubt(error)) byKind.inDoubt++;
    if (id !== undefined) byKind.ids.add(id);
    if (inDoubt(error)) {
      kind.inDoubt++;
      return 'inDoubt';
    }
    kind.rejected++;
    return 'rejected';
  }

  private async timed(
    what: () => string,
    run: () => Promise<unknown>,
  ): Promise<{ ok: true } | { ok: false; error: unknown }> {
    const t0 = performance.now();
    let result: { ok: true } | { ok: false; error: unknown };
    try {
      await run();
      result = { ok: true };
    } catch (error) {
      result = { ok: false, error };
    }
    const ms = performance.now() - t0;
    if (ms > this.maxLatencyMs) this.maxLatencyMs = ms;
    if (ms > this.settleBoundMs) {
      const how = result.ok ? 'resolved' : `rejected ${describeError(result.error)}`;
      this.slow.push(`${what()} ${how} after ${Math.round(ms)} ms`);
    }
    return result;
  }

  private async run(w: number): Promise<void> {
    const list = this.listKey(w);
    const acked = this.acked[w]!;
    while (!this.stopping) {
      let failed = false;
      const incr = await this.timed(
        () => `INCR (writer ${w})`,
        () => this.redis.incr(this.counterKey),
      );
      if (incr.ok) this.incr.acked++;
      else {
        this.record(this.incr, incr.error, `INCR (writer ${w})`);
        failed = true;
      }
      const seq = this.seq[w]!++;
      const id = `${w}:${seq}`;
      const sentAt = performance.now();
      const push = await this.timed(
        () => `RPUSH ${id}`,
        () => this.redis.rpush(list, id),
      );
      if (push.ok) {
        this.rpush.acked++;
        acked.push(seq);
        this.ackedSentAt[w]!.push(sentAt);
        this.ackedAt[w]!.push(performance.now());
      } else {
        const how = this.record(this.rpush, push.error, `RPUSH ${id}`, id);
        (how === 'inDoubt' ? this.inDoubtIds : this.rejectedIds).add(id);
        failed = true;
      }
      // A command that failed fast (no master yet) must not turn the loop into a busy spin.
      if (failed && !this.stopping) await sleep(20);
      else if (this.pace > 0) await sleep(this.pace);
    }
  }
}

/** What a master holds compared with what the workload was told. */
export interface Inspection {
  /** Acknowledged ids that are not in the lists. */
  missing: string[];
  /** Ids present more than once (or out of order: a written command sent again later). */
  duplicates: string[];
  /** Ids present although their RPUSH was rejected as not applied. */
  phantoms: string[];
  /** Entries that are not ids of this writer at all. */
  foreign: string[];
  /** In-doubt ids that turned out to be applied (informative: either way is correct). */
  inDoubtApplied: number;
  /** Entries read (a per-round check reads only what is new since the previous one). */
  listed: number;
  counter: number;
}

/** Where the previous check of one writer's list stopped. */
interface ListCursor {
  /** Entries verified so far (the list on the master checked last). */
  length: number;
  /** The entry at length - 1, which must still be there on the next master. */
  anchor: string | null;
  /** Highest seq seen in the list. */
  lastSeq: number;
  /** acked[writer] before this index are accounted for. */
  ackedIndex: number;
}

const PAGE = 10_000;

function freshCursor(): ListCursor {
  return { length: 0, anchor: null, lastSeq: -1, ackedIndex: 0 };
}

/**
 * Checks what masters hold against the workload's acknowledgements. Each writer's list only grows and
 * its seqs are increasing (one command in flight per writer), so a check reads only what was added
 * since the previous check, after confirming that the last entry it saw is still at the same index;
 * otherwise (something was lost or inserted) it reads that list again from the start. `inspect()`
 * with a fresh checker reads everything.
 */
export class ListChecker {
  private readonly cursors: ListCursor[];

  constructor(private readonly workload: Workload) {
    this.cursors = Array.from({ length: workload.writers }, freshCursor);
  }

  async check(address: Address): Promise<Inspection> {
    const snapshot = this.workload.snapshot();
    const conn = await createConnection(address, { connectTimeout: 5_000, commandTimeout: 30_000 });
    try {
      const result = emptyPart();
      await Promise.all(
        Array.from({ length: this.workload.writers }, async (_, w) => {
          const part = emptyPart();
          if (!(await this.checkWriter(conn, w, snapshot[w]!, part))) {
            // The prefix checked earlier changed: start over for this writer.
            this.cursors[w] = freshCursor();
            const again = emptyPart();
            await this.checkWriter(conn, w, snapshot[w]!, again);
            merge(result, again);
          } else merge(result, part);
        }),
      );
      result.counter = Number((await conn.execute<string | null>('GET', this.workload.counterKey)) ?? 0);
      return result;
    } finally {
      conn.close();
      await conn.waitClosed();
    }
  }

  /** False when the anchor moved (the caller starts over from index 0). */
  private async checkWriter(
    conn: RedisConnection,
    w: number,
    snapshotLength: number,
    out: Inspection,
  ): Promise<boolean> {
    const cursor = this.cursors[w]!;
    const key = this.workload.listKey(w);
    const acked = this.workload.acked[w]!;
    const prefix = `${w}:`;
    let i = cursor.ackedIndex;
    // An id in flight at the previous read was listed before it was acknowledged: already accounted for.
    while (i < acked.length && acked[i]! <= cursor.lastSeq) i++;
    let prev = cursor.lastSeq;
    let anchor = cursor.anchor;
    let position = cursor.length > 0 ? cursor.length - 1 : 0;
    let checkAnchor = cursor.length > 0;
    for (;;) {
      const page = await conn.execute<string[]>('LRANGE', key, position, position + PAGE - 1);
      for (const entry of page) {
        if (checkAnchor) {
          checkAnchor = false;
          if (entry !== cursor.anchor) return false;
          continue;
        }
        out.listed++;
        anchor = entry;
        if (!entry.startsWith(prefix)) {
          out.foreign.push(entry);
          continue;
        }
        const seq = Number(entry.slice(prefix.length));
        if (!Number.isInteger(seq)) {
          out.foreign.push(entry);
          continue;
        }
        if (seq <= prev) {
          out.duplicates.push(entry);
          continue;
        }
        prev = seq;
        // Acknowledged ids below this one must have been listed before it.
        while (i < acked.length && acked[i]! < seq) out.missing.push(`${w}:${acked[i++]!}`);
        if (i < acked.length && acked[i] === seq) i++;
        else if (this.workload.rejectedIds.has(entry)) out.phantoms.push(entry);
        else if (this.workload.inDoubtIds.has(entry)) out.inDoubtApplied++;
      }
      position += page.length;
      if (page.length < PAGE) break;
    }
    if (cursor.length > 0 && checkAnchor) return false; // the list got shorter than what was verified
    // Acknowledged before the read started, yet not listed.
    while (i < snapshotLength) out.missing.push(`${w}:${acked[i++]!}`);
    this.cursors[w] = { length: position, anchor, lastSeq: prev, ackedIndex: i };
    return true;
  }
}

function emptyPart(): Inspection {
  return { missing: [], duplicates: [], phantoms: [], foreign: [], inDoubtApplied: 0, listed: 0, counter: 0 };
}

function merge(into: Inspection, part: Inspection): void {
  // Loops, not push(...list): a failing run may report hundreds of thousands of ids.
  for (const id of part.missing) into.missing.push(id);
  for (const id of part.duplicates) into.duplicates.push(id);
  for (const id of part.phantoms) into.phantoms.push(id);
  for (const id of part.foreign) into.foreign.push(id);
  into.listed += part.listed;
  into.inDoubtApplied += part.inDoubtApplied;
}

/** Reads every list in full and the counter straight from `address` (one connection of its own). */
export function inspect(address: Address, workload: Workload): Promise<Inspection> {
  return new ListChecker(workload).check(address);
}

/** One summary line per failover kind: what the issue asks to count and print. */
export function summaryLine(kind: string, rounds: number, workload: Workload, final: Inspection): string {
  const errors = [...workload.errors].map(([n, c]) => `${n}=${c}`).join(',') || 'none';
  return (
    `[faults] ${kind}: rounds=${rounds} ` +
    `writes acked=${workload.incr.acked + workload.rpush.acked} rejected=${workload.incr.rejected + workload.rpush.rejected} ` +
    `inDoubt=${workload.incr.inDoubt + workload.rpush.inDoubt} missing=${final.missing.length} ` +
    `duplicates=${final.duplicates.length} phantoms=${final.phantoms.length} foreign=${final.foreign.length} | ` +
    `rpush acked=${workload.rpush.acked} rejected=${workload.rpush.rejected} inDoubt=${workload.rpush.inDoubt} ` +
    `(applied ${final.inDoubtApplied}) listed=${final.listed} | ` +
    `incr acked=${workload.incr.acked} rejected=${workload.incr.rejected} inDoubt=${workload.incr.inDoubt} counter=${final.counter} | ` +
    `maxLatency=${Math.round(workload.maxLatencyMs)}ms errors: ${errors}`
  );
}

/** Polls `check` until it returns true; rejects with `what` (and the last error) on the deadline. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : ` (${describeError(lastError)})`}`,
      );
    await sleep(20);
  }
}

/** Open file descriptors of this process (Linux). */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

let gcFn: (() => void) | undefined;

/** A full garbage collection: global.gc under --expose-gc, else one obtained through V8 flags. */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    const global = (globalThis as { gc?: () => void }).gc;
    if (typeof global === 'function') gcFn = global;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}

/**
 * Rejects with a clear message when `promise` does not settle within `ms` (a hang becomes a failure):
 * test/helpers/util.ts's `within`, with the argument order the fault suite uses.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withinMs(ms, what, promise);
}
