import { afterEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from '../../src/connection/command.js';
import type { RedisConnection } from '../../src/connection/connection.js';
import { ConnectionClosedError, PoolClosedError, replyErrorFor, type ReplyError } from '../../src/errors.js';
import { MAX_ATTEMPTS, ReplyRetries, reactionTo, type RetryPool } from '../../src/sentinel/reply-retries.js';
import type { Address } from '../../src/types.js';

// Real error texts (Redis 7.0 / Valkey 8.0).
const READONLY = "READONLY You can't write against a read only replica.";
const UNBLOCKED_ROLE = 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';
const UNBLOCKED_CLIENT = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
const MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
const LOADING = 'LOADING Redis is loading the dataset in memory';

const err = (text: string, name = 'SET'): ReplyError => replyErrorFor(text, name);

describe('reactionTo', () => {
  const TABLE: [string, 'master' | 'slave', ReturnType<typeof reactionTo>][] = [
    [READONLY, 'master', 'rediscover-and-resend'],
    [READONLY, 'slave', 'reject'],
    [UNBLOCKED_ROLE, 'master', 'rediscover-and-resend'],
    [UNBLOCKED_ROLE, 'slave', 'rediscover-and-resend'],
    [UNBLOCKED_CLIENT, 'master', 'reject'],
    [UNBLOCKED_CLIENT, 'slave', 'reject'],
    [MASTERDOWN, 'slave', 'other-replica'],
    [MASTERDOWN, 'master', 'rediscover-and-resend'],
    [LOADING, 'master', 'retry-later'],
    [LOADING, 'slave', 'retry-later'],
    ['ERR unknown command', 'master', 'reject'],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'master', 'reject'],
    ['NOSCRIPT No matching script', 'slave', 'reject'],
    ['BUSY Redis is busy running a script', 'master', 'reject'],
    ['NOAUTH Authentication required.', 'master', 'reject'],
    // A code that merely starts like a known one is another code.
    ['READONLYX something', 'master', 'reject'],
  ];
  for (const [text, role, expected] of TABLE) {
    test(`${text.split(' ')[0]} on a ${role} pool (${text.slice(0, 40)}): ${expected}`, () => {
      assert.equal(reactionTo(err(text), role), expected);
    });
  }
});

/** A fake pool recording what the retries asked of it. */
function fakePool(role: 'master' | 'slave' = 'master') {
  const pool = {
    role,
    service: 'mymaster',
    closed: false,
    inDoubt: 0,
    resent: [] as Command[],
    rediscovered: [] as string[],
    avoided: [] as Address[],
    rediscover(_reason: RedisConnection, why: string) {
      pool.rediscovered.push(why);
    },
    avoidReplica(address: Address) {
      pool.avoided.push(address);
    },
    resend(c: Command) {
      pool.resent.push(c);
    },
  };
  return pool satisfies RetryPool;
}

/** A command whose outcome the test can read. */
function command(name: string) {
  const outcome: { value?: unknown; error?: Error } = {};
  const c = new Command(
    name,
    ['k'],
    false,
    (v) => {
      outcome.value = v;
    },
    (e) => {
      outcome.error = e;
    },
  );
  return { c, outcome };
}

const conn = { address: ['127.0.0.1', 6390] as Address } as unknown as RedisConnection;

