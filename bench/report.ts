// Markdown tables and the SVG ratio chart of a benchmark run.

import {
  CLIENTS,
  SCENARIOS,
  formatMs,
  formatOps,
  formatRatio,
  median,
  pubsubWarmupBatch,
  type ClientSpec,
  type Mode,
  type ScenarioId,
  type WorkerResult,
} from './common.js';
import { medianInterval } from './stats.js';

export interface CellSummary {
  rounds: WorkerResult[];
  errors: string[];
  median: { opsPerSec: number; p50: number; p99: number; maxRssKb: number; cpuUsPerOp: number; hitRate?: number };
}

export interface BenchMeta {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  redisServer: string;
  versions: Record<string, string>;
  quick: boolean;
  rounds: number;
  warmupMs: number;
  durationMs: number;
  pubsubMessages: number;
  topology: string;
  pinning: string;
  plainTarget: string;
  rss: string;
  baselineRssKb: number;
  wallSeconds: number;
  /** CPU cores used by other processes on the machine while workers ran (Linux; null elsewhere). */
  otherLoad: {
    median: number;
    max: number;
    roundsAbove: number;
    threshold: number;
    rounds: number;
    /** Seconds spent waiting for a quiet machine before workers; null when that was off. */
    quietWaitSeconds: number | null;
    /** Workers started while the machine was still busy (the wait gave up). */
    startedBusy: number;
  } | null;
}

export interface BenchResults {
  meta: BenchMeta;
  scenarios: typeof SCENARIOS;
  clients: typeof CLIENTS;
  results: Partial<Record<ScenarioId, Record<string, CellSummary>>>;
  /** ratios[mode][scenario][peerClientId] = ours / peer (median ops/s). */
  ratios: Record<Mode, Partial<Record<ScenarioId, Record<string, number>>>>;
}

export const MODES: readonly { mode: Mode; title: string }[] = [
  { mode: 'sentinel', title: 'Through Sentinel' },
  { mode: 'plain', title: 'Plain server (no Sentinel)' },
];

export function clientsOf(mode: Mode): ClientSpec[] {
  // Clients that run in a few scenarios only (the caches) and cost variants have their own sections.
  return CLIENTS.filter((c) => c.mode === mode && c.only === undefined && c.costOf === undefined);
}

export function peersOf(mode: Mode): ClientSpec[] {
  return clientsOf(mode).filter((c) => !c.kind.startsWith('ours'));
}

function oursOf(mode: Mode): ClientSpec {
  return clientsOf(mode).find((c) => c.kind === 'ours')!;
}

