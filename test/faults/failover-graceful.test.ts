import { after, test } from 'node:test';
import { failoverUnderLoad } from './run-failovers.js';
import { guardProcess } from './process-guard.js';
import { faultRounds, testTimeout } from './workload.js';

const guard = guardProcess('failover-graceful');
after(() => guard.assertNone());

const rounds = faultRounds('graceful');

test(
  `${rounds} graceful failovers (SENTINEL FAILOVER) under 50 writers lose no acknowledged write`,
  { timeout: testTimeout(rounds) },
  async (t) => {
    await failoverUnderLoad(t, 'graceful', rounds);
  },
);
