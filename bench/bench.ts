// `npm run bench [-- --quick] [-- --help]`: this library, ioredis (with and without auto-pipelining)
// and node-redis side by side, through Sentinel and against a plain server, on one local topology.
// Every measurement runs in a worker process of its own (see worker.ts). Writes bench/results/.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SentinelTopology } from '../src/testing/index.js';
import {
  CLIENTS,
  SCENARIOS,
  median,
  pubsubWarmupBatch,
  roundOrder,
  runsIn,
  withTimeout,
  type ClientSpec,
  type ScenarioId,
  type Target,
  type WorkerConfig,
  type WorkerResult,
} from './common.js';
import {
  computeRatios,
  resultsMarkdown,
  ratiosSvg,
  throughputMarkdown,
  type BenchResults,
  type CellSummary,
} from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const workerPath = path.join(here, 'worker.js');

const HELP = `Usage: npm run bench -- [options]

  --quick              ~30 s run: 1 round, short phases (indicative only)
  --rounds N           rounds per scenario and client (default 7; quick 1)
  --duration MS        measured time per round (default 600; quick 250)
  --warmup MS          warm-up per round (default 200; quick 100)
  --messages N         pub/sub messages per round (default 100000; quick 20000); the warm-up
                       sends batches of a tenth of them for the warm-up time
  --scenarios a,b      subset of: ${SCENARIOS.map((s) => s.id).join(', ')}
  --clients a,b        subset of: ${CLIENTS.map((c) => c.id).join(', ')}
  --out DIR            output folder (default bench/results)
  --cpu-prof           run workers with --cpu-prof (profiles in <out>/profiles)
  --no-quiet-wait      start workers at once even when the machine is busy (default: when
                       the last worker saw other load, wait up to 2 s for it to drop below
                       0.4 cores; at most 40 s per run, 5 s with --quick)
  --no-pin             do not pin CPUs (default on Linux with taskset and 2+ CPUs: the
                       redis-servers on CPU 0; workers on CPU 1, except the sequential
                       scenario, whose worker shares CPU 0 with the server)
  --help
`;

interface Options {
  quick: boolean;
  rounds: number;
  durationMs: number;
  warmupMs: number;
  messages: number;
  scenarios: ScenarioId[];
  clients: ClientSpec[];
  out: string;
  cpuProf: boolean;
  pin: boolean;
  quietWait: boolean;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  const int = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
    return n;
  };
  const known = new Set([
    '--quick',
    '--rounds',
    '--duration',
    '--warmup',
    '--messages',
    '--scenarios',
    '--clients',
    '--out',
    '--cpu-prof',
    '--no-pin',
    '--no-quiet-wait',
    '--help',
  ]);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new Error(`Unknown option ${a}\n\n${HELP}`);
  const list = <T>(name: string, all: readonly T[], id: (t: T) => string): T[] => {
    const v = value(name);
    if (v === undefined) return [...all];
    return v.split(',').map((x) => {
      const found = all.find((t) => id(t) === x.trim());
      if (found === undefined) throw new Error(`${name}: unknown ${x}; known: ${all.map(id).join(', ')}`);
      return found;
    });
  };
  return {
    quick,
    rounds: int('--rounds', quick ? 1 : 7),
    durationMs: int('--duration', quick ? 250 : 600),
    warmupMs: int('--warmup', quick ? 100 : 200),
    messages: int('--messages', quick ? 20_000 : 100_000),
    scenarios: list('--scenarios', SCENARIOS, (s) => s.id).map((s) => s.id),
    clients: list('--clients', CLIENTS, (c) => c.id),
    out: path.resolve(repoRoot, value('--out') ?? 'bench/results'),
    cpuProf: argv.includes('--cpu-prof'),
    quietWait: !argv.includes('--no-quiet-wait'),
    pin: !argv.includes('--no-pin') && os.platform() === 'linux' && os.cpus().length >= 2 && hasTaskset(),
  };
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The CPU a worker runs on when pinning: the sequential scenario shares the server's CPU 0, since a
 * wake-up across CPUs (about 100 us on small VMs) would otherwise dominate its round trip and, left to
 * the scheduler, flip it between two speeds from one run to the next; the others get CPU 1 to themselves.
 */
