import { afterEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ManagedPool } from '../../src/sentinel/managed-pool.js';
import { FailoverFollower, type FollowerHost, type SentinelEvents } from '../../src/sentinel/failover-follower.js';
import type { Address } from '../../src/types.js';

/** A stand-in for a ManagedPool: records each call the follower makes. */
function fakePool(heldMs = 0) {
  const calls: [string, ...unknown[]][] = [];
  const pool = {
    calls,
    holdWrites: () => void calls.push(['holdWrites']),
    releaseHold: (why: string) => {
      calls.push(['releaseHold', why]);
      return 0;
    },
    switchMaster: (to: Address) => {
      calls.push(['switchMaster', to]);
      return heldMs;
    },
    masterDown: (address: Address) => void calls.push(['masterDown', address]),
    masterUp: () => void calls.push(['masterUp']),
    replicaGone: (address: Address) => void calls.push(['replicaGone', address]),
    replicaBack: () => void calls.push(['replicaBack']),
    named: (name: string) => calls.filter((c) => c[0] === name),
  };
  return pool;
}

type Emitted = { [E in keyof SentinelEvents]: [E, SentinelEvents[E]] }[keyof SentinelEvents];

/** A host with one master and one replica pool for `mymaster`, recording events and peers. */
function setup(
  options: {
    mapAddress?: (host: string, port: number) => Address;
    heldMs?: number;
    onEmit?: (event: string) => void;
  } = {},
) {
  const master = fakePool(options.heldMs);
  const slave = fakePool();
  const emitted: Emitted[] = [];
  const peers: Address[] = [];
  const host: FollowerHost = {
    masterPool: (service) => (service === 'mymaster' ? (master as unknown as ManagedPool) : undefined),
    slavePool: (service) => (service === 'mymaster' ? (slave as unknown as ManagedPool) : undefined),
    mapAddress: options.mapAddress ?? ((h, p) => [h, p]),
    addPeer: (address) => void peers.push(address),
    emit: (event, payload) => {
      options.onEmit?.(event);
      emitted.push([event, payload] as Emitted);
    },
    log: () => undefined,
  };
  const follower = new FailoverFollower(host, 1000);
  const userEvents = () => emitted.map(([e]) => e);
  return { follower, master, slave, emitted, userEvents, peers };
}

const OLD = 'master mymaster 127.0.0.1 6379';
const NEW_REPLICA = 'slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379';
const SENTINELS = ['127.0.0.1:26379', '127.0.0.1:26380', '127.0.0.1:26381'];

/** What three sentinels publish for one failover of mymaster (6379 -> 6380), as in bench/results/failover.md. */
function failover(follower: FailoverFollower): void {
  const all = (event: string, data: string) => {
    for (const s of SENTINELS) follower.onEvent(event, data, s);
  };
  const leader = (event: string, data: string) => follower.onEvent(event, data, SENTINELS[0]!);
  all('+sdown', OLD);
  follower.onEvent('+odown', `${OLD} #quorum 2/2`, SENTINELS[0]!);
  follower.onEvent('+odown', `${OLD} #quorum 3/2`, SENTINELS[1]!);
  all('+new-epoch', '1');
  leader('+try-failover', OLD);
  leader('+vote-for-leader', 'e7339810c8718ed3c5a005ea6715dd70cb1ce1e8 1');
  leader('+elected-leader', OLD);
  leader('+failover-state-select-slave', OLD);
  leader('+selected-slave', NEW_REPLICA);
  leader('+failover-state-send-slaveof-noone', NEW_REPLICA);
  leader('+failover-state-wait-promotion', NEW_REPLICA);
  leader('+promoted-slave', NEW_REPLICA);
  leader('+failover-state-reconf-slaves', OLD);
  leader('+failover-end', OLD);
  all('+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 6380');
  all('+slave', 'slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380');
}

/** A natMap: what the sentinels call 127.0.0.1:p the client reaches at 10.1.0.1:p+1000. */
function natMap(host: string, port: number): Address {
  return host === '127.0.0.1' ? ['10.1.0.1', port + 1000] : [host, port];
}

