import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import type { Redis } from '../../src/index.js';
import { SentinelTopology } from '../../src/testing/index.js';
import { startApp } from './app.js';
import { SERVICE } from './config.js';
import { printSentinelEvents, watchSentinel, type FailoverRecord } from './demo-events.js';
import { ROUTES, runLoad, summaryLines } from './demo-load.js';
import { print, sleep } from './demo-print.js';
import { cacheProbe, throttlerProbe, type ProbeResult } from './demo-probes.js';
import { WorkerProcess } from './demo-worker.js';

// `npm run demo -- [--failover [--kind graceful|kill]] [--duration <s>] [--port <n>]`: a local Sentinel
// topology, the worker microservice and the sample app on it.

const USAGE = `Usage: npm run demo -- [options]

Starts a local Sentinel topology (1 master, 2 replicas, 3 sentinels, quorum 2, down-after 1 s) with the
test kit, the worker microservice (a child process answering { cmd: 'sum' } over the Sentinel
transport), then the sample app against them, and prints where to look.

Options:
  --failover        after 3 s, fail the master over while a request loop keeps hitting every route
                    (/counter, /cached, /limited, /sum); print the client's failover events live, a
                    line per second of requests, then a final summary with what the failover cost the
                    cache and the throttler (exit code 1 if a request failed other than by design)
  --kind <kind>     with --failover: graceful (default: SENTINEL FAILOVER) or kill (SIGKILL the master
                    by pid; the sentinels notice after down-after and promote a replica)
  --duration <s>    stop by itself after <s> seconds (default: until Ctrl-C; with --failover, 5 s after
                    the failover is over)
  --port <n>        HTTP port (default: a free one)
  -h, --help        this text`;

const FAILOVER_AFTER_MS = 3_000;
const AFTER_FAILOVER_MS = 5_000;
const FAILOVER_TIMEOUT_MS = 30_000;

type Kind = 'graceful' | 'kill';

interface DemoOptions {
  failover: boolean;
  kind: Kind;
  durationMs: number | undefined;
  port: number;
}

function parseOptions(argv: string[]): DemoOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      failover: { type: 'boolean', default: false },
      kind: { type: 'string', default: 'graceful' },
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
  const kind = values.kind;
  if (kind !== 'graceful' && kind !== 'kill') throw new TypeError(`--kind must be graceful or kill, got ${kind}`);
  return { failover: values.failover ?? false, kind, durationMs, port };
}

/** Everything the demo started, stopped once in reverse order (on exit, on a signal, or on an error). */
class Resources {
  topology: SentinelTopology | undefined;
  worker: WorkerProcess | undefined;
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
      await this.worker?.stop();
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
    this.worker?.killSync();
    for (const p of [...(this.topology?.servers ?? []), ...(this.topology?.sentinelServers ?? [])]) p.destroySync();
  }
}

/** Fails the master over; resolves when the sentinels agree on the new one (or rejects). */
async function failOver(topology: SentinelTopology, kind: Kind): Promise<string> {
  const old = topology.master;
  const from = old.address.join(':');
  const t0 = Date.now();
  let to: string;
  if (kind === 'graceful') {
    print('demo', `triggering a failover of ${SERVICE} (SENTINEL FAILOVER; master is ${from})`);
    to = (await topology.failover({ timeoutMs: FAILOVER_TIMEOUT_MS })).join(':');
  } else {
    print('demo', `SIGKILL the master of ${SERVICE} ${from} (pid ${old.pid})`);
    await topology.killMaster();
    to = (await topology.waitForMasterChange(old.address, FAILOVER_TIMEOUT_MS)).join(':');
  }
  print('demo', `failover done in ${Date.now() - t0} ms: ${from} -> ${to}`);
  return to;
}

function probeLine(name: string, p: ProbeResult, what: string): string {
  const doubt = p.inDoubt > 0 ? `, ${p.inDoubt} in doubt` : '';
  const failed = p.failed > 0 ? `, ${p.failed} failed` : '';
  return `  ${name.padEnd(16)} ${p.acknowledged} ${what} acknowledged${doubt}${failed}; lost: ${p.lost}`;
}

function eventsLine(record: FailoverRecord): string {
  const held = record.heldMs.length > 0 ? ` (writes held ${record.heldMs.join(', ')} ms)` : '';
  return `  events:          failover-start ${record.starts}, switch-master ${record.switches.length}, failover-end ${record.heldMs.length}${held}, failover-abort ${record.aborts}, warning ${record.warnings}`;
}

