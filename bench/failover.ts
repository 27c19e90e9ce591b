// `npm run bench:failover`: what each client does to a steady stream of writes during a Sentinel
// failover. Topology: 1 master, 2 replicas, 3 sentinels (quorum 2, down-after 1000 ms, failover-timeout
// 3000 ms). Four phases (`--phases=a,b` picks some), each with fresh clients and keys:
//   graceful: SENTINEL FAILOVER;
//   killed:   SIGKILL of the master, restarted (empty) after the switch;
//   shutdown: SHUTDOWN NOSAVE on the master, restarted (empty) after the switch;
//   frozen:   the master is SIGSTOPped (pauseMaster) long enough for the sentinels to fail over, then
//             continued (a GC pause, a stalled VM), so it comes back still believing it is the master.
// Every client sends RPUSH <its key> <unique id> every 10 ms without waiting for the previous reply.
// Writes bench/results/failover.json, failover.md and one timeline per phase, failover-<phase>.svg
// (acknowledged writes per 100 ms per client, rejected and lost writes, the Sentinel events).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis as IORedis } from 'ioredis';
import { createSentinel as createNodeRedisSentinel } from 'redis';
import { createConnection, createSentinel } from '../src/client.js';
import { SentinelTopology, waitFor } from '../src/testing/index.js';
import { formatMs, sleep, withTimeout } from './common.js';
import { bucketize, timelineSvg, type TimelineData, type TimelineEvent } from './timeline-svg.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const SERVICE = 'mymaster';
const WRITE_EVERY_MS = 10;
const PAUSE_MS = 6_000;
const BUCKET_MS = 100;
/** The Sentinel events the timelines show (the first of each in a phase, from any sentinel). */
const TIMELINE_EVENTS = ['+sdown', '+odown', '+try-failover', '+promoted-slave', '+switch-master'];
const now = (): number => performance.now();

interface FailoverClient {
  id: string;
  label: string;
  /** The name in the timeline's legend. */
  short: string;
  rpush(key: string, value: string): Promise<unknown>;
  close(): Promise<void>;
}

type Address = [string, number];

async function ioredisClient(sentinels: Address[], failoverDetector: boolean): Promise<FailoverClient> {
  const redis = new IORedis({
    sentinels: sentinels.map(([host, port]) => ({ host, port })),
    name: SERVICE,
    failoverDetector,
  });
  redis.on('error', () => undefined);
  await withTimeout(new Promise<void>((resolve) => redis.once('ready', () => resolve())), 10_000, 'ioredis ready');
  return {
    id: failoverDetector ? 'ioredis-failover-detector' : 'ioredis',
    label: failoverDetector ? 'ioredis (failoverDetector: true)' : 'ioredis (defaults)',
    short: failoverDetector ? 'ioredis failoverDetector' : 'ioredis',
    rpush: (key, value) => redis.rpush(key, value),
    async close() {
      redis.disconnect();
    },
  };
}

/** One client of each kind, all through Sentinel, all with their defaults. */
async function createClients(sentinels: Address[]): Promise<FailoverClient[]> {
  const ours = await createSentinel(sentinels);
  const master = ours.masterFor(SERVICE);
  const nodeRedis = createNodeRedisSentinel({
    name: SERVICE,
    sentinelRootNodes: sentinels.map(([host, port]) => ({ host, port })),
  });
  nodeRedis.on('error', () => undefined);
  await withTimeout(nodeRedis.connect(), 10_000, 'node-redis connect');
  return [
    {
      id: 'ours',
      label: 'nestjs-redis-sentinel (defaults)',
      short: 'nestjs-redis-sentinel',
      rpush: (key, value) => master.rpush(key, value),
      async close() {
        ours.close();
        await withTimeout(ours.waitClosed(), 5_000, 'closing ours').catch(() => undefined);
      },
    },
    await ioredisClient(sentinels, false),
    await ioredisClient(sentinels, true),
    {
      id: 'node-redis',
      label: 'node-redis createSentinel (defaults)',
      short: 'node-redis',
      rpush: (key, value) => nodeRedis.rPush(key, value),
      async close() {
        await withTimeout(nodeRedis.close(), 5_000, 'closing node-redis').catch(() => nodeRedis.destroy());
      },
    },
  ];
}