export function computeRatios(results: BenchResults['results']): BenchResults['ratios'] {
  const ratios: BenchResults['ratios'] = { sentinel: {}, plain: {} };
  for (const { mode } of MODES) {
    for (const s of SCENARIOS) {
      const row = results[s.id];
      if (!row) continue;
      const ours = row[oursOf(mode).id]?.median.opsPerSec ?? NaN;
      const out: Record<string, number> = {};
      for (const peer of peersOf(mode)) out[peer.id] = ours / (row[peer.id]?.median.opsPerSec ?? NaN);
      ratios[mode][s.id] = out;
    }
  }
  return ratios;
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function cell(
  results: BenchResults['results'],
  scenario: ScenarioId,
  client: ClientSpec,
  f: (c: CellSummary) => string,
): string {
  const c = results[scenario]?.[client.id];
  if (!c) return '-';
  if (c.rounds.length === 0) return 'failed';
  return f(c) + (c.errors.length > 0 ? ` (${c.errors.length} failed)` : '');
}

function ranScenarios(results: BenchResults['results']): typeof SCENARIOS {
  // A scenario with its own list of clients has its own section (hot keys: cacheMarkdown).
  return SCENARIOS.filter((s) => results[s.id] !== undefined && s.clients === undefined);
}

/** The hot-key scenario: ours and node-redis, each with and without its client-side cache. */
export function cacheMarkdown(r: BenchResults): string | null {
  const spec = SCENARIOS.find((s) => s.id === 'hot-keys')!;
  const row = r.results['hot-keys'];
  if (row === undefined) return null;
  const clients = CLIENTS.filter((c) => spec.clients!.includes(c.id));
  const rows = clients.map((c) => [
    c.label,
    cell(r.results, 'hot-keys', c, (x) => formatOps(x.median.opsPerSec)),
    cell(r.results, 'hot-keys', c, (x) =>
      x.median.hitRate === undefined || !Number.isFinite(x.median.hitRate)
        ? '-'
        : `${(x.median.hitRate * 100).toFixed(1)}%`,
    ),
    cell(r.results, 'hot-keys', c, (x) => `${formatMs(x.median.p50)} / ${formatMs(x.median.p99)}`),
    cell(r.results, 'hot-keys', c, (x) => (x.median.maxRssKb / 1024).toFixed(0)),
    cell(r.results, 'hot-keys', c, (x) => x.median.cpuUsPerOp.toFixed(1)),
  ]);
  const ops = (id: string): number => row[id]?.median.opsPerSec ?? NaN;
  const ratios = [
    [
      'ours with clientCache / node-redis with clientSideCache',
      ops('ours-cache-sentinel') / ops('node-redis-cache-sentinel'),
    ],
    ['ours with clientCache / ours without', ops('ours-cache-sentinel') / ops('ours-sentinel')],
    ['node-redis with clientSideCache / without', ops('node-redis-cache-sentinel') / ops('node-redis-sentinel')],
    ['ours without / node-redis without', ops('ours-sentinel') / ops('node-redis-sentinel')],
  ] as const;
  return (
    `### Client-side caches, through Sentinel: ${spec.title} (median of ${r.meta.rounds} round${r.meta.rounds === 1 ? '' : 's'})\n\n` +
    table(['client', 'ops/s', 'hit rate', 'p50 / p99 ms', 'peak RSS MB', 'CPU µs/op'], rows) +
    '\n\n' +
    table(
      ['ratio (ops/s)', 'value'],
      ratios.map(([what, v]) => [what, formatRatio(v)]),
    )
  );
}

function ranAny(r: BenchResults, scenarios: typeof SCENARIOS, clients: readonly ClientSpec[]): boolean {
  return clients.some((c) => scenarios.some((s) => r.results[s.id]?.[c.id] !== undefined));
}

/**
 * The ops/s ratio of a cost variant to its base (`costOf`): the median over the rounds both ran of the
 * round's ratio. A variant runs right beside its base in each round (roundOrder), so a slow spell of
 * the machine weighs on both.
 */
export function costRatio(variant: CellSummary | undefined, base: CellSummary | undefined): number {
  return pairedMedian(variant, base, opsRatio);
}

/** A 95% interval of costRatio's median (bootstrap over the paired rounds); NaN, NaN below 3 rounds. */
export function costRatioInterval(variant: CellSummary | undefined, base: CellSummary | undefined): [number, number] {
  if (variant === undefined || base === undefined) return [NaN, NaN];
  return medianInterval(pairedRatios(variant, base, opsRatio));
}

const opsRatio = (v: Measured, b: Measured): number => v.opsPerSec / b.opsPerSec;

/** The median of the per-round ratios of CPU time per op, variant / base (above 1: the variant costs more CPU). */
export function cpuCostRatio(variant: CellSummary | undefined, base: CellSummary | undefined): number {
  return pairedMedian(variant, base, (v, b) => v.cpuUsPerOp / b.cpuUsPerOp);
}

type Measured = Pick<WorkerResult, 'opsPerSec' | 'cpuUsPerOp'>;

function pairedMedian(
  variant: CellSummary | undefined,
  base: CellSummary | undefined,
  ratio: (v: Measured, b: Measured) => number,
): number {
  if (variant === undefined || base === undefined) return NaN;
  const ratios = pairedRatios(variant, base, ratio);
  return ratios.length > 0 ? median(ratios) : ratio(variant.median, base.median);
}

/** The ratio of each round the variant and its base both ran. */
function pairedRatios(variant: CellSummary, base: CellSummary, ratio: (v: Measured, b: Measured) => number): number[] {
  const ratios: number[] = [];
  for (const v of variant.rounds) {
    const b = base.rounds.find((x) => x.round !== undefined && x.round === v.round);
    if (b !== undefined) ratios.push(ratio(v, b));
  }
  return ratios;
}

function costTable(r: BenchResults, scenarios: typeof SCENARIOS, variants: readonly ClientSpec[]): string {
  const ran = variants.filter((v) => scenarios.some((s) => r.results[s.id]?.[v.id] !== undefined));
  const label = (id: string): string => CLIENTS.find((c) => c.id === id)?.label ?? id;
  const header = ['scenario', ...ran.map((v) => `${v.mode}: ${v.label} / ${label(v.costOf!)}`)];
  const rows = scenarios.map((s) => [
    s.title,
    ...ran.map((v) => {
      const variant = r.results[s.id]?.[v.id];
      const base = r.results[s.id]?.[v.costOf!];
      const ratio = costRatio(variant, base);
      const a = variant?.median.opsPerSec ?? NaN;
      const b = base?.median.opsPerSec ?? NaN;
      const cpu = cpuCostRatio(variant, base);
      const cpuText = Number.isFinite(cpu)
        ? `, CPU/op ${cpu >= 1 ? '+' : '−'}${Math.abs(Math.round((cpu - 1) * 100))}%`
        : '';
      const [low, high] = costRatioInterval(variant, base);
      const interval = Number.isFinite(low) ? ` [${low.toFixed(2)}–${high.toFixed(2)}]` : '';
      return Number.isFinite(ratio)
        ? `${formatRatio(ratio)}${interval} (${formatOps(a)} / ${formatOps(b)}${cpuText})`
        : 'n/a';
    }),
  ]);
  return table(header, rows);
}

/** The ops/s tables (one per mode) and the ratio table: what `npm run bench` prints at the end. */
export function throughputMarkdown(r: BenchResults): string {
  const parts: string[] = [];
  const scenarios = ranScenarios(r.results);
  for (const { mode, title } of MODES) {
    const clients = clientsOf(mode);
    parts.push(
      `### ${title}: ops/s (median of ${r.meta.rounds} round${r.meta.rounds === 1 ? '' : 's'})\n\n` +
        table(
          ['scenario', ...clients.map((c) => c.label)],
          scenarios.map((s) => [
            s.title,
            ...clients.map((c) => cell(r.results, s.id, c, (x) => formatOps(x.median.opsPerSec))),
          ]),
        ),
    );
  }
  const header = ['scenario'];
  for (const { mode } of MODES) for (const p of peersOf(mode)) header.push(`${mode}: / ${p.label}`);
  const rows = scenarios.map((s) => {
    const row = [s.title];
    for (const { mode } of MODES)
      for (const p of peersOf(mode)) row.push(formatRatio(r.ratios[mode][s.id]?.[p.id] ?? NaN));
    return row;
  });
  parts.push(`### Ratios: this library / peer (ops/s; above 1.00x this library is faster)\n\n${table(header, rows)}`);
  const caches = cacheMarkdown(r);
  if (caches !== null) parts.push(caches);
  const durable = CLIENTS.filter((c) => c.kind === 'ours-durable');
  if (ranAny(r, scenarios, durable)) {
    parts.push(
      `### Cost of \`durability: { replicas: 1 }\` (one WAIT per flush; through Sentinel)\n\n` +
        `Each cell: the median of the per-round ratios of ops/s, in brackets a 95% interval of that median, then the ` +
        `median per-round change in the client's CPU time per op.\n\n` +
        costTable(r, scenarios, durable),
    );
  }
  const traced = CLIENTS.filter((c) => c.costOf !== undefined && c.kind !== 'ours-durable');
  if (ranAny(r, scenarios, traced)) {
    parts.push(
      `### Cost of command tracing (variant / base, ops/s)\n\n` +
        `"traced": a diagnostics_channel subscriber on all five events of the library's command TracingChannel ` +
        `(ours: \`nestjs-redis-sentinel:command\`; ioredis 5.11+: \`ioredis:command\`; node-redis 5.12+: ` +
        `\`node-redis:command\`), each handler doing trivial work. "span subscriber": start, asyncEnd and error only, ` +
        `what a span needs (the README's OpenTelemetry example). Each cell is the median of the per-round ratios of ` +
        `ops/s (a variant runs right beside its base in each round), in brackets a 95% interval of that median ` +
        `(bootstrap over the rounds), then the median per-round change in the client's CPU time per op.\n\n` +
        costTable(r, scenarios, traced),
    );
  }
  return parts.join('\n\n');
}

export function resultsMarkdown(r: BenchResults): string {
  const m = r.meta;
  const scenarios = ranScenarios(r.results);
  const out: string[] = [];
  out.push('# Benchmark: nestjs-redis-sentinel vs ioredis vs node-redis');
  out.push(
    [
      `- date: ${m.date}; wall time ${m.wallSeconds.toFixed(0)} s${m.quick ? ' (**--quick**: indicative only)' : ''}`,
      `- machine: ${m.cpus} x ${m.cpuModel}; ${m.platform}; Node ${m.node}; ${m.redisServer}`,
      `- versions: ${Object.entries(m.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `- topology: ${m.topology}; plain clients: ${m.plainTarget}`,
      `- CPU pinning: ${m.pinning}`,
      `- each cell: ${m.rounds} round(s), clients interleaved (round-robin per scenario, order rotated each round); a round = a fresh worker process, connect, ${m.warmupMs} ms warm-up, ${m.durationMs} ms measured (pub/sub: batches of ${pubsubWarmupBatch(m.pubsubMessages)} messages for the warm-up time, then ${m.pubsubMessages} messages measured); the median round is reported (cost tables: the median of the per-round ratios, each a variant measured right beside its base, alternately after and before it)`,
      `- other load on the machine while workers ran (user+system+steal CPU of the machine minus that of the benchmark's worker, redis-servers and parent, from /proc; interrupt time excluded): ${
        m.otherLoad === null
          ? 'not measured'
          : `median ${m.otherLoad.median.toFixed(2)} cores, max ${m.otherLoad.max.toFixed(2)}; ${m.otherLoad.roundsAbove} of ${m.otherLoad.rounds} worker runs above ${m.otherLoad.threshold} cores (those rounds are less trustworthy; the median over rounds and interleaving damp it); ${
              m.otherLoad.quietWaitSeconds === null
                ? 'no waiting for a quiet machine (--no-quiet-wait)'
                : `${m.otherLoad.quietWaitSeconds.toFixed(1)} s spent waiting for a quiet machine, ${m.otherLoad.startedBusy} workers started while it was still busy`
            }`
      }`,
      `- every client with its defaults (ours: minsize 1 / maxsize 10; ioredis: one connection; node-redis: one connection, masterPoolSize 1), only enableAutoPipelining toggled`,
    ].join('\n'),
  );
  out.push('## Throughput\n\n' + throughputMarkdown(r));
  out.push(
    '## Latency (ms, p50 / p99, median over rounds)\n\n' +
      MODES.map(({ mode, title }) => {
        const clients = clientsOf(mode);
        return (
          `### ${title}\n\n` +
          table(
            ['scenario', ...clients.map((c) => c.label)],
            scenarios.map((s) => [
              s.title,
              ...clients.map((c) =>
                cell(r.results, s.id, c, (x) => `${formatMs(x.median.p50)} / ${formatMs(x.median.p99)}`),
              ),
            ]),
          )
        );
      }).join('\n\n'),
  );
  out.push(
    `## Peak RSS (MB) and client CPU (µs per op)\n\n${m.rss} Baseline (a worker that loads no client): ${(m.baselineRssKb / 1024).toFixed(1)} MB. CPU is the worker's user+system time in the measured phase divided by ops.\n\n` +
      MODES.map(({ mode, title }) => {
        const clients = clientsOf(mode);
        return (
          `### ${title}\n\n` +
          table(
            ['scenario', ...clients.map((c) => `${c.label} RSS`), ...clients.map((c) => `${c.label} CPU`)],
            scenarios.map((s) => [
              s.title,
              ...clients.map((c) => cell(r.results, s.id, c, (x) => (x.median.maxRssKb / 1024).toFixed(0))),
              ...clients.map((c) => cell(r.results, s.id, c, (x) => x.median.cpuUsPerOp.toFixed(1))),
            ]),
          )
        );
      }).join('\n\n'),
  );
  out.push(
    '## Round-to-round spread (slowest / fastest round, ops/s)\n\nHow far apart the rounds of a cell were; a wide spread means the machine was busy during some of them.\n\n' +
      MODES.map(({ mode, title }) => {
        const clients = clientsOf(mode);
        return (
          `### ${title}\n\n` +
          table(
            ['scenario', ...clients.map((c) => c.label)],
            scenarios.map((s) => [
              s.title,
              ...clients.map((c) =>
                cell(r.results, s.id, c, (x) => {
                  const ops = x.rounds.map((round) => round.opsPerSec);
                  return `${formatOps(Math.min(...ops))} / ${formatOps(Math.max(...ops))}`;
                }),
              ),
            ]),
          )
        );
      }).join('\n\n'),
  );
  const all = SCENARIOS.filter((s) => r.results[s.id] !== undefined);
  out.push('## Scenarios\n\n' + all.map((s) => `- **${s.title}** (\`${s.id}\`): ${s.note}`).join('\n'));
  const problems: string[] = [];
  for (const s of all) {
    for (const c of CLIENTS) {
      const x = r.results[s.id]?.[c.id];
      if (!x) continue;
      for (const e of x.errors) problems.push(`- ${s.id} / ${c.id}: ${e}`);
      for (const round of x.rounds) for (const w of round.warnings) problems.push(`- ${s.id} / ${c.id}: ${w}`);
    }
  }
  if (problems.length > 0) out.push('## Problems\n\n' + problems.join('\n'));
  out.push('![ratios](ratios.svg)');
  return out.join('\n\n') + '\n';
}

