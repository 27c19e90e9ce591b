import { test } from 'node:test';
import { failoverUnderLoad } from './run-failovers.js';
import { guardProcess } from './process-guard.js';
import { faultRounds, testTimeout } from './workload.js';

guardProcess('failover-kill');

const rounds = faultRounds('kill');

test(
  `${rounds} crash failovers (SIGKILL the master, then restart it as a replica) under 50 writers lose no acknowledged write`,
  { timeout: testTimeout(rounds) },
  async (t) => {
    await failoverUnderLoad(t, 'kill', rounds);
  },
);
