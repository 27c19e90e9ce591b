// Shared types and small helpers of the benchmark (parent, workers, report).

export type ClientKind =
  | 'ours'
  | 'ours-durable'
  | 'ours-traced'
  | 'ours-traced-span'
  | 'ioredis-traced'
  | 'node-redis-traced'
  | 'ioredis'
  | 'ioredis-auto'
  | 'node-redis'
  | 'ours-cache'
  | 'node-redis-cache';
export type Mode = 'sentinel' | 'plain';

export interface ClientSpec {
  id: string;
  kind: ClientKind;
  mode: Mode;
  label: string;
  /** Runs only in these scenarios (the client-side cache columns: the hot-key scenario alone). */
  only?: readonly ScenarioId[];
  /**
   * A variant measured for its cost against this client id (durability, tracing): it gets a cost table
   * of its own, not a column of the main tables.
   */
  costOf?: string;
}

/** Every client configuration, in the order rounds start from (rotated each round). */
export const CLIENTS: readonly ClientSpec[] = [
  { id: 'ours-sentinel', kind: 'ours', mode: 'sentinel', label: 'ours' },
  // The cost of the durability option (one WAIT per flush): compared with ours, not a peer.
  {
    id: 'ours-durable-sentinel',
    kind: 'ours-durable',
    mode: 'sentinel',
    label: 'ours, durability 1 replica',
    costOf: 'ours-sentinel',
  },
  // The cost of command tracing: a diagnostics_channel subscriber on all five events (clients.ts).
  { id: 'ours-traced-sentinel', kind: 'ours-traced', mode: 'sentinel', label: 'ours traced', costOf: 'ours-sentinel' },
  { id: 'ioredis-sentinel', kind: 'ioredis', mode: 'sentinel', label: 'ioredis' },
  { id: 'ioredis-auto-sentinel', kind: 'ioredis-auto', mode: 'sentinel', label: 'ioredis auto-pipelining' },
  { id: 'node-redis-sentinel', kind: 'node-redis', mode: 'sentinel', label: 'node-redis' },
  { id: 'ours-plain', kind: 'ours', mode: 'plain', label: 'ours' },
  { id: 'ours-traced-plain', kind: 'ours-traced', mode: 'plain', label: 'ours traced', costOf: 'ours-plain' },
  // A span-shaped subscriber (start, asyncEnd, error: what the README's OpenTelemetry example listens to).
  {
    id: 'ours-traced-span-plain',
    kind: 'ours-traced-span',
    mode: 'plain',
    label: 'ours traced, span subscriber',
    costOf: 'ours-plain',
  },
  { id: 'ioredis-plain', kind: 'ioredis', mode: 'plain', label: 'ioredis' },
  // The peers' own TracingChannels (ioredis:command, node-redis:command) with the same five-event subscriber.
  {
    id: 'ioredis-traced-plain',
    kind: 'ioredis-traced',
    mode: 'plain',
    label: 'ioredis traced',
    costOf: 'ioredis-plain',
  },
  { id: 'ioredis-auto-plain', kind: 'ioredis-auto', mode: 'plain', label: 'ioredis auto-pipelining' },
  { id: 'node-redis-plain', kind: 'node-redis', mode: 'plain', label: 'node-redis' },
  {
    id: 'node-redis-traced-plain',
    kind: 'node-redis-traced',
    mode: 'plain',
    label: 'node-redis traced',
    costOf: 'node-redis-plain',
  },
  // Client-side caches (hot-key scenario only): ours over RESP2 (clientCache), node-redis's over RESP3.
  { id: 'ours-cache-sentinel', kind: 'ours-cache', mode: 'sentinel', label: 'ours, clientCache', only: ['hot-keys'] },
  {
    id: 'node-redis-cache-sentinel',
    kind: 'node-redis-cache',
    mode: 'sentinel',
    label: 'node-redis, clientSideCache (RESP3)',
    only: ['hot-keys'],
  },
];

export type ScenarioId =
  'seq-setget' | 'get-c100' | 'pipeline-100' | 'value-1kb' | 'value-100kb' | 'pubsub' | 'hot-keys';

export interface ScenarioSpec {
  id: ScenarioId;
  title: string;
  /** What one "op" is and how latency is measured, for the report. */
  note: string;
  /** Only these clients run it (and it has its own section in the report, not a column of the main tables). */
  clients?: readonly string[];
}

