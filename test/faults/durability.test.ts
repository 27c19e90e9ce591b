import { test } from 'node:test';
import assert from 'node:assert/strict';
import { command } from '../../src/testing/commands.js';
import { failoverUnderLoad } from './run-failovers.js';
import { faultRounds, testTimeout } from './workload.js';

// One crash round in three of the kill suite's count, at least 2.
const rounds = Math.max(2, Math.ceil(faultRounds('kill') / 3));

test(
  `durability { replicas: 1, timeout: 500 }: ${rounds} crash failovers (SIGKILL) under 50 writers lose no acknowledged write`,
  { timeout: testTimeout(rounds) },
  async (t) => {
    const run = await failoverUnderLoad(t, 'kill', rounds, {
      label: 'durability',
      client: { durability: { replicas: 1, timeout: 500 } },
      onFinish: async (_topology, master) => {
        // The option was in force: the final master ran WAIT commands (one per flush of writes).
        const stats = String(await command(master, {}, 'INFO', 'commandstats'));
        const calls = Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
        t.diagnostic(`[faults] durability: the final master ran WAIT ${calls} times`);
        assert.ok(calls > 0, 'the final master ran WAIT');
      },
    });
    // failoverUnderLoad asserted missing === 0 etc.; here: a DurabilityError (if any) counts as in doubt, never as lost.
    const durabilityErrors = run.workload.errors.get('DurabilityError') ?? 0;
    assert.ok(
      durabilityErrors <= run.workload.incr.inDoubt + run.workload.rpush.inDoubt,
      'every DurabilityError is counted as in doubt (mayHaveBeenApplied)',
    );
  },
);
