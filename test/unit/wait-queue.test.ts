import { afterEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from '../../src/connection/command.js';
import { RedisError } from '../../src/errors.js';
import { WaitQueue } from '../../src/pool/wait-queue.js';

function command(name = 'GET') {
  const outcome: { error?: Error } = {};
  const c = new Command(
    name,
    [],
    false,
    () => undefined,
    (e) => {
      outcome.error = e;
    },
  );
  return { c, outcome };
}

/** A queue whose errors say why and how many still wait. */
function queue(limitMs: number, maxLength = Infinity) {
  const calls: ['timeout' | 'full', number][] = [];
  const q = new WaitQueue(limitMs, maxLength, (reason, length) => {
    calls.push([reason, length]);
    return new RedisError(`${reason} (${length} waiting)`);
  });
  return { q, calls };
}

/** The rejection message so far (a call, so an earlier assertion does not narrow it). */
function message(outcome: { error?: Error }): string {
  return outcome.error?.message ?? '';
}

function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('WaitQueue', () => {
  afterEach(() => mock.timers.reset());

  test('keeps order: peek and shift return the oldest first', () => {
    const { q } = queue(0);
    const a = command();
    const b = command();
    const c = command();
    q.push(a.c);
    q.push(b.c);
    q.push(c.c);
    assert.equal(q.length, 3);
    assert.equal(q.peek(), a.c);
    assert.equal(q.shift(), a.c);
    assert.equal(q.shift(), b.c);
    assert.equal(q.peek(), c.c);
    assert.equal(q.shift(), c.c);
    assert.equal(q.shift(), undefined);
    assert.equal(q.length, 0);
  });

  test('maxLength: a command past the limit rejects at once ("full") and is not queued', () => {
    const { q, calls } = queue(0, 2);
    q.push(command().c);
    q.push(command().c);
    const third = command();
    q.push(third.c);
    assert.equal(q.length, 2);
    assert.match(message(third.outcome), /full \(2 waiting\)/);
    assert.deepEqual(calls, [['full', 2]]);
    // Room again once one leaves.
    q.shift();
    const fourth = command();
    q.push(fourth.c);
    assert.equal(q.length, 2);
    assert.equal(fourth.outcome.error, undefined);
  });

  test('limitMs: each command rejects "timeout" once it waited that long, oldest first, the rest keep waiting', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const { q, calls } = queue(100);
    const a = command();
    q.push(a.c);
    mock.timers.tick(40);
    const b = command();
    q.push(b.c);
    mock.timers.tick(60);
    // The timer fires 1 ms after the deadline.
    assert.equal(a.outcome.error, undefined);
    mock.timers.tick(1);
    assert.match(message(a.outcome), /timeout/);
    assert.equal(a.c.done, true);
    assert.equal(b.outcome.error, undefined, 'b has waited 61 ms only');
    assert.equal(q.length, 1);
    assert.deepEqual(calls, [['timeout', 1]]);
    // The timer was armed again for b.
    mock.timers.tick(40);
    assert.match(message(b.outcome), /timeout/);
    assert.equal(q.length, 0);
  });

  test('a command that expired while settled elsewhere (done) is dropped without a second rejection', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const { q, calls } = queue(50);
    const a = command();
    q.push(a.c);
    a.c.done = true;
    mock.timers.tick(51);
    assert.equal(a.outcome.error, undefined);
    assert.deepEqual(calls, []);
    assert.equal(q.length, 0);
  });

  test('limitMs 0: commands wait for ever and no timer is armed', () => {
    const before = activeTimeouts();
    const { q } = queue(0);
    q.push(command().c);
    assert.equal(activeTimeouts(), before);
    q.rejectAll(new Error('done'));
  });

  test('the expiry timer is cleared when the queue empties (shift), so it keeps nothing alive', () => {
    const before = activeTimeouts();
    const { q } = queue(60_000);
    q.push(command().c);
    q.push(command().c);
    assert.equal(activeTimeouts(), before + 1, 'one timer for the whole queue');
    q.shift();
    assert.equal(activeTimeouts(), before + 1, 'still one waiting');
    q.shift();
    assert.equal(activeTimeouts(), before);
  });

  test('rejectAll rejects every waiting command with the error, skips settled ones, and clears the timer', () => {
    const before = activeTimeouts();
    const { q } = queue(60_000);
    const a = command();
    const b = command();
    q.push(a.c);
    q.push(b.c);
    b.c.done = true;
    const error = new Error('pool closed');
    q.rejectAll(error);
    assert.equal(a.outcome.error, error);
    assert.equal(b.outcome.error, undefined);
    assert.equal(q.length, 0);
    assert.equal(activeTimeouts(), before);
  });
});
