import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { command } from '../../src/testing/commands.js';
import { failoverUnderLoad } from './run-failovers.js';
import { guardProcess } from './process-guard.js';
import { faultRounds, testTimeout } from './workload.js';

const guard = guardProcess('durability');
after(() => guard.assertNone());

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
    // failoverUnderLoad asserted missing === 0 etc. Each kind of in-doubt error on its own:
    const { workload } = run;
    const tally = (kind: 'DurabilityError' | 'ConnectionClosedError' | 'other') =>
      workload.byKind.get(kind) ?? { total: 0, inDoubt: 0, ids: new Set<string>() };
    const durability = tally('DurabilityError');
    const closed = tally('ConnectionClosedError');
    const other = tally('other');
    t.diagnostic(
      `[faults] durability: DurabilityError ${durability.total} (in doubt ${durability.inDoubt}), ` +
        `ConnectionClosedError ${closed.total} (in doubt ${closed.inDoubt}, not applied ${closed.total - closed.inDoubt}), ` +
        `other ${other.total} (in doubt ${other.inDoubt})`,
    );
    // A DurabilityError: the write ran on the master, its replication was not confirmed: always in doubt, never "not applied".
    assert.equal(durability.inDoubt, durability.total, 'every DurabilityError says mayHaveBeenApplied');
    assert.deepEqual(
      [...durability.ids].filter((id) => !workload.inDoubtIds.has(id) || workload.rejectedIds.has(id)),
      [],
      'RPUSH ids rejected with DurabilityError are counted as in doubt, not as rejected',
    );
    // A ConnectionClosedError says either way; those saying "not applied" were checked as phantoms by failoverUnderLoad.
    assert.deepEqual(
      [...closed.ids].filter((id) => workload.inDoubtIds.has(id) === workload.rejectedIds.has(id)),
      [],
      'each RPUSH id rejected with ConnectionClosedError is either in doubt or not applied',
    );
    // No other kind of error may claim a write may have been applied.
    assert.equal(other.inDoubt, 0, 'only DurabilityError and ConnectionClosedError are in doubt');
    // The in-doubt totals are exactly these two kinds.
    assert.equal(
      workload.incr.inDoubt + workload.rpush.inDoubt,
      durability.inDoubt + closed.inDoubt,
      'in-doubt count = DurabilityError + in-doubt ConnectionClosedError',
    );
  },
);
