// One measurement in a process of its own: `node dist/bench/worker.js '<WorkerConfig JSON>'`.
// Loads one client library, warms up, runs one scenario for a fixed time (or N messages), and prints
// `RESULT <json>` on stdout. Its peak RSS (getrusage maxRSS) is therefore about that client alone.

import { createBenchClient, type BenchClient, type PipelineOp } from './clients.js';
import { hotKeys } from './hot-keys.js';
import { Samples, withTimeout, type ScenarioId, type WorkerConfig, type WorkerResult } from './common.js';

const now = (): number => performance.now();

interface Run {
  ops: number;
  elapsedMs: number;
  samples: Samples;
  warnings: string[];
}

/**
 * `concurrency` workers each run `step` back to back until `durationMs` has passed; `step` records its
 * own latency samples and returns how many ops it did. Elapsed time runs until the last one finishes.
 */
async function closedLoop(
  concurrency: number,
  durationMs: number,
  step: (worker: number, samples: Samples) => Promise<number>,
): Promise<Run> {
  const samples = new Samples();
  let ops = 0;
  const start = now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (now() < end) {
        // Not `ops += await ...`: that reads `ops` before the await and loses the other workers' counts.
        const n = await step(w, samples);
        ops += n;
      }
    }),
  );
  return { ops, elapsedMs: now() - start, samples, warnings: [] };
}

function scenarioStep(
  scenario: Exclude<ScenarioId, 'pubsub' | 'hot-keys'>,
  client: BenchClient,
  prefix: string,
): { concurrency: number; step: (worker: number, samples: Samples) => Promise<number>; setup?: () => Promise<void> } {
  switch (scenario) {
    case 'seq-setget': {
      const key = `${prefix}seq`;
      const value = 'v'.repeat(16);
      return {
        concurrency: 1,
        async step(_w, s) {
          const t0 = now();
          await client.set(key, value);
          const t1 = now();
          await client.get(key);
          s.push(t1 - t0);
          s.push(now() - t1);
          return 2;
        },
      };
    }
    case 'get-c100': {
      const key = `${prefix}small`;
      return {
        concurrency: 100,
        setup: async () => void (await client.set(key, 'v'.repeat(16))),
        async step(_w, s) {
          const t0 = now();
          await client.get(key);
          s.push(now() - t0);
          return 1;
        },
      };
    }
    case 'pipeline-100': {
      const value = 'v'.repeat(16);
      const ops: PipelineOp[] = [];
      for (let i = 0; i < 50; i++) {
        const key = `${prefix}pipe:${i}`;
        ops.push({ kind: 'set', key, value }, { kind: 'get', key, value });
      }
      return {
        concurrency: 1,
        async step(_w, s) {
          const t0 = now();
          await client.pipeline(ops);
          s.push(now() - t0);
          return ops.length;
        },
      };
    }
    case 'value-1kb':
    case 'value-100kb': {
      const big = scenario === 'value-100kb';
      const value = 'x'.repeat(big ? 100 * 1024 : 1024);
      const concurrency = big ? 10 : 50;
      const keys = Array.from({ length: concurrency }, (_, i) => `${prefix}${scenario}:${i}`);
      return {
        concurrency,
        async step(w, s) {
          const key = keys[w]!;
          const t0 = now();
          await client.set(key, value);
          const t1 = now();
          const reply = await client.get(key);
          s.push(t1 - t0);
          s.push(now() - t1);
          if (typeof reply !== 'string' || reply.length !== value.length) throw new Error('GET returned a wrong value');
          return 2;
        },
      };
    }
  }
}

/** One publisher keeping `window` PUBLISHes in flight; the subscriber's time until the last message arrives. */
async function pubsub(
  client: BenchClient,
  config: WorkerConfig,
): Promise<{ warm: () => Promise<void>; run: () => Promise<Run> }> {
  const channel = `${config.keyPrefix}chan`;
  const window = 100;
  let phase = { expected: 0, received: 0, samples: new Samples(), done: (): void => undefined };
  await client.subscribe(channel, (message) => {
    const p = phase;
    p.samples.push(now() - Number(message));
    if (++p.received === p.expected) p.done();
  });
  const send = async (n: number): Promise<Run> => {
    const all = new Promise<void>((resolve) => {
      phase = { expected: n, received: 0, samples: new Samples(), done: resolve };
    });
    const p = phase;
    let sent = 0;
    const start = now();
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (sent < n) {
          sent++;
          await client.publish(channel, String(now()));
        }
      }),
    );
    const warnings: string[] = [];
    try {
      await withTimeout(all, 30_000, 'pub/sub delivery');
    } catch {
      warnings.push(`only ${p.received} of ${n} messages arrived within 30 s`);
    }
    return { ops: p.received, elapsedMs: now() - start, samples: p.samples, warnings };
  };
  return {
    // As long as the other scenarios' warm-up: a short one would measure the JIT, not the client.
    warm: async () => {
      const until = now() + config.warmupMs;
      do await send(config.pubsubWarmup);
      while (now() < until);
    },
    run: () => send(config.pubsubMessages),
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as WorkerConfig;
  if (config.client === null) {
    // Baseline: Node alone, for reading the clients' peak RSS.
    emit({
      ops: 0,
      elapsedMs: 0,
      opsPerSec: 0,
      p50: NaN,
      p99: NaN,
      samples: 0,
      maxRssKb: process.resourceUsage().maxRSS,
      cpuUsPerOp: NaN,
      totalCpuUs: totalCpu(),
      warnings: [],
    });
    return;
  }
  const client = await withTimeout(createBenchClient(config.client, config.target), 15_000, 'connecting');
  let run: Run;
  let cpu: NodeJS.CpuUsage;
  let hitRate: number | undefined;
  if (config.scenario === 'pubsub') {
    const ps = await pubsub(client, config);
    await ps.warm();
    cpu = process.cpuUsage();
    run = await ps.run();
  } else if (config.scenario === 'hot-keys') {
    const hot = await hotKeys(client, config.target, config.keyPrefix);
    await closedLoop(hot.concurrency, config.warmupMs, hot.step);
    const before = client.cacheStats?.();
    cpu = process.cpuUsage();
    run = await closedLoop(hot.concurrency, config.durationMs, hot.step);
    const after = client.cacheStats?.();
    hot.close();
    if (before !== undefined && after !== undefined) {
      const hits = after.hits - before.hits;
      const lookups = hits + after.misses - before.misses;
      hitRate = lookups > 0 ? hits / lookups : NaN;
    }
  } else {
    const { concurrency, step, setup } = scenarioStep(config.scenario, client, config.keyPrefix);
    await setup?.();
    await closedLoop(concurrency, config.warmupMs, step);
    cpu = process.cpuUsage();
    run = await closedLoop(concurrency, config.durationMs, step);
  }
  const used = process.cpuUsage(cpu);
  const maxRssKb = process.resourceUsage().maxRSS;
  const [p50, p99] = run.samples.percentiles(50, 99);
  await withTimeout(client.close(), 5_000, 'closing').catch(() => undefined);
  emit({
    ops: run.ops,
    elapsedMs: run.elapsedMs,
    opsPerSec: (run.ops / run.elapsedMs) * 1000,
    p50: p50!,
    p99: p99!,
    samples: run.samples.length,
    maxRssKb,
    cpuUsPerOp: (used.user + used.system) / Math.max(1, run.ops),
    totalCpuUs: totalCpu(),
    warnings: run.warnings,
    ...(hitRate !== undefined ? { hitRate } : {}),
  });
}

function totalCpu(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function emit(result: WorkerResult): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