describe('ReplyRetries.onReplyError', () => {
  test(`READONLY on a master pool: rediscover and resend, at most ${MAX_ATTEMPTS} times`, () => {
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 1000);
    const { c } = command('SET');
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      assert.equal(retries.onReplyError(c, err(READONLY), conn), true, `attempt ${i} is taken`);
      assert.equal(c.attempts, i);
    }
    assert.equal(pool.resent.length, MAX_ATTEMPTS);
    assert.equal(retries.onReplyError(c, err(READONLY), conn), false, 'the next one is the caller’s to reject');
    assert.equal(pool.resent.length, MAX_ATTEMPTS);
    assert.ok(pool.rediscovered.length >= MAX_ATTEMPTS);
    assert.match(pool.rediscovered[0]!, /READONLY from 127\.0\.0\.1:6390/);
    assert.deepEqual(pool.avoided, []);
  });

  test('READONLY on a replica pool: not taken (rejects at once), nothing rediscovered', () => {
    const pool = fakePool('slave');
    const retries = new ReplyRetries(pool, 1000);
    const { c } = command('SET');
    assert.equal(retries.onReplyError(c, err(READONLY), conn), false);
    assert.deepEqual(pool.resent, []);
    assert.deepEqual(pool.rediscovered, []);
  });

  test('UNBLOCKED from a role change: resent; from CLIENT UNBLOCK: not taken', () => {
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 1000);
    const blpop = command('BLPOP');
    assert.equal(retries.onReplyError(blpop.c, err(UNBLOCKED_ROLE, 'BLPOP'), conn), true);
    assert.deepEqual(pool.resent, [blpop.c]);
    const other = command('BLPOP');
    assert.equal(retries.onReplyError(other.c, err(UNBLOCKED_CLIENT, 'BLPOP'), conn), false);
    assert.deepEqual(pool.resent, [blpop.c]);
  });

  test('MASTERDOWN on a replica pool: that replica is avoided, the pool rediscovers, the command is resent', () => {
    const pool = fakePool('slave');
    const retries = new ReplyRetries(pool, 1000);
    const { c } = command('GET');
    assert.equal(retries.onReplyError(c, err(MASTERDOWN, 'GET'), conn), true);
    assert.deepEqual(pool.avoided, [['127.0.0.1', 6390]]);
    assert.equal(pool.rediscovered.length, 1);
    assert.deepEqual(pool.resent, [c]);
  });

  test('any other error is the command’s own answer', () => {
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 1000);
    const { c } = command('INCR');
    assert.equal(retries.onReplyError(c, err('ERR value is not an integer or out of range', 'INCR'), conn), false);
    assert.deepEqual(pool.resent, []);
    assert.equal(c.attempts, 0);
  });

  test('a closed pool takes nothing', () => {
    const pool = fakePool('master');
    pool.closed = true;
    const retries = new ReplyRetries(pool, 1000);
    const { c } = command('SET');
    assert.equal(retries.onReplyError(c, err(READONLY), conn), false);
    assert.equal(retries.onReplyError(c, err(LOADING), conn), false);
    assert.deepEqual(pool.resent, []);
  });
});

describe('ReplyRetries: LOADING', () => {
  afterEach(() => mock.timers.reset());

  test('deferred, resent a little later, and given up after failoverTimeout', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 300);
    const { c } = command('GET');
    assert.equal(retries.onReplyError(c, err(LOADING, 'GET'), conn), true);
    assert.deepEqual(pool.resent, [], 'not at once');
    assert.deepEqual(pool.rediscovered, [], 'the server is right, only busy');
    mock.timers.tick(49);
    assert.equal(pool.resent.length, 0);
    mock.timers.tick(1);
    assert.deepEqual(pool.resent, [c], 'resent after 50 ms');
    // Still loading: the pause doubles.
    assert.equal(retries.onReplyError(c, err(LOADING, 'GET'), conn), true);
    mock.timers.tick(99);
    assert.equal(pool.resent.length, 1);
    mock.timers.tick(1);
    assert.equal(pool.resent.length, 2);
    assert.equal(retries.onReplyError(c, err(LOADING, 'GET'), conn), true);
    mock.timers.tick(200);
    assert.equal(pool.resent.length, 3);
    // 350 ms after the first LOADING: past failoverTimeout (300), the caller rejects it.
    mock.timers.tick(50);
    assert.equal(retries.onReplyError(c, err(LOADING, 'GET'), conn), false);
    mock.timers.tick(1000);
    assert.equal(pool.resent.length, 3, 'not resent again');
    assert.equal(c.attempts, 0, 'LOADING waits do not count as resends');
  });

  test('several commands meeting LOADING at once leave together; a settled one is not resent', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 1000);
    const a = command('GET');
    const b = command('GET');
    const settled = command('GET');
    for (const x of [a, b, settled]) assert.equal(retries.onReplyError(x.c, err(LOADING, 'GET'), conn), true);
    settled.c.done = true;
    mock.timers.tick(50);
    assert.deepEqual(pool.resent, [a.c, b.c]);
  });

  test('close() rejects the deferred commands and cancels the resend', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 1000);
    const { c, outcome } = command('GET');
    assert.equal(retries.onReplyError(c, err(LOADING, 'GET'), conn), true);
    retries.close(new PoolClosedError('Pool is closed'));
    assert.ok(outcome.error instanceof PoolClosedError);
    mock.timers.tick(1000);
    assert.deepEqual(pool.resent, []);
  });
});

