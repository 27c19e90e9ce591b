import { after, test } from 'node:test';
import { failoverUnderLoad } from './run-failovers.js';
import { guardProcess } from './process-guard.js';
import { faultRounds, testTimeout } from './workload.js';

const guard = guardProcess('failover-shutdown');
after(() => guard.assertNone());

const rounds = faultRounds('shutdown');

test(
  `${rounds} failovers after SHUTDOWN NOSAVE of the master (then restarted as a replica) under 50 writers lose no acknowledged write`,
  { timeout: testTimeout(rounds) },
  async (t) => {
    await failoverUnderLoad(t, 'shutdown', rounds);
  },
);
