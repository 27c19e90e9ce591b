import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { createRedis, type Redis } from '../../src/index.js';
import { SentinelTopology } from '../../src/testing/index.js';
import { startApp } from './app.js';
import { SERVICE } from './config.js';

// `npm run demo -- [--failover] [--duration <s>] [--port <n>]`: a local Sentinel topology and the sample app on it.

const USAGE = `Usage: npm run demo -- [options]

Starts a local Sentinel topology (1 master, 2 replicas, 3 sentinels, quorum 2, down-after 1 s) with the
test kit, then the sample app against it, and prints where to look.

Options:
  --failover        after 3 s, trigger a failover while a request loop keeps hitting the app; print each
                    failover event and a per-second summary of the requests, then a final summary
                    (exit code 1 if any request failed)
  --duration <s>    stop by itself after <s> seconds (default: until Ctrl-C; with --failover, 5 s after
                    the failover is over)
  --port <n>        HTTP port (default: a free one)
  -h, --help        this text`;

const FAILOVER_AFTER_MS = 3_000;
const AFTER_FAILOVER_MS = 5_000;
const REQUEST_TIMEOUT_MS = 15_000;

interface DemoOptions {
  failover: boolean;
  durationMs: number | undefined;
  port: number;
}

function parseOptions(argv: string[]): DemoOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      failover: { type: 'boolean', default: false },
      duration: { type: 'string' },
      port: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  let durationMs: number | undefined;
  if (values.duration !== undefined) {
    const seconds = Number(values.duration);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new TypeError(`--duration must be a positive number of seconds, got ${values.duration}`);
    durationMs = seconds * 1000;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError(`--port must be an integer from 0 to 65535, got ${values.port}`);
  return { failover: values.failover ?? false, durationMs, port };
}

const started = Date.now();