interface WriteRecord {
  id: number;
  sentAt: number;
  ackAt?: number;
  rejectedAt?: number;
  error?: string;
}

class Writer {
  readonly records: WriteRecord[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly client: FailoverClient,
    readonly key: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.write(), WRITE_EVERY_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get pending(): number {
    return this.records.filter((r) => r.ackAt === undefined && r.rejectedAt === undefined).length;
  }

  lastAckAt(): number {
    let last = -Infinity;
    for (const r of this.records) if (r.ackAt !== undefined && r.ackAt > last) last = r.ackAt;
    return last;
  }

  private write(): void {
    const record: WriteRecord = { id: this.records.length, sentAt: now() };
    this.records.push(record);
    let promise: Promise<unknown>;
    try {
      promise = this.client.rpush(this.key, String(record.id));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      () => {
        record.ackAt = now();
      },
      (error: unknown) => {
        record.rejectedAt = now();
        record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      },
    );
  }
}

interface SentinelEvent {
  t: number;
  sentinel: number;
  channel: string;
  message: string;
}

/** Subscribes to every event of every sentinel, with ioredis (not the client under test). */
async function observeSentinels(sentinels: Address[], events: SentinelEvent[]): Promise<() => void> {
  const subs = await Promise.all(
    sentinels.map(async ([host, port]) => {
      const sub = new IORedis({ host, port, lazyConnect: true, maxRetriesPerRequest: null });
      sub.on('error', () => undefined);
      sub.on('pmessage', (_pattern: string, channel: string, message: string) => {
        events.push({ t: now(), sentinel: port, channel, message });
      });
      await sub.connect();
      await sub.psubscribe('*');
      return sub;
    }),
  );
  return () => {
    for (const s of subs) s.disconnect();
  };
}

/** Polls every sentinel until they agree on the master, its 2 healthy replicas, and each other. */
async function waitSentinelsSettled(topology: SentinelTopology, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const masterPort = topology.master.port;
  for (;;) {
    let ok = true;
    for (const [host, port] of topology.sentinelAddresses) {
      const c = new IORedis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        const master = toRecord((await c.call('SENTINEL', 'MASTER', SERVICE)) as string[]);
        const replicas = ((await c.call('SENTINEL', 'REPLICAS', SERVICE)) as string[][]).map(toRecord);
        ok &&=
          master.flags === 'master' &&
          Number(master.port) === masterPort &&
          Number(master['num-slaves']) === 2 &&
          Number(master['num-other-sentinels']) === 2 &&
          replicas.every((r) => r.flags === 'slave' && r['master-link-status'] === 'ok');
      } catch {
        ok = false;
      } finally {
        c.disconnect();
      }
    }
    if (ok) return;
    if (Date.now() > deadline) throw new Error('the sentinels did not settle on the new topology');
    await sleep(250);
  }
}

