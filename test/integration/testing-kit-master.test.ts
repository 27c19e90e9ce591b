// The testing kit's `topology.master` against what the sentinels report: after a failover Sentinel ran on
// its own (as it does when it judges a loaded master down), after a sentinel restarted with the old
// master in its config, through kill -> waitForMasterChange -> restart cycles, and failover() called
// while a failover is already under way.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor, type SentinelTopology } from '../../src/testing/index.js';
import { command, pairsToRecord, parseAddressReply, parseInfo } from '../../src/testing/commands.js';
import type { Address } from '../../src/types.js';
import { countSentinelEvents, sentinelsSettled, withTopology } from '../helpers/sentinel.js';

const PASSWORD = 'kit-master-secret';

/** What one sentinel answers to GET-MASTER-ADDR-BY-NAME now. */
async function reportedBy(topology: SentinelTopology, index: number): Promise<Address | null> {
  const sentinel = topology.sentinelServers[index]!;
  return parseAddressReply(
    await command(sentinel.address, { timeoutMs: 1_000 }, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', topology.service),
  );
}

async function role(address: Address): Promise<string> {
  return parseInfo(await command(address, { password: PASSWORD, timeoutMs: 1_000 }, 'INFO', 'replication')).role!;
}

/**
 * SENTINEL FAILOVER sent straight to the sentinel, not through the kit: to the kit this is a failover
 * Sentinel started on its own. Resolves with the new master once the failover has ended on it.
 */
async function failoverBehindTheKit(topology: SentinelTopology, old: Address): Promise<Address> {
  await waitFor(
    'SENTINEL FAILOVER to be accepted',
    () => command(topology.sentinelAddresses[0]!, {}, 'SENTINEL', 'FAILOVER', topology.service),
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  // Until the end of the failover: a promoted node killed before it would leave the sentinel stuck.
  return waitFor(
    'the sentinel to end the failover on a new master',
    async () => {
      const now = await reportedBy(topology, 0);
      if (!now || now[1] === old[1] || (await role(now)) !== 'master') return undefined;
      const state = pairsToRecord(
        await command(topology.sentinelAddresses[0]!, {}, 'SENTINEL', 'MASTER', topology.service),
      );
      return Number(state.port) === now[1] && !state.flags!.includes('failover') ? now : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}

describe('testing kit: topology.master follows the sentinels', { timeout: 180_000 }, () => {
  test('after a failover the kit did not run, killMaster() kills the master the sentinels name', async () => {
    await withTopology({ replicas: 2, password: PASSWORD }, async (topology) => {
      const oldNode = topology.master;
      const next = await failoverBehindTheKit(topology, oldNode.address);

      const killed = await topology.killMaster();
      assert.deepEqual(killed, next, 'the killed node is the one the sentinel names, not the last one the kit saw');
      assert.ok(oldNode.running, 'the former master was left alone');
      const killedNode = topology.servers.find((s) => s.port === next[1])!;
      assert.equal(killedNode.running, false);

      const promoted = await topology.waitForMasterChange(killed, 30_000);
      await killedNode.restart();
      assert.notDeepEqual(promoted, killed);
      assert.deepEqual(topology.master.address, promoted);
    });
  });

  test('after a failover the kit did not run, waitForReplicas() waits on the master the sentinels name', async () => {
    await withTopology({ replicas: 2, password: PASSWORD }, async (topology) => {
      const next = await failoverBehindTheKit(topology, topology.master.address);

      // The former master is demoted by Sentinel only 8-10 s after the switch.
      await topology.waitForReplicas(topology.service, 30_000);
      assert.deepEqual(topology.master.address, next);
      for (const node of topology.replicas) {
        const info = parseInfo(await command(node.address, { password: PASSWORD }, 'INFO', 'replication'));
        assert.equal(info.role, 'slave');
        assert.equal(Number(info.master_port), next[1], `${node.port} replicates from the new master`);
      }
    });
  });

  test('a sentinel restarted with the old master in its config does not take master back', async (t) => {
    await withTopology({ replicas: 1, sentinels: 3, quorum: 2, password: PASSWORD }, async (topology) => {
      const old = topology.master.address;
      // The first sentinel, the one a "first that answers" lookup asks, misses the failover.
      const stale = topology.sentinelServers[0]!;
      await stale.kill('SIGKILL');
      const next = await topology.failover({ timeoutMs: 30_000 });
      assert.notDeepEqual(next, old);

      await stale.restart();
      // Until a hello from the others reaches it (every 2 s), it names the master in its config.
      const first = await reportedBy(topology, 0);
      t.diagnostic(`the restarted sentinel first reported ${String(first?.[1])} (old ${old[1]}, new ${next[1]})`);

      assert.deepEqual(await topology.masterAddress(), next);
      assert.deepEqual(topology.master.address, next);
      // And the restarted sentinel does come round to it.
      await sentinelsSettled(topology);
      assert.deepEqual(await reportedBy(topology, 0), next);
      assert.deepEqual(topology.master.address, next);
    });
  });

  test('failover() while a failover is under way waits for it and does not start a second one', async () => {
    await withTopology({ replicas: 2, password: PASSWORD }, async (topology) => {
      const old = topology.master.address;
      const tries = await countSentinelEvents(topology, '+try-failover');
      try {
        await waitFor(
          'SENTINEL FAILOVER to be accepted',
          () => command(topology.sentinelAddresses[0]!, {}, 'SENTINEL', 'FAILOVER', topology.service),
          { timeoutMs: 10_000, intervalMs: 100 },
        );
        // The kit is told INPROG until that failover ends; asking again then would start a second one.
        const next = await topology.failover({ timeoutMs: 30_000 });
        assert.notDeepEqual(next, old);
        // A second SENTINEL FAILOVER accepted before failover() returned would have started well before
        // the replicas settle (Sentinel starts an accepted failover within 100 ms: +try-failover).
        await topology.waitForReplicas(topology.service, 30_000);
        assert.equal(tries.count(), 1, 'one +try-failover: the one asked for behind the kit');
        assert.deepEqual(await reportedBy(topology, 0), next);
        const state = pairsToRecord(
          await command(topology.sentinelAddresses[0]!, {}, 'SENTINEL', 'MASTER', topology.service),
        );
        assert.ok(!state.flags!.includes('failover'), `no failover in progress (flags ${state.flags})`);
      } finally {
        await tries.close();
      }
    });
  });

  test('waitForMasterChange that times out ends its error with each sentinel log tail', async () => {
    await withTopology({ replicas: 1, sentinels: 2 }, async (topology) => {
      const error = await topology.waitForMasterChange(topology.master.address, 300).then(
        () => assert.fail('no failover happened, yet the master changed'),
        (e: unknown) => e as Error,
      );
      assert.match(error.message, /agree on a new master/);
      for (const s of topology.sentinelServers) {
        assert.ok(error.message.includes(`--- ${s.describe()}, last 15 log lines ---`), error.message);
      }
      assert.match(error.message, /monitor master|Sentinel ID/, 'lines of the sentinels own logs');
    });
  });

  test('kill -> waitForMasterChange -> restart, three times: master is what every sentinel names', async (t) => {
    await withTopology({ services: ['mymaster', 'other'], replicas: 2, password: PASSWORD }, async (topology) => {
      for (let round = 0; round < 3; round++) {
        await sentinelsSettled(topology);
        const node = topology.master;
        const old = node.address;
        assert.deepEqual(await reportedBy(topology, 0), old, `round ${round}: the kit's master is the sentinel's`);
        const switches = await countSentinelEvents(topology, '+switch-master', topology.service);
        try {
          await node.kill('SIGKILL');
          const promoted = await topology.waitForMasterChange(old, 30_000);
          await node.restart();
          assert.deepEqual(topology.master.address, promoted);

          await sentinelsSettled(topology);
          const reported = await reportedBy(topology, 0);
          assert.deepEqual(topology.master.address, reported, `round ${round}: after the restart`);
          assert.equal(await role(reported!), 'master');
          // Sentinel may fail over again on its own (a new master busy with full syncs misses the 1 s
          // down-after) and may then pick the restarted node; without a second switch it cannot be master.
          if (topology.master === node) {
            await waitFor(
              `round ${round}: a second +switch-master to explain the restarted node as master`,
              () => switches.count() >= 2,
              {
                timeoutMs: 5_000,
              },
            );
            t.diagnostic(`round ${round}: Sentinel failed over again on its own, to the restarted node`);
          }
        } finally {
          await switches.close();
        }
      }
    });
  });
});