function workerCpu(scenario: ScenarioId): number {
  return scenario === 'seq-setget' ? 0 : 1;
}

/** Clock ticks per second of /proc (USER_HZ; 100 on every mainstream Linux build). */
const USER_HZ = 100;

/** Busy CPU time of the whole machine from /proc/stat, in seconds; null off Linux. */
function machineBusySeconds(): number | null {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal. Interrupt time is left out: the loopback traffic of
    // the benchmark itself lands there (not in any process's time), so it would read as other load.
    return (v[0]! + v[1]! + v[2]! + (v[7] ?? 0)) / USER_HZ;
  } catch {
    return null;
  }
}

/** utime + stime of a process, in seconds (0 once it is gone). */
function processSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return 0;
  }
}

/** Measures the CPU that processes other than ours used between start() and stop(), in cores. */
class OtherLoad {
  private machine: number | null = null;
  private ours = 0;
  private self = 0;
  private wall = 0;

  constructor(private readonly pids: () => number[]) {}

  start(): void {
    this.machine = machineBusySeconds();
    this.ours = this.pids().reduce((n, pid) => n + processSeconds(pid), 0);
    const u = process.cpuUsage();
    this.self = (u.user + u.system) / 1e6;
    this.wall = performance.now();
  }

  /** `workerCpuUs`: the worker's own CPU, which it reports since it is gone by now. */
  stop(workerCpuUs: number): number | undefined {
    const machine = machineBusySeconds();
    if (machine === null || this.machine === null) return undefined;
    const ours = this.pids().reduce((n, pid) => n + processSeconds(pid), 0) - this.ours;
    const u = process.cpuUsage();
    const self = (u.user + u.system) / 1e6 - this.self;
    const wall = (performance.now() - this.wall) / 1000;
    const other = machine - this.machine - ours - self - workerCpuUs / 1e6;
    return Math.max(0, other / wall);
  }
}

/** Workers currently running, so an interrupt can end them. */
const children = new Set<ChildProcess>();

/**
 * Waiting for a quiet machine before a worker starts (when the previous one saw other load): at most
 * `maxPerWorkerMs` each time and `budgetMs` in all, so a busy machine slows the run only so much.
 */
const quiet = {
  threshold: 0.4,
  sampleMs: 150,
  maxPerWorkerMs: 2_000,
  budgetMs: 40_000,
  waitedMs: 0,
  gaveUp: 0,
  lastLoad: 0,
};

async function waitForQuiet(load: OtherLoad): Promise<void> {
  if (quiet.lastLoad < quiet.threshold || quiet.waitedMs >= quiet.budgetMs) return;
  const start = performance.now();
  for (;;) {
    load.start();
    await sleep(quiet.sampleMs);
    const other = load.stop(0);
    const waited = performance.now() - start;
    if (other === undefined || other < quiet.threshold) break;
    if (waited >= quiet.maxPerWorkerMs || quiet.waitedMs + waited >= quiet.budgetMs) {
      quiet.gaveUp++;
      break;
    }
  }
  quiet.waitedMs += performance.now() - start;
}

async function runWorker(
  config: WorkerConfig,
  options: Options,
  timeoutMs: number,
  load: OtherLoad,
): Promise<WorkerResult> {
  if (options.quietWait) await waitForQuiet(load);
  load.start();
  const result = await spawnWorker(config, options, timeoutMs);
  result.otherLoadCores = load.stop(result.totalCpuUs);
  quiet.lastLoad = result.otherLoadCores ?? 0;
  return result;
}