export const SCENARIOS: readonly ScenarioSpec[] = [
  {
    id: 'seq-setget',
    title: 'sequential SET+GET (1 in flight)',
    note: '16 B value; one command in flight; op = one command; latency per command',
  },
  {
    id: 'get-c100',
    title: '100 concurrent GET',
    note: 'closed loop of 100 workers, each awaiting its GET; op = one GET; latency per GET',
  },
  {
    id: 'pipeline-100',
    title: 'pipeline of 100 (50 SET + 50 GET)',
    note: 'one pipeline in flight; op = one command; latency per pipeline of 100',
  },
  {
    id: 'value-1kb',
    title: '1 KB SET+GET, 50 concurrent',
    note: 'closed loop of 50 workers, each SET then GET of its own key; op = one command; latency per command',
  },
  {
    id: 'value-100kb',
    title: '100 KB SET+GET, 10 concurrent',
    note: 'closed loop of 10 workers, each SET then GET of its own key; op = one command; latency per command',
  },
  {
    id: 'pubsub',
    title: 'publish/subscribe',
    note: 'one publisher (100 PUBLISH in flight), one subscriber connection; op = one message received; ops/s = N / time until the last arrives; latency = publish call to delivery',
  },
  {
    id: 'hot-keys',
    title: 'hot keys: 100 concurrent GET over 1,000 keys, 1% writes by another client',
    note: 'closed loop of 100 workers; each op is a GET of one of 1,000 keys (spread evenly) through the client under test, except every 100th, a SET of one of them by a separate raw connection (another client: its invalidations reach the caches); op = one command; latency per GET',
    clients: ['ours-sentinel', 'ours-cache-sentinel', 'node-redis-sentinel', 'node-redis-cache-sentinel'],
  },
];

/** Whether `client` runs in `scenario` (a scenario or a client may name where it runs). */
export function runsIn(client: ClientSpec, scenario: ScenarioId): boolean {
  const spec = SCENARIOS.find((s) => s.id === scenario);
  if (spec?.clients !== undefined) return spec.clients.includes(client.id);
  return client.only === undefined || client.only.includes(scenario);
}

/**
 * The order the clients run in within one round. The bases rotate by one each round, so none always goes
 * first; each cost variant (`costOf`) runs right beside its base, after it in even rounds and before it in
 * odd ones. A variant's per-round ratio then compares two runs a second apart, not a dozen runs apart:
 * this machine's speed drifts by several per cent over tens of seconds.
 */
export function roundOrder(clients: readonly ClientSpec[], round: number): ClientSpec[] {
  const ids = new Set(clients.map((c) => c.id));
  const isVariant = (c: ClientSpec): boolean => c.costOf !== undefined && ids.has(c.costOf);
  const bases = clients.filter((c) => !isVariant(c));
  return bases
    .map((_, i) => bases[(i + round) % bases.length]!)
    .flatMap((base) => {
      const variants = clients.filter((c) => isVariant(c) && c.costOf === base.id);
      const rotated = variants.map((_, i) => variants[(i + round) % variants.length]!);
      return round % 2 === 0 ? [base, ...rotated] : [...rotated, base];
    });
}

export interface Target {
  sentinels: [string, number][];
  service: string;
  /** The master, for the plain (no Sentinel) clients. */
  master: [string, number];
}

export interface WorkerConfig {
  client: ClientSpec | null; // null: the baseline (Node alone)
  scenario: ScenarioId;
  target: Target;
  warmupMs: number;
  durationMs: number;
  pubsubMessages: number;
  pubsubWarmup: number;
  keyPrefix: string;
}

export interface WorkerResult {
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
  /** Latency percentiles in ms (what one sample is depends on the scenario). */
  p50: number;
  p99: number;
  samples: number;
  /** Peak RSS of the worker process (getrusage maxRSS), in KB. */
  maxRssKb: number;
  /** Worker CPU time (user + system) spent in the measured phase, divided by ops, in microseconds. */
  cpuUsPerOp: number;
  /** Worker CPU (user + system) over its whole life, in microseconds. */
  totalCpuUs: number;
  /** Non-fatal notes (a pub/sub run that did not get every message, ...). */
  warnings: string[];
  /** Clients with a client-side cache: hits / (hits + misses) in the measured phase. */
  hitRate?: number;
  /**
   * Set by the parent (Linux): CPU cores used by processes other than this benchmark (its worker, its
   * redis-server processes and itself) while the worker ran. Other work on the machine skews a round.
   */
  otherLoadCores?: number;
  /** Set by the parent: the round (0-based) this run belongs to, for pairing a cost variant with its base. */
  round?: number;
}

/** Growable array of float samples. */
export class Samples {
  private data = new Float64Array(1 << 14);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** Percentiles (0-100) by nearest rank over the sorted samples. */
  percentiles(...ps: number[]): number[] {
    if (this.length === 0) return ps.map(() => NaN);
    const sorted = this.data.subarray(0, this.length).toSorted();
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  }
}

/** Messages per pub/sub warm-up batch (the warm-up sends batches for the warm-up time). */
export function pubsubWarmupBatch(messages: number): number {
  return Math.max(1000, Math.round(messages / 10));
}

export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).toSorted((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves `promise`, or rejects after `ms` with a message naming `what`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function formatOps(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100_000) return `${Math.round(value / 1000)}k`;
  if (value >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  return `${Math.round(value)}`;
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}
