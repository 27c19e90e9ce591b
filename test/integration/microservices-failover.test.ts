// The microservices transport through a graceful and a SIGKILL failover: requests issued before,
// during and after all settle (reply or typed error, never hang), events published during the write
// hold are delivered after it, the server's subscriptions follow the master, and status follows
// the failover. Latencies around each failover are reported as test diagnostics.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { INestMicroservice } from '@nestjs/common';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { RedisError } from '../../src/errors.js';
import { SentinelClient, SentinelServer } from '../../src/microservices/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { MathModule, startMicroservice, type EventLog } from '../helpers/microservices.js';
import { within } from '../helpers/util.js';

const REQUEST_TIMEOUT = 5_000;

interface Request {
  n: number;
  sent: number;
  ms?: number;
  /** 'reply', or the error's class name. */
  outcome?: string;
  error?: unknown;
}

interface Emitted {
  n: number;
  duringHold: boolean;
  ok?: boolean;
  error?: unknown;
}

describe('microservices transport across failovers', { timeout: 120_000 }, () => {
  let topology: SentinelTopology;
  let app: INestMicroservice;
  let server: SentinelServer;
  let events: EventLog['events'];
  let client: SentinelClient;
  let holding = false;
  const clientStatus: string[] = [];
  const serverStatus: string[] = [];
  let serverResubscribed = 0;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, downAfterMs: 1000, failoverTimeoutMs: 3000 });
    const options = { sentinels: topology.sentinelAddresses, service: topology.service };
    server = new SentinelServer(options);
    server.on('resubscribed', () => serverResubscribed++);
    ({ app, events } = await startMicroservice(MathModule, { strategy: server }));
    server.status.subscribe((s) => serverStatus.push(s));
    client = new SentinelClient({ ...options, requestTimeout: REQUEST_TIMEOUT });
    client.on('failover-start', () => (holding = true));
    client.on('failover-end', () => (holding = false));
    client.on('failover-abort', () => (holding = false));
    client.status.subscribe((s) => clientStatus.push(s));
    assert.equal(await firstValueFrom(client.send('math.sum', [1, 1])), 2);
  });
  after(async () => {
    await client?.close();
    await app?.close();
    await topology?.stop();
  });

  /** Sends a request and emits an event every 25 ms until stopped; records every outcome. */
  function startLoad(tag: string): { requests: Request[]; emitted: Emitted[]; stop: () => Promise<void> } {
    const requests: Request[] = [];
    const emitted: Emitted[] = [];
    const pending: Promise<void>[] = [];
    let n = 0;
    const timer = setInterval(() => {
      const i = n++;
      const r: Request = { n: i, sent: performance.now() };
      requests.push(r);
      pending.push(
        firstValueFrom(client.send('math.sum', [i, 1])).then(
          (value) => {
            r.ms = performance.now() - r.sent;
            r.outcome = value === i + 1 ? 'reply' : `wrong reply ${JSON.stringify(value)}`;
          },
          (error: Error) => {
            r.ms = performance.now() - r.sent;
            r.outcome = error instanceof Error ? error.constructor.name : String(error);
            r.error = error;
          },
        ),
      );
      const e: Emitted = { n: i, duringHold: holding };
      emitted.push(e);
      pending.push(
        lastValueFrom(client.emit('math.event', { tag, n: i }), { defaultValue: undefined }).then(
          () => void (e.ok = true),
          (error: Error) => {
            e.ok = false;
            e.error = error;
          },
        ),
      );
    }, 25);
    return {
      requests,
      emitted,
      stop: async () => {
        clearInterval(timer);
        // Every request settles within requestTimeout (plus the write hold for its PUBLISH): never hangs.
        await within(REQUEST_TIMEOUT + 15_000, 'the requests and events in flight', Promise.all(pending));
      },
    };
  }

  async function throughFailover(t: TestContext, tag: string, fail: () => Promise<Address>): Promise<void> {
    const resubscribedBefore = serverResubscribed;
    const [clientMark, serverMark] = [clientStatus.length, serverStatus.length];
    const load = startLoad(tag);
    await waitFor(
      'a few requests answered before the failover',
      () => load.requests.filter((r) => r.outcome === 'reply').length >= 5,
    );
    const failoverAt = performance.now();
    const to = await fail();
    await waitFor('the server to resubscribe on the new master', () => serverResubscribed > resubscribedBefore, {
      timeoutMs: 20_000,
    });
    await waitFor(
      'requests sent after the failover to be answered',
      () => load.requests.some((r) => r.sent > failoverAt && r.outcome === 'reply' && r.n > 0),
      { timeoutMs: 20_000 },
    );
    const afterMark = load.requests.length;
    await waitFor(
      'ten more requests answered',
      () => load.requests.slice(afterMark).filter((r) => r.outcome === 'reply').length >= 10,
    );
    await load.stop();
    assert.deepEqual(
      server.unwrap<{ masterFor(s: string): { address: Address | null } }>().masterFor(topology.service).address,
      to,
    );

    const outcomes = new Map<string, number>();
    for (const r of load.requests) outcomes.set(r.outcome!, (outcomes.get(r.outcome!) ?? 0) + 1);
    const latencies = load.requests.map((r) => r.ms!).toSorted((a, b) => a - b);
    const late = load.requests.filter((r) => r.outcome !== 'reply');
    t.diagnostic(
      `${tag}: ${load.requests.length} requests, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}, ` +
        `latency p50 ${latencies[latencies.length >> 1]!.toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`,
    );
    // Each request settled by its reply or by a typed error (TimeoutError for a reply lost in the switch).
    for (const r of late) assert.ok(r.error instanceof RedisError, `request ${r.n}: ${String(r.error)}`);
    assert.ok(outcomes.get('reply')! > late.length, `most requests answered: ${JSON.stringify([...outcomes])}`);
    // The last requests (sent once the failover was over) are all answered.
    assert.deepEqual(
      load.requests.slice(-5).map((r) => r.outcome),
      ['reply', 'reply', 'reply', 'reply', 'reply'],
    );

    // Events published during the write hold: each delivered once the hold ends, none lost.
    const held = load.emitted.filter((e) => e.duringHold && e.ok);
    const delivered = (): Set<number> =>
      new Set(events.filter((e) => (e.data as { tag: string }).tag === tag).map((e) => (e.data as { n: number }).n));
    await waitFor('the events published during the hold to be delivered', () =>
      held.every((e) => delivered().has(e.n)),
    ).catch(() => undefined);
    const lostHeld = held.filter((e) => !delivered().has(e.n)).map((e) => e.n);
    const okEvents = load.emitted.filter((e) => e.ok);
    const lostAll = okEvents.filter((e) => !delivered().has(e.n)).map((e) => e.n);
    t.diagnostic(
      `${tag}: ${load.emitted.length} events, ${okEvents.length} published, ${held.length} during the hold; ` +
        `not delivered: ${lostAll.length} (during the hold: ${lostHeld.length}); emit errors ${JSON.stringify(
          load.emitted.filter((e) => e.ok === false).map((e) => String(e.error)),
        )}`,
    );
    assert.ok(held.length > 0, 'some events were published during the write hold');
    assert.deepEqual(lostHeld, [], 'events published during the hold are delivered');
    for (const e of load.emitted.filter((x) => x.ok === false)) {
      assert.ok(e.error instanceof RedisError, `event ${e.n}: ${String(e.error)}`);
    }

    assert.ok(clientStatus.slice(clientMark).includes('reconnecting'), `client status ${clientStatus.join(',')}`);
    assert.equal(clientStatus.at(-1), 'connected');
    assert.ok(serverStatus.slice(serverMark).includes('reconnecting'), `server status ${serverStatus.join(',')}`);
    assert.equal(serverStatus.at(-1), 'connected');
  }

  test('a graceful failover (SENTINEL FAILOVER)', async (t) => {
    await throughFailover(t, 'graceful', () => topology.failover({ waitForReplicas: true, timeoutMs: 30_000 }));
  });

  test('a SIGKILL failover (the master killed, the replica promoted)', async (t) => {
    await throughFailover(t, 'sigkill', async () => {
      const old = await topology.killMaster();
      return topology.waitForMasterChange(old, 30_000);
    });
  });
});