function spawnWorker(config: WorkerConfig, options: Options, timeoutMs: number): Promise<WorkerResult> {
  const nodeArgs = options.cpuProf
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${path.join(options.out, 'profiles')}`,
        `--cpu-prof-name=${config.client?.id ?? 'baseline'}-${config.scenario}-${Date.now()}.cpuprofile`,
      ]
    : [];
  return new Promise((resolve, reject) => {
    const args = [...nodeArgs, workerPath, JSON.stringify(config)];
    const child = options.pin
      ? spawn('taskset', ['-c', String(workerCpu(config.scenario)), process.execPath, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: repoRoot,
        })
      : spawn(process.execPath, args, {
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: repoRoot,
        });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) {
        resolve(JSON.parse(line.slice('RESULT '.length)) as WorkerResult);
        return;
      }
      const why = signal === 'SIGKILL' ? `killed after ${timeoutMs} ms` : `exit ${code ?? signal}`;
      const lines = stderr.trim().split('\n');
      const first = lines.findIndex((l) => /worker failed|Error/.test(l));
      const tail = (first >= 0 ? lines.slice(first, first + 3) : lines.slice(-3)).join(' | ');
      reject(new Error(`${why}${tail ? `: ${tail}` : ''}`));
    });
  });
}

function versionOf(pkg: string): string {
  try {
    const file = path.join(repoRoot, pkg === '.' ? 'package.json' : `node_modules/${pkg}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function redisServerVersion(): string {
  try {
    const text = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
    return `redis-server ${/v=(\S+)/.exec(text)?.[1] ?? text.trim()}`;
  } catch {
    return 'redis-server (version unknown)';
  }
}

function summarize(rounds: WorkerResult[], errors: string[]): CellSummary {
  return {
    rounds,
    errors,
    median: {
      opsPerSec: median(rounds.map((r) => r.opsPerSec)),
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      maxRssKb: median(rounds.map((r) => r.maxRssKb)),
      cpuUsPerOp: median(rounds.map((r) => r.cpuUsPerOp)),
      ...(rounds.some((r) => r.hitRate !== undefined) ? { hitRate: median(rounds.map((r) => r.hitRate ?? NaN)) } : {}),
    },
  };
}

async function main(): Promise<number> {
  let options: Options;
  try {
    if (process.argv.includes('--help')) {
      process.stdout.write(HELP);
      return 0;
    }
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const started = Date.now();
  if (options.quick) quiet.budgetMs = 5_000;
  let topology: SentinelTopology | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n[bench] ${signal}: stopping workers and the topology`);
    for (const c of children) c.kill('SIGKILL');
    void (topology?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    console.log('[bench] starting 1 master, 1 replica, 1 sentinel');
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, quorum: 1 });
    const target: Target = {
      sentinels: topology.sentinelAddresses,
      service: topology.service,
      master: topology.master.address,
    };
    const topo = topology;
    if (options.pin) {
      // Only the processes this run started.
      for (const p of [...topo.servers, ...topo.sentinelServers])
        execFileSync('taskset', ['-a', '-pc', '0', String(p.pid)], { stdio: 'ignore' });
    }
    const load = new OtherLoad(() => [...topo.servers, ...topo.sentinelServers].map((p) => p.pid));
    const timeoutMs = 30_000 + options.warmupMs + options.durationMs * 2 + 40_000;
    const base: Omit<WorkerConfig, 'client' | 'scenario' | 'keyPrefix'> = {
      target,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      pubsubMessages: options.messages,
      pubsubWarmup: pubsubWarmupBatch(options.messages),
    };
    const baseline = await runWorker(
      { ...base, client: null, scenario: 'seq-setget', keyPrefix: '' },
      options,
      timeoutMs,
      load,
    );
    const results: BenchResults['results'] = {};
    const total = options.scenarios.reduce(
      (n, s) => n + options.rounds * options.clients.filter((c) => runsIn(c, s)).length,
      0,
    );
    let done = 0;
    for (const scenario of options.scenarios) {
      const rounds = new Map<string, WorkerResult[]>();
      const errors = new Map<string, string[]>();
      const eligible = options.clients.filter((c) => runsIn(c, scenario));
      for (let round = 0; round < options.rounds; round++) {
        const order = roundOrder(eligible, round);
        for (const client of order) {
          if (interrupted) return 130;
          done++;
          const label = `[bench] ${String(done).padStart(3)}/${total} ${scenario} round ${round + 1} ${client.id}`;
          try {
            const r = await runWorker(
              // The same key length for every client (an id in the key made longer ids pay more bytes).
              { ...base, client, scenario, keyPrefix: `bench:${String(CLIENTS.indexOf(client)).padStart(2, '0')}:` },
              options,
              timeoutMs,
              load,
            );
            r.round = round;
            (rounds.get(client.id) ?? rounds.set(client.id, []).get(client.id)!).push(r);
            console.log(
              `${label}: ${Math.round(r.opsPerSec)} ops/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms` +
                (r.otherLoadCores !== undefined ? `, other load ${r.otherLoadCores.toFixed(2)} cores` : ''),
            );
          } catch (error) {
            if (interrupted) return 130;
            const message = (error as Error).message;
            (errors.get(client.id) ?? errors.set(client.id, []).get(client.id)!).push(message);
            console.log(`${label}: FAILED ${message}`);
          }
        }
      }
      const row: Record<string, CellSummary> = {};
      for (const client of eligible)
        row[client.id] = summarize(rounds.get(client.id) ?? [], errors.get(client.id) ?? []);
      results[scenario] = row;
    }
    const loads = Object.values(results)
      .flatMap((row) => Object.values(row))
      .flatMap((cell) => cell.rounds.map((r) => r.otherLoadCores))
      .filter((x): x is number => x !== undefined);
    const threshold = 0.25;
    const bench: BenchResults = {
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
        redisServer: redisServerVersion(),
        versions: {
          'nestjs-redis-sentinel': versionOf('.'),
          ioredis: versionOf('ioredis'),
          redis: versionOf('redis'),
        },
        quick: options.quick,
        rounds: options.rounds,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        pubsubMessages: options.messages,
        topology: '1 master, 1 replica, 1 sentinel (quorum 1), local redis-server processes',
        pinning: options.pin
          ? 'taskset: redis-servers on CPU 0; workers on CPU 1, except sequential SET+GET whose worker shares CPU 0 with the server (a cross-CPU wake-up per round trip would dominate it)'
          : 'none (scheduler decides)',
        plainTarget: 'the same master, addressed directly',
        rss: 'Peak RSS is the worker process maxRSS (getrusage) over its whole life: Node itself, the one client library it loads, connect, warm-up and the measured phase.',
        baselineRssKb: baseline.maxRssKb,
        wallSeconds: (Date.now() - started) / 1000,
        otherLoad:
          loads.length === 0
            ? null
            : {
                median: median(loads),
                max: Math.max(...loads),
                roundsAbove: loads.filter((x) => x > threshold).length,
                threshold,
                rounds: loads.length,
                quietWaitSeconds: options.quietWait ? quiet.waitedMs / 1000 : null,
                startedBusy: quiet.gaveUp,
              },
      },
      scenarios: SCENARIOS,
      clients: CLIENTS,
      results,
      ratios: computeRatios(results),
    };
    mkdirSync(options.out, { recursive: true });
    writeFileSync(path.join(options.out, 'results.json'), JSON.stringify(bench, null, 2) + '\n');
    writeFileSync(path.join(options.out, 'results.md'), resultsMarkdown(bench));
    writeFileSync(path.join(options.out, 'ratios.svg'), ratiosSvg(bench));
    console.log(`\n${throughputMarkdown(bench)}\n`);
    console.log(
      `[bench] wrote ${path.relative(repoRoot, options.out)}/results.{json,md} and ratios.svg in ${bench.meta.wallSeconds.toFixed(0)} s`,
    );
    return 0;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    if (topology)
      await withTimeout(topology.stop(), 20_000, 'stopping the topology').catch((e: Error) =>
        console.error(`[bench] ${e.message}`),
      );
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
