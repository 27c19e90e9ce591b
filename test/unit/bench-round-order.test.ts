import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENTS, roundOrder, runsIn, type ClientSpec } from '../../bench/common.js';

const spec = (id: string, costOf?: string): ClientSpec => ({
  id,
  kind: 'ours',
  mode: 'plain',
  label: id,
  ...(costOf !== undefined ? { costOf } : {}),
});

test('roundOrder runs every client once per round and rotates the bases', () => {
  const clients = [spec('a'), spec('b'), spec('c')];
  assert.deepEqual(
    roundOrder(clients, 0).map((c) => c.id),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    roundOrder(clients, 1).map((c) => c.id),
    ['b', 'c', 'a'],
  );
  assert.deepEqual(
    roundOrder(clients, 2).map((c) => c.id),
    ['c', 'a', 'b'],
  );
});

test('roundOrder puts each cost variant right beside its base, after it in even rounds and before it in odd ones', () => {
  const clients = [spec('a'), spec('a-traced', 'a'), spec('b'), spec('a-span', 'a'), spec('c'), spec('c-durable', 'c')];
  assert.deepEqual(
    roundOrder(clients, 0).map((c) => c.id),
    ['a', 'a-traced', 'a-span', 'b', 'c', 'c-durable'],
  );
  assert.deepEqual(
    roundOrder(clients, 1).map((c) => c.id),
    ['b', 'c-durable', 'c', 'a-span', 'a-traced', 'a'],
  );
});

test('roundOrder treats a variant whose base does not run in the scenario as a base of its own', () => {
  const clients = [spec('b'), spec('a-traced', 'a')];
  assert.deepEqual(
    roundOrder(clients, 1).map((c) => c.id),
    ['a-traced', 'b'],
  );
});

test('every round of every scenario of the real bench runs each eligible client exactly once', () => {
  for (const scenario of ['seq-setget', 'get-c100', 'pipeline-100', 'pubsub'] as const) {
    const eligible = CLIENTS.filter((c) => runsIn(c, scenario));
    for (let round = 0; round < 7; round++) {
      const order = roundOrder(eligible, round).map((c) => c.id);
      assert.deepEqual([...order].sort(), eligible.map((c) => c.id).sort(), `${scenario} round ${round}`);
    }
  }
});
