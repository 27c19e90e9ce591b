import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import { startApp } from '../../sample-app/src/app.js';
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
  let url: string;

  before(async () => {
    topology = await SentinelTopology.start({ replicas: 2, sentinels: 3, quorum: 2, downAfterMs: 1_000 });
    ({ app, url } = await startApp({ sentinels: topology.sentinelAddresses, logger: false, clientLogger: false }));
  });

  after(async () => {
    await app?.close();
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
  });
});
