import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { startApp } from '../../sample-app/src/app.js';
import { startWorker } from '../../sample-app/src/worker.module.js';
import { createSentinel, type RedisSentinel } from '../../src/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';

const REQUEST_TIMEOUT_MS = 15_000;

interface Reply {
  status: number;
  body: any;
}

/** One HTTP request with its own timeout; a network error or timeout rejects. */
async function call(method: string, url: string, body?: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

describe('sample app over HTTP against a real Sentinel topology', () => {
  let topology: SentinelTopology;
  let app: INestApplication;
  let worker: INestMicroservice;
  let url: string;
  /** The test's own look at the master (what the cache and the throttler stored). */
  let sentinel: RedisSentinel;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 2, sentinels: 3, quorum: 2, downAfterMs: 1_000 });
    ({ app: worker } = await startWorker(topology.sentinelAddresses));
    ({ app, url } = await startApp({ sentinels: topology.sentinelAddresses, logger: false, clientLogger: false }));
    sentinel = await createSentinel(topology.sentinelAddresses);
  });

  after(async () => {
    sentinel?.close();
    await sentinel?.waitClosed();
    await app?.close();
    await worker?.close();
    await topology?.stop();
  });

  test('counter: increments on the master, reads from a replica', async () => {
    assert.deepEqual(await call('POST', `${url}/counter/incr`), { status: 200, body: { value: 1 } });
    assert.deepEqual(await call('POST', `${url}/counter/incr`), { status: 200, body: { value: 2 } });
    const read = await waitFor('the replica to see the counter', async () => {
      const reply = await call('GET', `${url}/counter`);
      assert.equal(reply.status, 200);
      return reply.body.value === 2 ? reply : undefined;
    });
    assert.deepEqual(read.body, { value: 2 });
  });

  test('kv: PUT writes, GET reads back, bad input is a 400, a missing key a 404', async () => {
    assert.deepEqual(await call('PUT', `${url}/kv/greeting`, { value: 'hello' }), {
      status: 200,
      body: { key: 'greeting', value: 'hello' },
    });
    const read = await waitFor('the replica to see the key', async () => {
      const reply = await call('GET', `${url}/kv/greeting`);
      return reply.status === 200 ? reply : undefined;
    });
    assert.deepEqual(read.body, { key: 'greeting', value: 'hello' });
    assert.equal((await call('PUT', `${url}/kv/greeting`, {})).status, 400);
    assert.equal((await call('GET', `${url}/kv/nothing-here`)).status, 404);
  });

  test('GET /cached/:key: a miss loads and stores the value with a TTL on the master, the next call is a hit', async () => {
    const first = await call('GET', `${url}/cached/report`);
    assert.equal(first.status, 200);
    assert.equal(first.body.key, 'report');
    assert.equal(first.body.cached, false);
    assert.deepEqual(await call('GET', `${url}/cached/report`), {
      status: 200,
      body: { key: 'report', value: first.body.value, cached: true },
    });
    const pttl = await sentinel.masterFor(topology.service).pttl('sample:cache:report');
    assert.ok(pttl > 0 && pttl <= 60_000, `stored with the TTL (PX), got ${pttl}`);
  });

  test('GET /limited: the throttler answers 429 past the limit, counting on the master; /health is not throttled', async () => {
    const replies = await Promise.all(Array.from({ length: 15 }, () => call('GET', `${url}/limited`)));
    const statuses = replies.map((r) => r.status);
    assert.ok(statuses.includes(429), `some requests are throttled: ${statuses.join(',')}`);
    assert.ok(statuses.filter((s) => s === 200).length >= 10, `the limit (10) is allowed: ${statuses.join(',')}`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200 && s !== 429),
      [],
    );
    const keys = await sentinel.masterFor(topology.service).keys('throttler:limited:*');
    assert.ok(keys.length > 0, 'the hits are counted in Redis (SentinelThrottlerStorage)');
    const health = await Promise.all(Array.from({ length: 12 }, () => call('GET', `${url}/health`)));
    assert.deepEqual(
      health.map((r) => r.status),
      Array.from({ length: 12 }, () => 200),
    );
  });

  test('GET /sum: answered by the worker over the Sentinel transport; bad input is a 400', async () => {
    assert.deepEqual(await call('GET', `${url}/sum?values=1,2,3`), {
      status: 200,
      body: { values: [1, 2, 3], sum: 6 },
    });
    assert.equal((await call('GET', `${url}/sum?values=1,x`)).status, 400);
    assert.equal((await call('GET', `${url}/sum`)).status, 400);
  });

  test('GET /health is up and reports the replicas', async () => {
    const reply = await call('GET', `${url}/health`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.status, 'ok');
    assert.equal(reply.body.info.sentinels.status, 'up');
    assert.equal(reply.body.info.sentinels.replicas, 2);
    assert.equal(reply.body.info.master.status, 'up');
    assert.equal(reply.body.info.replica.status, 'up');
  });

  test('every request gets a 2xx answer through a failover', async () => {
    const start = await call('POST', `${url}/counter/incr`);
    assert.equal(start.status, 200);
    let expected = start.body.value as number;
    const oldMaster = topology.master.address.join(':');

    // Set when topology.failover() settles (doneAt) or fails (error).
    const state: { doneAt: number | null; error: unknown } = { doneAt: null, error: undefined };
    const failover = topology.failover().then(
      (address) => {
        state.doneAt = Date.now();
        return address;
      },
      (err: unknown) => {
        state.error = err;
        state.doneAt = Date.now();
      },
    );

    const failures: string[] = [];
    let requests = 0;
    // Sequential requests until 2 s after the failover finished.
    for (let i = 0; state.doneAt === null || Date.now() - state.doneAt < 2_000; i++) {
      const write = i % 2 === 0;
      requests++;
      try {
        const reply = await call(write ? 'POST' : 'GET', `${url}/counter${write ? '/incr' : ''}`);
        if (reply.status < 200 || reply.status >= 300)
          failures.push(`${write ? 'POST' : 'GET'} -> ${reply.status} ${JSON.stringify(reply.body)}`);
        else if (write) {
          expected++;
          assert.equal(reply.body.value, expected, 'each increment answers the next value');
        }
      } catch (err) {
        failures.push(`${write ? 'POST' : 'GET'} -> ${(err as Error).message}`);
      }
    }
    const newMaster = await failover;
    assert.equal(state.error, undefined, String(state.error));
    assert.ok(newMaster, 'the failover resolved the new master');
    assert.notEqual(newMaster.join(':'), oldMaster);
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
    assert.ok(requests > 20, `only ${requests} requests were made`);

    // The app's master client follows the new master; health agrees once it has.
    const health = await waitFor('the health check to be up on the new master', async () => {
      const reply = await call('GET', `${url}/health`);
      return reply.status === 200 && reply.body.info.sentinels.masterAddress === newMaster.join(':')
        ? reply
        : undefined;
    });
    assert.equal(health.body.info.sentinels.clientAddress, newMaster.join(':'));
    assert.equal(health.body.info.master.address, newMaster.join(':'));
    // The cache and the transport work on the new master too.
    assert.equal((await call('GET', `${url}/cached/after-failover`)).body.cached, false);
    assert.equal((await call('GET', `${url}/cached/after-failover`)).body.cached, true);
    assert.deepEqual((await call('GET', `${url}/sum?values=4,5`)).body, { values: [4, 5], sum: 9 });
  });
});