function toRecord(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

interface ClientReport {
  client: string;
  label: string;
  sent: number;
  acked: number;
  rejected: number;
  unresolved: number;
  /** Acknowledged writes missing from the new master's list afterwards. */
  ackedMissing: number;
  /** Rejected (or unresolved) writes that are in the list anyway. */
  rejectedButPresent: number;
  duplicates: number;
  /** Times in ms relative to the trigger (SENTINEL FAILOVER sent / SIGSTOP). */
  lastOldAckMs: number | null;
  firstNewAckMs: number | null;
  /** firstNewAck - lastOldAck. */
  writePauseMs: number | null;
  /** firstNewAck - the first +switch-master. */
  switchToFirstNewAckMs: number | null;
  /** Longest time without any ack, from the trigger to the end of the phase. */
  longestAckGapMs: number;
  /** Acks that arrived after +switch-master but came from the old master (they are the missing ones). */
  oldAcksAfterSwitch: number;
  errors: { message: string; count: number }[];
}

interface PhaseReport {
  phase: Phase;
  description: string;
  oldMaster: string;
  newMaster: string;
  switchMasterMs: number | null;
  windowMs: number;
  events: { ms: number; channel: string; message: string; sentinels: number }[];
  clients: ClientReport[];
  /** What failover-<phase>.svg is drawn from (times in ms from the trigger). */
  timeline: TimelineData;
}

function analyse(writer: Writer, finalIds: string[], t0: number, tSwitch: number | null, tEnd: number): ClientReport {
  const present = new Map<number, number>();
  for (const id of finalIds) present.set(Number(id), (present.get(Number(id)) ?? 0) + 1);
  const records = writer.records;
  const acked = records.filter((r) => r.ackAt !== undefined);
  const rejected = records.filter((r) => r.rejectedAt !== undefined);
  const unresolved = records.filter((r) => r.ackAt === undefined && r.rejectedAt === undefined);
  const switchAt = tSwitch ?? Infinity;
  // An ack came from the new master when its write survived and it arrived after the switch (no client
  // can reach the new master before the sentinels announce it). Anything else came from the old one.
  const isNew = (r: WriteRecord): boolean => present.has(r.id) && r.ackAt! >= switchAt;
  const oldAcks = acked.filter((r) => !isNew(r));
  const newAcks = acked.filter(isNew);
  const lastOld = oldAcks.length > 0 ? Math.max(...oldAcks.map((r) => r.ackAt!)) : null;
  const firstNew = newAcks.length > 0 ? Math.min(...newAcks.map((r) => r.ackAt!)) : null;
  const times = acked
    .map((r) => r.ackAt!)
    .filter((t) => t >= t0 - 1000 && t <= tEnd)
    .toSorted((a, b) => a - b);
  let gap = 0;
  let prev = t0;
  for (const t of times) {
    if (t < t0) continue;
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  gap = Math.max(gap, tEnd - prev);
  const errorCounts = new Map<string, number>();
  for (const r of rejected) {
    const message = (r.error ?? 'unknown').replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'host:port').slice(0, 160);
    errorCounts.set(message, (errorCounts.get(message) ?? 0) + 1);
  }
  return {
    client: writer.client.id,
    label: writer.client.label,
    sent: records.length,
    acked: acked.length,
    rejected: rejected.length,
    unresolved: unresolved.length,
    ackedMissing: acked.filter((r) => !present.has(r.id)).length,
    rejectedButPresent: [...rejected, ...unresolved].filter((r) => present.has(r.id)).length,
    duplicates: [...present.values()].reduce((n, c) => n + (c - 1), 0),
    lastOldAckMs: lastOld === null ? null : lastOld - t0,
    firstNewAckMs: firstNew === null ? null : firstNew - t0,
    writePauseMs: lastOld !== null && firstNew !== null ? firstNew - lastOld : null,
    switchToFirstNewAckMs: firstNew !== null && tSwitch !== null ? firstNew - tSwitch : null,
    longestAckGapMs: gap,
    oldAcksAfterSwitch: oldAcks.filter((r) => r.ackAt! >= switchAt).length,
    errors: [...errorCounts]
      .map(([message, count]) => ({ message, count }))
      .toSorted((a, b) => b.count - a.count)
      .slice(0, 4),
  };
}

type Phase = 'graceful' | 'frozen' | 'killed' | 'shutdown';

/** The harness's action at t = 0, as the timeline labels it. */
const TRIGGER_LABELS: Record<Phase, string> = {
  graceful: 'SENTINEL FAILOVER',
  frozen: 'SIGSTOP',
  killed: 'SIGKILL',
  shutdown: 'SHUTDOWN NOSAVE',
};

const PHASE_TITLES: Record<Phase, string> = {
  graceful: 'SENTINEL FAILOVER',
  frozen: `master SIGSTOPped for ${PAUSE_MS / 1000} s, then SIGCONT`,
  killed: 'master SIGKILLed, restarted empty after the switch',
  shutdown: 'SHUTDOWN NOSAVE on the master, restarted empty after the switch',
};

/** The phase's writes per bucket and the events that matter, in ms from the trigger (t0). */
function timelineOf(
  phase: Phase,
  writers: Writer[],
  lists: string[][],
  reports: ClientReport[],
  phaseEvents: SentinelEvent[],
  actions: TimelineEvent[],
  t0: number,
  tEnd: number,
  masters: [Address, Address],
): TimelineData {
  let first = t0;
  for (const w of writers) first = Math.min(first, w.records[0]?.sentAt ?? first);
  // Whole buckets of the writing window only (a part-filled first or last one would look like a pause),
  // their edges on multiples of BUCKET_MS from the trigger, so t = 0 is an edge.
  const startMs = Math.ceil((first - t0) / BUCKET_MS) * BUCKET_MS;
  const count = Math.max(0, Math.floor((tEnd - t0 - startMs) / BUCKET_MS));
  const endMs = startMs + count * BUCKET_MS;
  const buckets = (times: number[]): number[] => bucketize(times, startMs, BUCKET_MS, count);
  const clients = writers.map((w, i) => {
    const present = new Set(lists[i]!.map(Number));
    const acked = w.records.filter((r) => r.ackAt !== undefined);
    return {
      label: w.client.short,
      acked: buckets(acked.map((r) => r.ackAt! - t0)),
      rejected: buckets(w.records.filter((r) => r.rejectedAt !== undefined).map((r) => r.rejectedAt! - t0)),
      lost: buckets(acked.filter((r) => !present.has(r.id)).map((r) => r.ackAt! - t0)),
      // The table's counts (the whole run, also the part-filled edges the buckets leave out).
      totals: { acked: reports[i]!.acked, rejected: reports[i]!.rejected, lost: reports[i]!.ackedMissing },
    };
  });
  const sentinelEvents: TimelineEvent[] = [];
  for (const kind of TIMELINE_EVENTS) {
    // +sdown / +odown of the master only (replicas and sentinels go down too when the master is restarted).
    const matching = phaseEvents.filter(
      (e) => e.channel === kind && (!kind.endsWith('down') || e.message.startsWith('master ')),
    );
    const e = matching[0];
    if (e === undefined) continue;
    const from = new Set(matching.map((m) => m.sentinel)).size;
    sentinelEvents.push({
      ms: e.t - t0,
      label: kind,
      kind: 'sentinel',
      detail: `${kind} ${e.message} (first heard at ${Math.round(e.t - t0)} ms; published by ${from} sentinel${from === 1 ? '' : 's'})`,
    });
  }
  return {
    title: `Failover timeline, ${phase}: ${PHASE_TITLES[phase]}`,
    subtitle: `acknowledged writes per ${BUCKET_MS} ms, each client one RPUSH every ${WRITE_EVERY_MS} ms; master ${masters[0].join(':')} → ${masters[1].join(':')}; 3 sentinels, down-after 1 s`,
    startMs,
    bucketMs: BUCKET_MS,
    clients,
    events: [...actions, ...sentinelEvents].filter((e) => e.ms <= endMs).toSorted((a, b) => a.ms - b.ms),
  };
}

const PHASE_DESCRIPTIONS: Record<Phase, string> = {
  graceful: 'SENTINEL FAILOVER (the old master stays up and is demoted by the sentinels afterwards)',
  frozen: `master SIGSTOPped for ${PAUSE_MS} ms, then continued (comes back still a master until the sentinels demote it)`,
  killed: 'master SIGKILLed, restarted (empty) once the sentinels have switched; it rejoins as a replica',
  shutdown: 'SHUTDOWN NOSAVE sent to the master, restarted (empty) once the sentinels have switched',
};

async function runPhase(
  phase: Phase,
  topology: SentinelTopology,
  events: SentinelEvent[],
  log: (m: string) => void,
): Promise<PhaseReport> {
  const sentinels = topology.sentinelAddresses;
  const oldMaster = await topology.masterAddress();
  const clients = await createClients(sentinels);
  const writers = clients.map((c) => new Writer(c, `failover:${phase}:${c.id}`));
  try {
    for (const w of writers) w.start();
    await sleep(1_500);
    const firstEvent = events.length;
    const t0 = now();
    const actions: TimelineEvent[] = [{ ms: 0, label: TRIGGER_LABELS[phase], kind: 'action' }];
    const action = (label: string): void => void actions.push({ ms: now() - t0, label, kind: 'action' });
    let resumed: Promise<void> = Promise.resolve();
    if (phase === 'graceful') {
      log('SENTINEL FAILOVER');
      await topology.failover({ timeoutMs: 30_000 });
    } else if (phase === 'frozen') {
      log(`SIGSTOP master for ${PAUSE_MS} ms`);
      resumed = topology.pauseMaster(PAUSE_MS).then(() => action('SIGCONT'));
      await topology.waitForMasterChange(oldMaster, 30_000);
    } else {
      const victim = topology.master;
      if (phase === 'killed') {
        log('SIGKILL master');
        // Not killMaster(), which asks the sentinels first: the signal goes at t0 (masterAddress() synced it).
        await victim.kill('SIGKILL');
      } else {
        log('SHUTDOWN NOSAVE to the master');
        const conn = await createConnection(oldMaster);
        await conn.execute('SHUTDOWN', 'NOSAVE').catch(noop);
        conn.close();
        await waitFor('the master to exit', () => !victim.running, { timeoutMs: 10_000 });
      }
      await topology.waitForMasterChange(oldMaster, 30_000);
      resumed = victim.restart().then(() => action('old master restarted'));
    }
    const switchEvent = events.slice(firstEvent).find((e) => e.channel === '+switch-master');
    const tSwitch = switchEvent?.t ?? null;
    log(
      `new master ${topology.master.address.join(':')} (+switch-master at ${tSwitch === null ? '?' : formatMs(tSwitch - t0)} ms)`,
    );
    await resumed;
    // The old master is demoted (REPLICAOF + CLIENT KILL by the sentinels) and synced: from here on
    // every ack can only come from the new master.
    await topology.waitForReplicas(SERVICE, 40_000);
    const tDemoted = now();
    log(`old master demoted and synced at ${formatMs(tDemoted - t0)} ms`);
    const deadline = Date.now() + 15_000;
    while (writers.some((w) => w.lastAckAt() <= tDemoted) && Date.now() < deadline) await sleep(50);
    await sleep(1_000);
    for (const w of writers) w.stop();
    const tEnd = now();
    const settleDeadline = Date.now() + 15_000;
    while (writers.some((w) => w.pending > 0) && Date.now() < settleDeadline) await sleep(50);
    const newMaster = topology.master.address;
    const reader = new IORedis({ host: newMaster[0], port: newMaster[1], lazyConnect: true });
    reader.on('error', () => undefined);
    await reader.connect();
    const lists = await Promise.all(writers.map((w) => reader.lrange(w.key, 0, -1)));
    reader.disconnect();
    const phaseEvents = events.slice(firstEvent);
    const firstOf = new Map<string, { ms: number; channel: string; message: string; sentinels: Set<number> }>();
    for (const e of phaseEvents) {
      const key = `${e.channel} ${e.message.split(' ').slice(0, 2).join(' ')}`;
      const entry = firstOf.get(key);
      if (entry) entry.sentinels.add(e.sentinel);
      else firstOf.set(key, { ms: e.t - t0, channel: e.channel, message: e.message, sentinels: new Set([e.sentinel]) });
    }
    const reports = writers.map((w, i) => analyse(w, lists[i]!, t0, tSwitch, tEnd));
    return {
      phase,
      description: PHASE_DESCRIPTIONS[phase],
      oldMaster: oldMaster.join(':'),
      newMaster: newMaster.join(':'),
      switchMasterMs: tSwitch === null ? null : tSwitch - t0,
      windowMs: tEnd - t0,
      events: [...firstOf.values()]
        .map((e) => ({ ms: e.ms, channel: e.channel, message: e.message, sentinels: e.sentinels.size }))
        .toSorted((a, b) => a.ms - b.ms),
      clients: reports,
      timeline: timelineOf(phase, writers, lists, reports, phaseEvents, actions, t0, tEnd, [oldMaster, newMaster]),
    };
  } finally {
    for (const w of writers) w.stop();
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}

function noop(): void {}

const ms = (v: number | null): string => (v === null ? 'n/a' : Math.round(v).toString());

function markdown(report: { meta: Record<string, unknown>; phases: PhaseReport[] }): string {
  const out: string[] = ['# Failover benchmark'];
  out.push(
    Object.entries(report.meta)
      .map(([k, v]) => `- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join('\n'),
  );
  out.push(
    [
      'Columns: **pause** = first ack on the new master minus last ack on the old master;',
      '**switch→new ack** = first ack on the new master minus the first `+switch-master` (from our own sentinel subscription);',
      '**longest gap** = longest time without any ack from the trigger to the end of the window (what the application sees as a stall);',
      '**acked missing** = acknowledged writes absent from `LRANGE` on the new master afterwards (lost acknowledged writes);',
      '**rejected present** = rejected or never-answered writes that are in the list anyway. Times in ms; t=0 is the trigger.',
      "An ack counts as the new master's when its id survived and it arrived after `+switch-master`; every other ack is the old master's.",
    ].join(' '),
  );
  for (const p of report.phases) {
    out.push(`## ${p.phase}: ${p.description}`);
    out.push(
      `old master ${p.oldMaster}, new master ${p.newMaster}; \`+switch-master\` at ${ms(p.switchMasterMs)} ms; writes stopped at ${ms(p.windowMs)} ms.`,
    );
    out.push(`![${p.phase} failover timeline](failover-${p.phase}.svg)`);
    const header = [
      'client',
      'sent',
      'acked',
      'rejected',
      'unresolved',
      'acked missing',
      'rejected present',
      'dup',
      'last old ack',
      'first new ack',
      'pause',
      'switch→new ack',
      'longest gap',
    ];
    const rows = p.clients.map((c) => [
      c.label,
      c.sent,
      c.acked,
      c.rejected,
      c.unresolved,
      c.ackedMissing,
      c.rejectedButPresent,
      c.duplicates,
      ms(c.lastOldAckMs),
      ms(c.firstNewAckMs),
      ms(c.writePauseMs),
      ms(c.switchToFirstNewAckMs),
      ms(c.longestAckGapMs),
    ]);
    out.push(
      [
        `| ${header.join(' | ')} |`,
        `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
        ...rows.map((r) => `| ${r.join(' | ')} |`),
      ].join('\n'),
    );
    const errs = p.clients.flatMap((c) => c.errors.map((e) => `- ${c.label}: ${e.count} x \`${e.message}\``));
    if (errs.length > 0) out.push(`Rejections:\n\n${errs.join('\n')}`);
    out.push(
      `Sentinel events (first occurrence; t in ms):\n\n| t | event | detail | sentinels |\n| ---: | --- | --- | ---: |\n` +
        p.events
          .slice(0, 30)
          .map(
            (e) => `| ${Math.round(e.ms)} | \`${e.channel}\` | ${e.message.replace(/\|/g, '\\|')} | ${e.sentinels} |`,
          )
          .join('\n'),
    );
  }
  return out.join('\n\n') + '\n';
}

function failoverTable(phases: PhaseReport[]): string {
  const lines = [
    '| phase | client | acked | rejected | acked missing | pause ms | switch→new ack ms | longest gap ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of phases)
    for (const c of p.clients)
      lines.push(
        `| ${p.phase} | ${c.label} | ${c.acked} | ${c.rejected} | ${c.ackedMissing} | ${ms(c.writePauseMs)} | ${ms(c.switchToFirstNewAckMs)} | ${ms(c.longestAckGapMs)} |`,
      );
  return lines.join('\n');
}

/** Draws the timelines again from failover.json (after a change to the picture, without a run). */
function render(outDir: string): number {
  const report = JSON.parse(readFileSync(path.join(outDir, 'failover.json'), 'utf8')) as { phases: PhaseReport[] };
  for (const p of report.phases) writeFileSync(path.join(outDir, `failover-${p.phase}.svg`), timelineSvg(p.timeline));
  console.log(`[failover] drew ${report.phases.map((p) => `failover-${p.phase}.svg`).join(', ')} from failover.json`);
  return 0;
}

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    process.stdout.write(
      [
        'Usage: npm run bench:failover [-- --out DIR] [--phases=graceful,frozen,killed,shutdown]',
        '  --out DIR     where failover.{json,md} and failover-<phase>.svg go (default bench/results)',
        '  --phases=...  run only these phases (always in the order above; default all four, about 90 s)',
        '  --render      no run: draw the SVGs again from DIR/failover.json',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const outIndex = process.argv.indexOf('--out');
  const outDir = path.resolve(repoRoot, outIndex >= 0 ? process.argv[outIndex + 1]! : 'bench/results');
  if (process.argv.includes('--render')) return render(outDir);
  const started = Date.now();
  const log = (m: string): void =>
    console.log(`[failover] ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s ${m}`);
  let topology: SentinelTopology | undefined;
  let stopObserving: () => void = noop;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n[failover] ${signal}: stopping the topology`);
    stopObserving();
    void (topology?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    log('starting 1 master, 2 replicas, 3 sentinels (quorum 2, down-after 1000 ms, failover-timeout 3000 ms)');
    topology = await SentinelTopology.start({
      replicas: 2,
      sentinels: 3,
      quorum: 2,
      downAfterMs: 1_000,
      failoverTimeoutMs: 3_000,
    });
    const events: SentinelEvent[] = [];
    stopObserving = await observeSentinels(topology.sentinelAddresses, events);
    const phases: PhaseReport[] = [];
    let phaseStart = Date.now();
    const only = process.argv
      .find((a) => a.startsWith('--phases='))
      ?.slice('--phases='.length)
      .split(',');
    const wanted = (['graceful', 'frozen', 'killed', 'shutdown'] as const).filter((p) => !only || only.includes(p));
    for (const [i, phase] of wanted.entries()) {
      if (i > 0) {
        // Sentinel starts no new failover of a master within 2 x failover-timeout of the last one.
        await waitSentinelsSettled(topology, 30_000);
        const wait = phaseStart + 2 * 3_000 + 2_000 - Date.now();
        if (wait > 0) await sleep(wait);
      }
      log(`phase ${phase}`);
      phaseStart = Date.now();
      phases.push(await runPhase(phase, topology, events, log));
    }
    const report = {
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        topology: '1 master, 2 replicas, 3 sentinels; quorum 2; down-after-milliseconds 1000; failover-timeout 3000',
        writes: `RPUSH of a unique id every ${WRITE_EVERY_MS} ms per client, each client to its own key, not waiting for replies`,
        clients: 'every client with its defaults (ours: holdWritesDuringFailover true, failoverTimeout 10 s)',
        wallSeconds: Math.round((Date.now() - started) / 1000),
      },
      phases,
    };
    mkdirSync(outDir, { recursive: true });
    // The timelines' count arrays on one line each, not one number per line.
    const json = JSON.stringify(report, null, 2).replace(
      /\[(\s*-?\d+(?:,\s*-?\d+)*)\s*\]/g,
      (_, list: string) => `[${list.replace(/\s+/g, '')}]`,
    );
    writeFileSync(path.join(outDir, 'failover.json'), json + '\n');
    writeFileSync(path.join(outDir, 'failover.md'), markdown(report));
    for (const p of phases) writeFileSync(path.join(outDir, `failover-${p.phase}.svg`), timelineSvg(p.timeline));
    console.log(`\n${failoverTable(phases)}\n`);
    log(
      `wrote ${path.relative(repoRoot, outDir)}/failover.{json,md} and ${phases.map((p) => `failover-${p.phase}.svg`).join(', ')}`,
    );
    return 0;
  } finally {
    stopObserving();
    if (topology)
      await withTimeout(topology.stop(), 20_000, 'stopping the topology').catch((e: Error) =>
        console.error(`[failover] ${e.message}`),
      );
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[failover] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
