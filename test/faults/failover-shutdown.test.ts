import { test } from 'node:test';
import { failoverUnderLoad } from './run-failovers.js';
import { guardProcess } from './process-guard.js';
import { faultRounds, testTimeout } from './workload.js';

guardProcess('failover-shutdown');

const rounds = faultRounds('shutdown');

test(
  `${rounds} failovers after SHUTDOWN NOSAVE of the master (then restarted as a replica) under 50 writers lose no acknowledged write`,
  { timeout: testTimeout(rounds) },
  async (t) => {
    await failoverUnderLoad(t, 'shutdown', rounds);
  },
);