const PEER_COLORS: Record<string, string> = {
  ioredis: '#4477aa',
  'ioredis-auto': '#66ccee',
  'node-redis': '#cc6677',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Horizontal bars of ours / peer on a log2 axis, one panel per mode, with the 1.0x line. */
export function ratiosSvg(r: BenchResults): string {
  const scenarios = ranScenarios(r.results);
  const peers = peersOf('sentinel');
  const values: number[] = [];
  for (const { mode } of MODES)
    for (const s of scenarios) for (const p of peersOf(mode)) values.push(r.ratios[mode][s.id]?.[p.id] ?? NaN);
  const logs = values.filter((v) => Number.isFinite(v) && v > 0).map((v) => Math.log2(v));
  // Powers of two around the data, always showing 0.5x..2x, at most 1/32x..32x (beyond: clipped).
  const lo = Math.max(-5, Math.min(-1, Math.floor(Math.min(...logs, 0) - 0.15)));
  const hi = Math.min(5, Math.max(1, Math.ceil(Math.max(...logs, 0) + 0.15)));
  const labelW = 240;
  const plotW = 600;
  const width = labelW + plotW + 40;
  const barH = 13;
  const barGap = 3;
  const groupGap = 12;
  const panelHead = 28;
  const groupH = peers.length * (barH + barGap) - barGap;
  const panelH = panelHead + scenarios.length * (groupH + groupGap) + 24;
  const top = 70;
  const height = top + MODES.length * panelH + 20;
  const x = (v: number): number => {
    const l = Math.max(lo, Math.min(hi, Math.log2(v)));
    return labelW + ((l - lo) / (hi - lo)) * plotW;
  };
  const x1 = x(1);
  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  o.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  o.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">nestjs-redis-sentinel ops/s divided by each peer's (log scale; right of 1.0x = this library faster)</text>`,
  );
  o.push(
    `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">median of ${r.meta.rounds} round(s)${r.meta.quick ? ', --quick run' : ''}; ${esc(r.meta.date)}</text>`,
  );
  // Legend.
  let lx = labelW;
  for (const p of peers) {
    const key = p.kind;
    o.push(`<rect x="${lx}" y="50" width="12" height="12" fill="${PEER_COLORS[key]}"/>`);
    o.push(`<text x="${lx + 16}" y="60">vs ${esc(p.label)}</text>`);
    lx += 30 + p.label.length * 7 + 20;
  }
  MODES.forEach(({ mode, title }, mi) => {
    const y0 = top + mi * panelH;
    const plotTop = y0 + panelHead;
    const plotBottom = y0 + panelH - 24;
    o.push(`<text x="10" y="${y0 + 18}" font-size="14" font-weight="bold">${esc(title)}</text>`);
    // Grid and ticks at powers of two.
    for (let e = lo; e <= hi; e++) {
      const gx = x(2 ** e);
      const label = e === 0 ? '1.0x' : `${2 ** e}x`;
      o.push(
        `<line x1="${gx}" y1="${plotTop - 4}" x2="${gx}" y2="${plotBottom}" stroke="${e === 0 ? '#000' : '#ddd'}" stroke-width="${e === 0 ? 1.5 : 1}"${e === 0 ? '' : ' stroke-dasharray="3,3"'}/>`,
      );
      o.push(`<text x="${gx}" y="${plotBottom + 14}" text-anchor="middle" fill="#333">${label}</text>`);
    }
    scenarios.forEach((s, si) => {
      const gy = plotTop + si * (groupH + groupGap);
      o.push(`<text x="${labelW - 8}" y="${gy + groupH / 2 + 4}" text-anchor="end">${esc(s.title)}</text>`);
      peersOf(mode).forEach((p, pi) => {
        const v = r.ratios[mode][s.id]?.[p.id] ?? NaN;
        const by = gy + pi * (barH + barGap);
        if (!Number.isFinite(v) || v <= 0) {
          o.push(`<text x="${x1 + 4}" y="${by + barH - 2}" fill="#999">n/a</text>`);
          return;
        }
        const xv = x(v);
        const left = Math.min(x1, xv);
        const w = Math.max(1, Math.abs(xv - x1));
        o.push(
          `<rect x="${left.toFixed(1)}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${PEER_COLORS[p.kind]}"><title>${esc(`${s.title}: ours / ${p.label} (${mode}) = ${formatRatio(v)}`)}</title></rect>`,
        );
        const clipped = Math.log2(v) < lo || Math.log2(v) > hi;
        const tx = v >= 1 ? xv + 4 : xv - 4;
        o.push(
          `<text x="${tx.toFixed(1)}" y="${by + barH - 2}" text-anchor="${v >= 1 ? 'start' : 'end'}" font-size="11">${formatRatio(v)}${clipped ? ' (clipped)' : ''}</text>`,
        );
      });
    });
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}