function print(what: string, message: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[${t}s] ${what.padEnd(8)} ${message}`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Everything the demo started, stopped once in reverse order (on exit, on a signal, or on an error). */
class Resources {
  topology: SentinelTopology | undefined;
  app: INestApplication | undefined;
  watcher: Redis | undefined;
  readonly stopped = new AbortController();
  #stopping: Promise<void> | undefined;

  stop(): Promise<void> {
    this.stopped.abort();
    this.#stopping ??= (async () => {
      try {
        this.watcher?.close();
        await this.app?.close();
      } catch (err) {
        print('demo', `closing the app failed: ${(err as Error).message}`);
      }
      if (this.topology !== undefined) {
        await this.topology.stop();
        print(
          'demo',
          `stopped ${this.topology.servers.length + this.topology.sentinelServers.length} redis-server processes`,
        );
      }
    })();
    return this.#stopping;
  }

  /** Last resort for the 'exit' event (synchronous): kill what is still running. */
  killSync(): void {
    for (const p of [...(this.topology?.servers ?? []), ...(this.topology?.sentinelServers ?? [])]) p.destroySync();
  }
}

/** Prints every event one sentinel publishes (failover steps, +switch-master, ...) as it arrives. */
async function watchSentinelEvents(resources: Resources, topology: SentinelTopology): Promise<void> {
  const watcher = await createRedis(topology.sentinelAddresses[0]!);
  resources.watcher = watcher;
  await watcher.psubscribe('*', (message, channel) => {
    print('sentinel', `${channel} ${String(message)}`);
  });
}

interface Stats {
  ok: number;
  failed: number;
  maxLatency: number;
}

/** One request with its own timeout; resolves how it went, never rejects. */
async function request(method: string, url: string): Promise<{ ok: boolean; detail: string; value?: number }> {
  try {
    const response = await fetch(url, { method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    if (!response.ok) return { ok: false, detail: `${method} ${new URL(url).pathname} -> ${response.status} ${text}` };
    return { ok: true, detail: text, value: (JSON.parse(text) as { value: number }).value };
  } catch (err) {
    return { ok: false, detail: `${method} ${new URL(url).pathname} -> ${(err as Error).message}` };
  }
}

/** Sequential requests (an increment, then a read) until `signal` aborts; a summary line every second. */
async function requestLoop(url: string, signal: AbortSignal): Promise<Stats & { increments: number }> {
  const total = { ok: 0, failed: 0, maxLatency: 0, increments: 0 };
  let second: Stats = { ok: 0, failed: 0, maxLatency: 0 };
  const flush = (): void => {
    print('requests', `${second.ok} ok, ${second.failed} failed in the last second (slowest ${second.maxLatency} ms)`);
    second = { ok: 0, failed: 0, maxLatency: 0 };
  };
  const ticker = setInterval(flush, 1000);
  try {
    for (let i = 0; !signal.aborted; i++) {
      const write = i % 2 === 0;
      const t0 = Date.now();
      const outcome = await request(write ? 'POST' : 'GET', `${url}${write ? '/counter/incr' : '/counter'}`);
      const latency = Date.now() - t0;
      for (const s of [second, total]) {
        if (outcome.ok) s.ok++;
        else s.failed++;
        s.maxLatency = Math.max(s.maxLatency, latency);
      }
      if (outcome.ok && write) total.increments++;
      if (!outcome.ok) print('requests', `FAILED ${outcome.detail}`);
    }
  } finally {
    clearInterval(ticker);
    flush();
  }
  return total;
}

async function runFailover(
  resources: Resources,
  topology: SentinelTopology,
  url: string,
  durationMs: number | undefined,
): Promise<boolean> {
  const loopDone = new AbortController();
  resources.stopped.signal.addEventListener('abort', () => loopDone.abort());
  let endTimer: NodeJS.Timeout | undefined;
  if (durationMs !== undefined) endTimer = setTimeout(() => loopDone.abort(), durationMs);
  const loop = requestLoop(url, loopDone.signal);

  await sleep(FAILOVER_AFTER_MS, loopDone.signal);
  let failoverOk = false;
  if (!loopDone.signal.aborted) {
    const oldMaster = topology.master.address.join(':');
    print('demo', `triggering a failover of ${SERVICE} (SENTINEL FAILOVER; master is ${oldMaster})`);
    const t0 = Date.now();
    try {
      const address = await topology.failover();
      failoverOk = true;
      print('demo', `failover done in ${Date.now() - t0} ms: ${oldMaster} -> ${address.join(':')}`);
    } catch (err) {
      print('demo', `failover failed: ${(err as Error).message}`);
    }
    if (durationMs === undefined) await sleep(AFTER_FAILOVER_MS, loopDone.signal);
  }
  if (durationMs === undefined) loopDone.abort();
  const stats = await loop;
  clearTimeout(endTimer);

  // Read the counter from the master: every acknowledged increment must be there.
  const counter = await request('POST', `${url}/counter/incr`);
  const expected = stats.increments + 1;
  console.log('');
  console.log('Summary');
  console.log(`  requests ok:     ${stats.ok}`);
  console.log(`  requests failed: ${stats.failed}`);
  console.log(`  slowest request: ${stats.maxLatency} ms`);
  console.log(`  failover:        ${failoverOk ? 'done' : 'not done'}`);
  if (counter.ok)
    console.log(
      `  counter:         ${String(counter.value)} after ${expected} acknowledged increments${counter.value === expected ? '' : ' (MISMATCH)'}`,
    );
  return stats.failed === 0 && failoverOk && counter.ok && counter.value === expected;
}

async function main(): Promise<number> {
  let options: DemoOptions | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    console.log(USAGE);
    return 0;
  }

  const resources = new Resources();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) process.exit(130);
    print('demo', `${signal}: stopping`);
    resources.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => resources.killSync());

  try {
    print('demo', 'starting redis: 1 master, 2 replicas, 3 sentinels (quorum 2, down-after 1 s)');
    resources.topology = await SentinelTopology.start({ replicas: 2, sentinels: 3, quorum: 2, downAfterMs: 1_000 });
    const topology = resources.topology;
    print(
      'demo',
      `master ${topology.master.address.join(':')}, replicas ${topology.replicas.map((r) => r.address.join(':')).join(', ')}`,
    );
    print('demo', `sentinels ${topology.sentinelAddresses.map((a) => a.join(':')).join(', ')}`);
    await watchSentinelEvents(resources, topology);

    const { app, url } = await startApp({
      sentinels: topology.sentinelAddresses,
      port: options.port,
      // What the client itself does during a failover (discovery, holding writes, switching).
      clientLogger: { debug: () => undefined, log: (m) => print('client', m), warn: (m) => print('client', m) },
    });
    resources.app = app;
    const [firstSentinelHost, firstSentinelPort] = topology.sentinelAddresses[0]!;
    console.log(`
Sample app on ${url}. Try:
  curl -X POST ${url}/counter/incr
  curl ${url}/counter
  curl -X PUT -H 'content-type: application/json' -d '{"value":"hello"}' ${url}/kv/greeting
  curl ${url}/kv/greeting
  curl ${url}/health
  redis-cli -h ${firstSentinelHost} -p ${firstSentinelPort} SENTINEL FAILOVER ${SERVICE}   # then watch the events below
`);

    let ok = true;
    if (options.failover) {
      ok = await runFailover(resources, topology, url, options.durationMs);
    } else {
      print(
        'demo',
        options.durationMs === undefined ? 'running until Ctrl-C' : `running for ${options.durationMs / 1000} s`,
      );
      await sleep(options.durationMs ?? 2 ** 31 - 1, resources.stopped.signal);
    }
    await resources.stop();
    return ok ? 0 : 1;
  } catch (err) {
    print('demo', `error: ${(err as Error).message}`);
    await resources.stop().catch(() => undefined);
    return 1;
  }
}

process.exitCode = await main();
