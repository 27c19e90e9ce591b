import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medianInterval, quantile } from '../../bench/stats.js';
import { costRatio, costRatioInterval, type CellSummary } from '../../bench/report.js';
import type { WorkerResult } from '../../bench/common.js';

const round = (r: number, opsPerSec: number): WorkerResult => ({
  ops: opsPerSec,
  elapsedMs: 1000,
  opsPerSec,
  p50: 0,
  p99: 0,
  samples: 1,
  maxRssKb: 0,
  cpuUsPerOp: 1,
  totalCpuUs: 0,
  warnings: [],
  round: r,
});

const cell = (rounds: WorkerResult[]): CellSummary => ({
  rounds,
  errors: [],
  median: { opsPerSec: 0, p50: 0, p99: 0, maxRssKb: 0, cpuUsPerOp: 1 },
});

test('medianInterval: below 3 values it says nothing; equal values give a point', () => {
  assert.deepEqual(medianInterval([]), [NaN, NaN]);
  assert.deepEqual(medianInterval([1, 2]), [NaN, NaN]);
  assert.deepEqual(medianInterval([0.9, 0.9, 0.9, 0.9]), [0.9, 0.9]);
});

test('medianInterval holds the median, stays within the values, narrows with more of them and repeats itself', () => {
  const spread = [0.86, 0.91, 0.93, 0.94, 0.95, 0.97, 1.02];
  const [low, high] = medianInterval(spread);
  assert.ok(low <= 0.94 && 0.94 <= high, `[${low}, ${high}] holds the median 0.94`);
  assert.ok(low >= 0.86 && high <= 1.02);
  assert.ok(high - low > 0, 'seven different values leave some doubt');
  assert.deepEqual(medianInterval(spread), [low, high], 'seeded: the same values print the same interval');
  const many = Array.from({ length: 9 }, () => spread).flat();
  const [manyLow, manyHigh] = medianInterval(many);
  assert.ok(manyHigh - manyLow < high - low, `63 values [${manyLow}, ${manyHigh}] are surer than 7 [${low}, ${high}]`);
});

test('quantile takes the lower value between two and NaN of nothing', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
  assert.equal(quantile([1, 2, 3, 4], 1), 4);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('costRatioInterval pairs each variant round with its base round by number, not by position', () => {
  const base = cell([round(0, 100), round(1, 200), round(2, 400), round(3, 800)]);
  // The variant's rounds arrive in another order; each is 0.9x of its own base round.
  const variant = cell([round(3, 720), round(0, 90), round(2, 360), round(1, 180)]);
  assert.equal(costRatio(variant, base), 0.9);
  const [low, high] = costRatioInterval(variant, base);
  assert.ok(Math.abs(low - 0.9) < 1e-12 && Math.abs(high - 0.9) < 1e-12, `[${low}, ${high}]`);
  assert.deepEqual(costRatioInterval(undefined, base), [NaN, NaN]);
  assert.deepEqual(costRatioInterval(cell([round(0, 90)]), base), [NaN, NaN], 'one paired round: no interval');
});
