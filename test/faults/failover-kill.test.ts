import { after, test } from 'node:test';
import { failoverUnderLoad } from './run-failovers.js';
import { guardProcess } from './process-guard.js';
import { faultRounds, testTimeout } from './workload.js';

const guard = guardProcess('failover-kill');
after(() => guard.assertNone());

const rounds = faultRounds('kill');

test(
  `${rounds} crash failovers (SIGKILL the master, then restart it as a replica) under 50 writers lose no acknowledged write`,
  { timeout: testTimeout(rounds) },
  async (t) => {
    await failoverUnderLoad(t, 'kill', rounds);
  },
);
