import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from '../../src/connection/command.js';
import type { RedisConnection } from '../../src/connection/connection.js';
import { confirmWritesOnEach } from '../../src/pool/confirm-writes.js';

/** A connection as confirmWritesOnEach sees it, keeping what was enqueued on it. */
function fake(hasWritten: boolean, closed = false): RedisConnection & { sent: Command[] } {
  const sent: Command[] = [];
  return { hasWritten, closed, sent, enqueue: (c: Command) => sent.push(c) } as unknown as RedisConnection & {
    sent: Command[];
  };
}

function command(name: string, args: number[]): { command: Command; settled: Promise<unknown> } {
  let made!: Command;
  const settled = new Promise<unknown>((resolve, reject) => {
    made = new Command(name, args, false, resolve, reject);
  });
  return { command: made, settled };
}

test('no connection wrote (or only closed ones): the caller sends it as usual', () => {
  const { command: wait } = command('WAIT', [1, 100]);
  assert.equal(confirmWritesOnEach(wait, [fake(false), fake(true, true)]), false);
  assert.equal(wait.attempts, Infinity, 'never sent again elsewhere');
  assert.equal(wait.inDoubtWeight, 0, 'a lost WAIT applied nothing');
});

test('one connection wrote: the command itself goes there', () => {
  const idle = fake(false);
  const writer = fake(true);
  const { command: wait } = command('WAIT', [1, 100]);
  assert.equal(confirmWritesOnEach(wait, [idle, writer]), true);
  assert.deepEqual(idle.sent, []);
  assert.deepEqual(writer.sent, [wait]);
});

test('several wrote: one WAIT each, the smallest answer once all answered', async () => {
  const a = fake(true);
  const b = fake(true);
  const { command: wait, settled } = command('WAIT', [2, 100]);
  assert.equal(confirmWritesOnEach(wait, [a, fake(false), b]), true);
  assert.equal(a.sent.length + b.sent.length, 2);
  assert.equal(a.sent[0]!.attempts, Infinity);
  assert.equal(a.sent[0]!.inDoubtWeight, 0);
  a.sent[0]!.resolve(2);
  b.sent[0]!.resolve(1);
  assert.equal(await settled, 1);
});

test('WAITAOF: the smallest of each of [local, replicas]', async () => {
  const a = fake(true);
  const b = fake(true);
  const { command: waitaof, settled } = command('WAITAOF', [1, 1, 100]);
  confirmWritesOnEach(waitaof, [a, b]);
  a.sent[0]!.resolve([1, 0]);
  b.sent[0]!.resolve([0, 1]);
  assert.deepEqual(await settled, [0, 0]);
});

test('one part fails: the command rejects with that error, after every part settled', async () => {
  const a = fake(true);
  const b = fake(true);
  const { command: wait, settled } = command('WAIT', [1, 100]);
  confirmWritesOnEach(wait, [a, b]);
  let done = false;
  void settled.catch(() => (done = true));
  const error = new Error('connection lost');
  a.sent[0]!.reject(error);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'waits for the other part');
  b.sent[0]!.resolve(1);
  await assert.rejects(settled, (e) => e === error);
});