function closeError(): ConnectionClosedError {
  return new ConnectionClosedError('Connection to 127.0.0.1:6390 closed before the reply arrived: ECONNRESET', {
    cause: new Error('ECONNRESET'),
    mayHaveBeenApplied: true,
  });
}

describe('ReplyRetries.onClosed (a connection closed with commands in flight)', () => {
  test('unwritten commands and written reads are resent; a written write rejects as maybe applied, counted in doubt', () => {
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 1000);
    const unwrittenSet = command('SET');
    const writtenGet = command('GET');
    const writtenSet = command('SET');
    retries.onClosed([unwrittenSet.c, writtenGet.c, writtenSet.c], [false, true, true], closeError(), conn);
    assert.deepEqual(pool.resent, [unwrittenSet.c, writtenGet.c]);
    assert.equal(unwrittenSet.c.attempts, 1);
    assert.equal(writtenGet.c.attempts, 1);
    const e = writtenSet.outcome.error;
    assert.ok(e instanceof ConnectionClosedError);
    assert.equal(e.mayHaveBeenApplied, true);
    assert.equal((e.cause as Error).message, 'ECONNRESET');
    assert.equal(pool.inDoubt, 1);
  });

  test(`resends stop after ${MAX_ATTEMPTS}: an unwritten command then rejects as not applied, not in doubt`, () => {
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 1000);
    const { c, outcome } = command('SET');
    c.attempts = MAX_ATTEMPTS;
    retries.onClosed([c], [false], closeError(), conn);
    assert.deepEqual(pool.resent, []);
    assert.ok(outcome.error instanceof ConnectionClosedError);
    assert.equal(outcome.error.mayHaveBeenApplied, false);
    assert.match(outcome.error.message, /closed before the command was sent/);
    assert.equal(pool.inDoubt, 0);
  });

  test('a written read past its resends rejects as maybe applied (its reply was lost)', () => {
    const pool = fakePool('slave');
    const retries = new ReplyRetries(pool, 1000);
    const { c, outcome } = command('GET');
    c.attempts = MAX_ATTEMPTS;
    retries.onClosed([c], [true], closeError(), conn);
    assert.ok(outcome.error instanceof ConnectionClosedError);
    assert.equal(outcome.error.mayHaveBeenApplied, true);
    assert.equal(pool.inDoubt, 1);
  });

  test('a transaction (attempts = Infinity) is never resent piecemeal', () => {
    const pool = fakePool('master');
    const retries = new ReplyRetries(pool, 1000);
    const { c, outcome } = command('GET');
    c.attempts = Infinity;
    retries.onClosed([c], [false], closeError(), conn);
    assert.deepEqual(pool.resent, []);
    assert.ok(outcome.error instanceof ConnectionClosedError);
  });

  test('on a closed pool everything rejects PoolClosedError', () => {
    const pool = fakePool('master');
    pool.closed = true;
    const retries = new ReplyRetries(pool, 1000);
    const a = command('SET');
    const b = command('GET');
    retries.onClosed([a.c, b.c], [true, false], closeError(), conn);
    assert.ok(a.outcome.error instanceof PoolClosedError);
    assert.ok(b.outcome.error instanceof PoolClosedError);
    assert.deepEqual(pool.resent, []);
    assert.equal(pool.inDoubt, 0);
  });
});