describe('FailoverFollower', () => {
  afterEach(() => mock.timers.reset());

  test("'failover-start' is emitted once writes are held: a listener's write waits for the new master", () => {
    const callsAtStart: string[] = [];
    const { follower, master, emitted } = setup({
      onEmit: (event) => {
        if (event === 'failover-start') callsAtStart.push(...master.calls.map((c) => c[0]));
      },
    });
    follower.onEvent('+try-failover', OLD, SENTINELS[0]!);
    assert.deepEqual(
      emitted.map(([e]) => e),
      ['failover-start'],
    );
    assert.ok(callsAtStart.includes('holdWrites'), `holdWrites before the event: [${callsAtStart.join(', ')}]`);
  });

  test('a failover reported by 3 sentinels: one failover-start, one switch-master, one failover-end, in order', () => {
    const { follower, master, slave, emitted, userEvents } = setup({ heldMs: 321 });
    failover(follower);
    assert.deepEqual(userEvents(), ['failover-start', 'switch-master', 'failover-end']);
    assert.deepEqual(emitted[0], ['failover-start', { service: 'mymaster' }]);
    assert.deepEqual(emitted[1], [
      'switch-master',
      { service: 'mymaster', from: ['127.0.0.1', 6379], to: ['127.0.0.1', 6380] },
    ]);
    assert.deepEqual(emitted[2], ['failover-end', { service: 'mymaster', heldMs: 321 }]);
    // The identical +switch-master of the other two sentinels changes nothing.
    assert.deepEqual(master.named('switchMaster'), [['switchMaster', ['127.0.0.1', 6380]]]);
    assert.ok(master.named('holdWrites').length >= 1, 'writes held from +try-failover');
    assert.equal(master.calls[0]?.[0], 'masterDown', '+odown comes first');
    assert.deepEqual(master.named('masterDown')[0], ['masterDown', ['127.0.0.1', 6379]]);
    // The replica being promoted leaves the replica pool; so does the new master after the switch.
    assert.ok(slave.named('replicaGone').every(([, a]) => (a as Address)[1] === 6380));
    assert.ok(slave.named('replicaGone').length >= 1);
  });

  test('the switch-master event comes before failover-end and after the pools moved', () => {
    const { follower, master, emitted } = setup();
    const order: string[] = [];
    const originalSwitch = master.switchMaster;
    master.switchMaster = (to: Address) => {
      order.push(`pool ${to[1]} (events so far: ${emitted.map(([e]) => e).join(',')})`);
      return originalSwitch(to);
    };
    follower.onEvent('+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 6380', SENTINELS[0]!);
    assert.deepEqual(order, ['pool 6380 (events so far: switch-master)']);
    assert.deepEqual(
      emitted.map(([e]) => e),
      ['switch-master', 'failover-end'],
    );
  });

  test('a late copy of +switch-master (past the duplicate window) emits nothing new but still points the pool there', () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { follower, master, userEvents } = setup();
    failover(follower);
    mock.timers.tick(3000);
    follower.onEvent('+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 6380', SENTINELS[2]!);
    assert.deepEqual(userEvents(), ['failover-start', 'switch-master', 'failover-end']);
    assert.equal(master.named('switchMaster').length, 2);
  });

  test('two failovers in a row: two of each event', () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { follower, userEvents } = setup();
    failover(follower);
    mock.timers.tick(10_000);
    const back = 'master mymaster 127.0.0.1 6380';
    follower.onEvent('+try-failover', back, SENTINELS[1]!);
    follower.onEvent('+elected-leader', back, SENTINELS[1]!);
    for (const s of SENTINELS) follower.onEvent('+switch-master', 'mymaster 127.0.0.1 6380 127.0.0.1 6379', s);
    assert.deepEqual(userEvents(), [
      'failover-start',
      'switch-master',
      'failover-end',
      'failover-start',
      'switch-master',
      'failover-end',
    ]);
  });

  test('an abort: failover-start then failover-abort; the hold is released; no failover-end', () => {
    const { follower, master, userEvents, emitted } = setup();
    follower.onEvent('+try-failover', OLD, SENTINELS[0]!);
    follower.onEvent('+elected-leader', OLD, SENTINELS[0]!);
    follower.onEvent('+failover-state-select-slave', OLD, SENTINELS[0]!);
    follower.onEvent('-failover-abort-no-good-slave', OLD, SENTINELS[0]!);
    assert.deepEqual(userEvents(), ['failover-start', 'failover-abort']);
    assert.deepEqual(emitted[1], ['failover-abort', { service: 'mymaster' }]);
    assert.deepEqual(master.named('releaseHold'), [['releaseHold', '-failover-abort-no-good-slave']]);
    assert.equal(master.named('switchMaster').length, 0);
  });

  test('a sentinel that lost the election gives up (-failover-abort-not-elected) while the winner carries on: still one failover', () => {
    const { follower, master, userEvents } = setup();
    // Two sentinels try at once (identical texts); the first wins the votes.
    follower.onEvent('+try-failover', OLD, SENTINELS[0]!);
    follower.onEvent('+try-failover', OLD, SENTINELS[1]!);
    follower.onEvent('+elected-leader', OLD, SENTINELS[0]!);
    follower.onEvent('+failover-state-select-slave', OLD, SENTINELS[0]!);
    follower.onEvent('+selected-slave', NEW_REPLICA, SENTINELS[0]!);
    // The loser's election timeout passes before the winner's new configuration reaches it.
    follower.onEvent('-failover-abort-not-elected', OLD, SENTINELS[1]!);
    assert.deepEqual(master.named('releaseHold'), [], 'writes stay held: the failover goes on');
    follower.onEvent('+failover-state-send-slaveof-noone', NEW_REPLICA, SENTINELS[0]!);
    follower.onEvent('+promoted-slave', NEW_REPLICA, SENTINELS[0]!);
    for (const s of SENTINELS) follower.onEvent('+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 6380', s);
    assert.deepEqual(userEvents(), ['failover-start', 'switch-master', 'failover-end']);
  });

  test('-failover-abort-not-elected with no leader seen is an abort (nobody won the election)', () => {
    const { follower, master, userEvents } = setup();
    follower.onEvent('+try-failover', OLD, SENTINELS[0]!);
    follower.onEvent('-failover-abort-not-elected', OLD, SENTINELS[0]!);
    assert.deepEqual(userEvents(), ['failover-start', 'failover-abort']);
    assert.deepEqual(master.named('releaseHold'), [['releaseHold', '-failover-abort-not-elected']]);
  });

  test('after a failover with a leader, the next failover starts afresh: its not-elected abort counts', () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { follower, userEvents } = setup();
    failover(follower);
    mock.timers.tick(10_000);
    const now = 'master mymaster 127.0.0.1 6380';
    follower.onEvent('+try-failover', now, SENTINELS[2]!);
    follower.onEvent('-failover-abort-not-elected', now, SENTINELS[2]!);
    assert.deepEqual(userEvents().slice(3), ['failover-start', 'failover-abort']);
  });

  test('-odown while a failover is under way does not release the held writes: the failover goes on regardless', () => {
    const { follower, master, userEvents } = setup();
    follower.onEvent('+odown', `${OLD} #quorum 2/2`, SENTINELS[0]!);
    follower.onEvent('+try-failover', OLD, SENTINELS[0]!);
    follower.onEvent('+elected-leader', OLD, SENTINELS[0]!);
    follower.onEvent('+selected-slave', NEW_REPLICA, SENTINELS[0]!);
    // The old master answers again (a SIGSTOP ended): sentinels publish -odown, the promotion continues.
    follower.onEvent('-odown', OLD, SENTINELS[1]!);
    assert.deepEqual(master.named('masterUp'), [], 'writes would reach a master about to be demoted');
    assert.deepEqual(master.named('releaseHold'), []);
    follower.onEvent('+promoted-slave', NEW_REPLICA, SENTINELS[0]!);
    follower.onEvent('+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 6380', SENTINELS[0]!);
    assert.deepEqual(userEvents(), ['failover-start', 'switch-master', 'failover-end']);
  });

  test('-odown after a failover that never ended (past twice failoverTimeout) is the master back again', () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { follower, master } = setup();
    follower.onEvent('+try-failover', OLD, SENTINELS[0]!);
    mock.timers.tick(2001);
    follower.onEvent('-odown', OLD, SENTINELS[0]!);
    assert.deepEqual(master.named('masterUp'), [['masterUp']]);
  });

  test('an abort with no failover seen before releases any hold but emits no failover-abort', () => {
    const { follower, master, userEvents } = setup();
    follower.onEvent('-failover-abort-slave-timeout', OLD, SENTINELS[0]!);
    assert.deepEqual(userEvents(), []);
    assert.equal(master.named('releaseHold').length, 1);
  });

  test('a failover that never ended counts as over after twice failoverTimeout: the next one is a new failover-start', () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { follower, userEvents } = setup();
    follower.onEvent('+try-failover', OLD, SENTINELS[0]!);
    mock.timers.tick(1500);
    follower.onEvent('+elected-leader', OLD, SENTINELS[0]!);
    assert.deepEqual(userEvents(), ['failover-start'], 'within 2 x failoverTimeout: the same failover');
    mock.timers.tick(600);
    follower.onEvent('+failover-state-select-slave', OLD, SENTINELS[0]!);
    assert.deepEqual(userEvents(), ['failover-start', 'failover-start']);
  });

  test('-odown, +convert-to-slave, replica events and +sentinel reach the right pool method', () => {
    const { follower, master, slave, peers } = setup();
    follower.onEvent('-odown', OLD, SENTINELS[0]!);
    follower.onEvent('+convert-to-slave', 'slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380', 's');
    follower.onEvent('+sdown', 'slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379', 's');
    follower.onEvent('-sdown', 'slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379', 's');
    follower.onEvent('+sentinel', 'sentinel abc 127.0.0.1 26390 @ mymaster 127.0.0.1 6379', 's');
    assert.deepEqual(master.calls, [['masterUp'], ['masterDown', ['127.0.0.1', 6379]]]);
    assert.deepEqual(slave.calls, [['replicaGone', ['127.0.0.1', 6381]], ['replicaBack']]);
    assert.deepEqual(peers, [['127.0.0.1', 26390]]);
  });

  test('events about a service without pools, and info events, change nothing and throw nothing', () => {
    const { follower, master, slave, userEvents } = setup();
    follower.onEvent('+switch-master', 'other 127.0.0.1 1 127.0.0.1 2', 's');
    follower.onEvent('+odown', 'master other 127.0.0.1 1 #quorum 2/2', 's');
    follower.onEvent('+tilt', '#tilt mode entered', 's');
    follower.onEvent('+switch-master', 'garbage', 's');
    follower.onEvent('+new-epoch', '9', 's');
    assert.deepEqual(master.calls, []);
    assert.deepEqual(slave.calls, []);
    // A switch of another service is still the user's event (the pools are just not open).
    assert.deepEqual(userEvents(), ['switch-master', 'failover-end']);
  });

  test('natMap: every address the sentinels announce goes through mapAddress', () => {
    const { follower, master, slave, emitted, peers } = setup({ mapAddress: natMap });
    follower.onEvent('+odown', `${OLD} #quorum 2/2`, 's');
    follower.onEvent('+selected-slave', NEW_REPLICA, 's');
    follower.onEvent('+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 6380', 's');
    follower.onEvent('+sdown', 'slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6380', 's');
    follower.onEvent('+convert-to-slave', 'slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380', 's');
    follower.onEvent('+sentinel', 'sentinel abc 127.0.0.1 26390 @ mymaster 127.0.0.1 6380', 's');
    assert.deepEqual(master.named('masterDown'), [
      ['masterDown', ['10.1.0.1', 7379]],
      ['masterDown', ['10.1.0.1', 7379]],
    ]);
    assert.deepEqual(master.named('switchMaster'), [['switchMaster', ['10.1.0.1', 7380]]]);
    assert.deepEqual(slave.named('replicaGone'), [
      ['replicaGone', ['10.1.0.1', 7380]],
      ['replicaGone', ['10.1.0.1', 7380]],
      ['replicaGone', ['10.1.0.1', 7381]],
    ]);
    const sw = emitted.find(([e]) => e === 'switch-master');
    assert.deepEqual(sw?.[1], { service: 'mymaster', from: ['10.1.0.1', 7379], to: ['10.1.0.1', 7380] });
    assert.deepEqual(peers, [['10.1.0.1', 27390]]);
  });
});
