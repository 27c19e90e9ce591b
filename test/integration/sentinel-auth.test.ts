// Passwords: on the data nodes (password) and on the sentinels themselves (sentinelPassword).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError, MasterReplyError, ReplyError, SentinelConnectionError, SlaveReplyError } from '../../src/errors.js';
import { createSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import {
  backToBaseline,
  closeSentinel,
  createSentinelInChild,
  resourceCounts,
  timedRejection,
} from '../helpers/sentinel.js';
import { LONG_TIMEOUT_MS, NO_WAIT_BOUND_MS } from '../helpers/util.js';

const SERVICE = 'mymaster';
const PASSWORD = 'data-secret-42';
const SENTINEL_PASSWORD = 'sentinel-secret-17';
/** Data nodes and sentinels both need a password. */
let secured: SentinelTopology;
/** No password anywhere. */
let open: SentinelTopology;

/** Every message in an error and its causes: none may show a password. */
function allMessages(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) parts.push(`${e.name}: ${e.message}`);
  return parts.join(' <- ');
}

before(async () => {
  [secured, open] = await Promise.all([
    SentinelTopology.start({ replicas: 1, sentinels: 2, password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD }),
    SentinelTopology.start({ replicas: 0, sentinels: 1 }),
  ]);
});

after(async () => {
  await Promise.all([secured?.stop(), open?.stop()]);
});

describe('password on the data nodes', () => {
  test('the right password works for the master and the replica', async () => {
    const s = await createSentinel(secured.sentinelAddresses, {
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    });
    try {
      const master = s.masterFor(SERVICE);
      assert.equal(await master.set('auth:key', 'v'), 'OK');
      assert.equal(await master.get('auth:key'), 'v');
      assert.deepEqual(master.address, secured.master.address);
      const slave = s.slaveFor(SERVICE);
      assert.equal((await slave.role()).role, 'slave');
      // The replica catches up with the write.
      assert.equal(await waitFor('the replica to have auth:key', () => slave.get('auth:key')), 'v');
    } finally {
      await closeSentinel(s);
    }
  });

  test('a wrong password: masterFor().get rejects MasterReplyError caused by an AuthError', async () => {
    const wrong = 'not-the-password';
    const s = await createSentinel(secured.sentinelAddresses, {
      password: wrong,
      sentinelPassword: SENTINEL_PASSWORD,
      failoverTimeout: LONG_TIMEOUT_MS,
    });
    try {
      const { error, ms } = await timedRejection(s.masterFor(SERVICE).get('auth:key'));
      assert.ok(error instanceof MasterReplyError, allMessages(error));
      assert.equal(error.message, `Service ${SERVICE} error`);
      assert.ok(error.cause instanceof AuthError, allMessages(error));
      assert.match((error.cause as Error).message, /WRONGPASS|invalid password/);
      assert.ok(ms < NO_WAIT_BOUND_MS, `took ${ms} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);
      assert.ok(!allMessages(error).includes(wrong), allMessages(error));

      const slave = await timedRejection(s.slaveFor(SERVICE).get('auth:key'));
      assert.ok(slave.error instanceof SlaveReplyError, allMessages(slave.error));
      assert.ok(slave.error.cause instanceof AuthError, allMessages(slave.error));
    } finally {
      await closeSentinel(s);
    }
  });

  test('no password: masterFor().get rejects MasterReplyError caused by AuthError NOAUTH', async () => {
    const s = await createSentinel(secured.sentinelAddresses, {
      sentinelPassword: SENTINEL_PASSWORD,
      failoverTimeout: LONG_TIMEOUT_MS,
    });
    try {
      const { error, ms } = await timedRejection(s.masterFor(SERVICE).get('auth:key'));
      assert.ok(error instanceof MasterReplyError, allMessages(error));
      assert.ok(error.cause instanceof AuthError, allMessages(error));
      assert.match((error.cause as Error).message, /^NOAUTH/);
      assert.ok(ms < NO_WAIT_BOUND_MS, `took ${ms} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);
    } finally {
      await closeSentinel(s);
    }
  });

  test("a password the server does not have: MasterReplyError caused by the server's error", async () => {
    const extra = 'pointless-password';
    const s = await createSentinel(open.sentinelAddresses, { password: extra, failoverTimeout: LONG_TIMEOUT_MS });
    try {
      const { error, ms } = await timedRejection(s.masterFor(SERVICE).set('auth:key', 'v'));
      assert.ok(error instanceof MasterReplyError, allMessages(error));
      assert.ok(error.cause instanceof ReplyError, allMessages(error));
      assert.match((error.cause as Error).message, /without any password configured|no password is set/);
      assert.ok(ms < NO_WAIT_BOUND_MS, `took ${ms} ms (failoverTimeout ${LONG_TIMEOUT_MS})`);
      assert.ok(!allMessages(error).includes(extra), allMessages(error));
    } finally {
      await closeSentinel(s);
    }
  });
});

describe('password on the sentinels', () => {
  test('createSentinel with sentinelPassword connects, and sentinel commands work', async () => {
    const s = await createSentinel(secured.sentinelAddresses, {
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    });
    try {
      assert.equal(await s.ping(), 'PONG');
      assert.equal((await s.master(SERVICE)).port, secured.master.port);
      assert.equal((await s.sentinels(SERVICE)).length, 1);
    } finally {
      await closeSentinel(s);
    }
  });

  test('without sentinelPassword createSentinel rejects SentinelConnectionError (NOAUTH at every sentinel)', async () => {
    const baseline = resourceCounts();
    const { error, ms } = await timedRejection(
      createSentinel(secured.sentinelAddresses, { password: PASSWORD, timeout: LONG_TIMEOUT_MS }),
    );
    assert.ok(error instanceof SentinelConnectionError, allMessages(error));
    for (const [host, port] of secured.sentinelAddresses) {
      assert.match(error.message, new RegExp(`${host.replace(/\./g, '\\.')}:${port}: NOAUTH`), error.message);
    }
    assert.ok(ms < NO_WAIT_BOUND_MS, `took ${ms} ms (timeout ${LONG_TIMEOUT_MS})`);
    assert.ok(!allMessages(error).includes(PASSWORD), allMessages(error));
    await backToBaseline(baseline, 'the refused createSentinel');
  });

  test('a wrong sentinelPassword rejects SentinelConnectionError without showing the password', async () => {
    const wrong = 'wrong-sentinel-password';
    const { error } = await timedRejection(createSentinel(secured.sentinelAddresses, { sentinelPassword: wrong }));
    assert.ok(error instanceof SentinelConnectionError, allMessages(error));
    assert.match(error.message, /WRONGPASS|invalid password/);
    assert.ok(!allMessages(error).includes(wrong), allMessages(error));
  });

  test('a process whose createSentinel is refused (NOAUTH) exits by itself', async () => {
    const result = await createSentinelInChild(secured.sentinelAddresses, { password: PASSWORD });
    assert.equal(result.name, 'SentinelConnectionError', result.message);
    assert.match(result.message, /NOAUTH/);
  });
});