async function runFailover(
  resources: Resources,
  topology: SentinelTopology,
  app: INestApplication,
  url: string,
  record: FailoverRecord,
  options: DemoOptions,
): Promise<boolean> {
  const loopDone = new AbortController();
  resources.stopped.signal.addEventListener('abort', () => loopDone.abort());
  let endTimer: NodeJS.Timeout | undefined;
  if (options.durationMs !== undefined) endTimer = setTimeout(() => loopDone.abort(), options.durationMs);
  const load = runLoad(url, loopDone.signal, options.kind === 'kill');
  const cache = cacheProbe(app, loopDone.signal);
  const throttler = throttlerProbe(app, loopDone.signal);

  await sleep(FAILOVER_AFTER_MS, loopDone.signal);
  let failoverOk = false;
  if (!loopDone.signal.aborted) {
    try {
      await failOver(topology, options.kind);
      failoverOk = true;
    } catch (err) {
      print('demo', `failover failed: ${(err as Error).message}`);
    }
    if (options.durationMs === undefined) await sleep(AFTER_FAILOVER_MS, loopDone.signal);
  }
  if (options.durationMs === undefined) loopDone.abort();
  const [result, cacheResult, throttlerResult] = await Promise.all([load, cache, throttler]);
  clearTimeout(endTimer);

  // One more increment through the app: every acknowledged one should be on the (new) master.
  const counter = await fetch(`${url}/counter/incr`, { method: 'POST' })
    .then(async (r) => (r.ok ? ((await r.json()) as { value: number }).value : undefined))
    .catch(() => undefined);
  const expected = result.increments + 1;
  const inDoubt = result.total.get(ROUTES[0]!)!.inDoubt;
  // In-doubt increments may have been applied: only what falls short of the acknowledged ones is lost.
  const counterLost = counter === undefined ? undefined : Math.max(0, expected - counter);
  const counterOk = counter === expected || (options.kind === 'kill' && counter !== undefined);
  console.log('');
  console.log(`Summary (${options.kind} failover ${failoverOk ? 'done' : 'NOT DONE'})`);
  for (const line of summaryLines(result)) console.log(line);
  console.log(eventsLine(record));
  console.log('What the failover cost (acknowledged writes the new master does not have):');
  console.log(
    counter === undefined
      ? '  counter:         could not be read'
      : `  counter:         ${counter} after ${expected} acknowledged increments${inDoubt > 0 ? ` (+${inDoubt} in doubt)` : ''}; lost: ${counterLost}${counterOk ? '' : ' (MISMATCH)'}`,
  );
  console.log(probeLine('cache probe:', cacheResult, 'cache writes'));
  console.log(
    `${probeLine('throttler probe:', throttlerResult, 'increments')} (the new master counts ${throttlerResult.onMaster})`,
  );
  // Under SIGKILL, asynchronous replication may lose the last acknowledged writes: measured, not a failure.
  return result.failures.length === 0 && failoverOk && counterOk;
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
    resources.watcher = await watchSentinel(topology);

    resources.worker = await WorkerProcess.start(topology.sentinelAddresses);
    print('demo', `worker started (pid ${resources.worker.pid})`);

    const { app, url } = await startApp({
      sentinels: topology.sentinelAddresses,
      port: options.port,
      logger: ['warn', 'error'],
      // The failover itself is printed from the events; the client's warnings too, in case.
      clientLogger: { debug: () => undefined, log: () => undefined, warn: (m) => print('client', m) },
    });
    resources.app = app;
    const record = printSentinelEvents(app);
    const [firstSentinelHost, firstSentinelPort] = topology.sentinelAddresses[0]!;
    console.log(`
Sample app on ${url}. Try:
  curl -X POST ${url}/counter/incr
  curl ${url}/counter
  curl -X PUT -H 'content-type: application/json' -d '{"value":"hello"}' ${url}/kv/greeting
  curl ${url}/kv/greeting
  curl ${url}/cached/greeting        # twice: the second answer comes from the cache
  curl -i ${url}/limited             # more than 10 in a second: 429
  curl '${url}/sum?values=1,2,3'     # answered by the worker over the Sentinel transport
  curl ${url}/health
  redis-cli -h ${firstSentinelHost} -p ${firstSentinelPort} SENTINEL FAILOVER ${SERVICE}   # then watch the events below
`);

    let ok = true;
    if (options.failover) {
      ok = await runFailover(resources, topology, app, url, record, options);
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
