import { after, test } from 'node:test';
import { failoverUnderLoad } from './run-failovers.js';
import { guardProcess } from './process-guard.js';
import { faultRounds, testTimeout } from './workload.js';

const guard = guardProcess('failover-freeze');
after(() => guard.assertNone());

const rounds = faultRounds('freeze');

test(
  `${rounds} freeze failovers (SIGSTOP the master until the sentinels replace it, then SIGCONT) under 50 writers lose no acknowledged write`,
  { timeout: testTimeout(rounds) },
  async (t) => {
    await failoverUnderLoad(t, 'freeze', rounds);
  },
);
