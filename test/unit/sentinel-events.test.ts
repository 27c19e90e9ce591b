import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { classifySentinelEvent, type SentinelAction } from '../../src/sentinel/events.js';

// Texts as Redis 7.0 / Valkey 8.0 sentinels publish them (sentinelEvent's "%@" prefix: `master <name> <ip>
// <port>`, or `<slave|sentinel> <name> <ip> <port> @ <master> <master-ip> <master-port>`; a replica's name is
// `ip:port`, a sentinel's its run id). Several are copied from bench/results/failover.md (a real run).
const M = 'master mymaster 127.0.0.1 6379';
const S = 'slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379';
const S2 = 'slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379';
const RUNID = 'e7339810c8718ed3c5a005ea6715dd70cb1ce1e8';
const SE = `sentinel ${RUNID} 127.0.0.1 26380 @ mymaster 127.0.0.1 6379`;

const service = 'mymaster';
const info = (event: string, withService = true): SentinelAction =>
  withService ? { kind: 'info', event, service } : { kind: 'info', event };
const start = (event: string, replica?: [string, number]): SentinelAction =>
  replica === undefined
    ? { kind: 'failover-start', service, event }
    : { kind: 'failover-start', service, event, replica };

/** [event (the channel), text, what the client must make of it] */
const CASES: [string, string, SentinelAction][] = [
  // The switch itself.
  [
    '+switch-master',
    'mymaster 127.0.0.1 6379 127.0.0.1 6380',
    { kind: 'switch-master', service, from: ['127.0.0.1', 6379], to: ['127.0.0.1', 6380] },
  ],
  // Down and up.
  ['+odown', `${M} #quorum 2/2`, { kind: 'master-down', service, address: ['127.0.0.1', 6379] }],
  ['-odown', M, { kind: 'master-up', service, address: ['127.0.0.1', 6379] }],
  ['+sdown', M, info('+sdown')],
  ['-sdown', M, info('-sdown')],
  ['+sdown', S, { kind: 'replica-down', service, address: ['127.0.0.1', 6380] }],
  ['-sdown', S, { kind: 'replica-up', service, address: ['127.0.0.1', 6380] }],
  ['+sdown', SE, info('+sdown')],
  ['-sdown', SE, info('-sdown')],
  // The leader's failover, in the order it publishes it.
  ['+try-failover', M, start('+try-failover')],
  ['+elected-leader', M, start('+elected-leader')],
  ['+failover-state-select-slave', M, start('+failover-state-select-slave')],
  ['+selected-slave', S, start('+selected-slave', ['127.0.0.1', 6380])],
  ['+failover-state-send-slaveof-noone', S, start('+failover-state-send-slaveof-noone', ['127.0.0.1', 6380])],
  ['+failover-state-wait-promotion', S, start('+failover-state-wait-promotion', ['127.0.0.1', 6380])],
  ['+promoted-slave', S, start('+promoted-slave', ['127.0.0.1', 6380])],
  ['+failover-state-reconf-slaves', M, start('+failover-state-reconf-slaves')],
  ['+slave-reconf-sent', S2, info('+slave-reconf-sent')],
  ['+slave-reconf-inprog', S2, info('+slave-reconf-inprog')],
  ['+slave-reconf-done', S2, { kind: 'replica-up', service, address: ['127.0.0.1', 6381] }],
  ['-slave-reconf-sent-timeout', S2, info('-slave-reconf-sent-timeout')],
  ['+slave-reconf-sent-be', S2, info('+slave-reconf-sent-be')],
  ['+failover-end-for-timeout', M, start('+failover-end-for-timeout')],
  ['+failover-end', M, info('+failover-end')],
  // Aborts.
  ['-failover-abort-not-elected', M, { kind: 'failover-abort', service, event: '-failover-abort-not-elected' }],
  ['-failover-abort-no-good-slave', M, { kind: 'failover-abort', service, event: '-failover-abort-no-good-slave' }],
  ['-failover-abort-slave-timeout', M, { kind: 'failover-abort', service, event: '-failover-abort-slave-timeout' }],
  // Replicas and the old master after a failover.
  [
    '+convert-to-slave',
    'slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380',
    { kind: 'demoted', service, address: ['127.0.0.1', 6379] },
  ],
  ['+fix-slave-config', S2, info('+fix-slave-config')],
  ['+slave', S2, { kind: 'replica-up', service, address: ['127.0.0.1', 6381] }],
  ['+role-change', `${S} new reported role is slave`, info('+role-change')],
  ['-role-change', `${S} new reported role is master`, info('-role-change')],
  ['-role-change', `${M} new reported role is slave`, info('-role-change')],
  ['+reboot', M, info('+reboot')],
  ['+reboot', S, info('+reboot')],
  // Sentinels.
  ['+sentinel', SE, { kind: 'sentinel-found', service, address: ['127.0.0.1', 26380] }],
  ['+sentinel-address-switch', `${M} ip 127.0.0.1 port 26381 for ${RUNID}`, info('+sentinel-address-switch')],
  ['+sentinel-invalid-addr', SE, info('+sentinel-invalid-addr')],
  ['+sentinel-address-update', `${SE} 1 additional matching instances`, info('+sentinel-address-update')],
  ['+config-update-from', SE, info('+config-update-from')],
  // Redis 2.8 / 3.0 published this one; 7.0 replaced it with +sentinel-address-switch.
  ['-dup-sentinel', `${M} #duplicate of 127.0.0.1:26380 or ${RUNID}`, info('-dup-sentinel')],
  // Elections and modes: no instance in the text.
  ['+new-epoch', '7', info('+new-epoch', false)],
  ['+vote-for-leader', `${RUNID} 7`, info('+vote-for-leader', false)],
  ['+tilt', '#tilt mode entered', info('+tilt', false)],
  ['-tilt', '#tilt mode exited', info('-tilt', false)],
  ['-script-error', '/usr/local/bin/notify.sh 0 2', info('-script-error', false)],
  ['-script-timeout', '/usr/local/bin/notify.sh 4242', info('-script-timeout', false)],
  // Configuration commands.
  ['+monitor', `${M} quorum 2`, info('+monitor')],
  ['-monitor', M, info('-monitor')],
  ['+reset-master', M, info('+reset-master')],
  ['+set', `${M} down-after-milliseconds 1000`, info('+set')],
  ['+set', `${M} rename-command CONFIG XCONFIG`, info('+set')],
  ['+set', `${M} auth-pass ******`, info('+set')],
];

describe('classifySentinelEvent: every event a Redis 7 / Valkey 8 sentinel publishes', () => {
  for (const [event, text, expected] of CASES) {
    test(`${event} ${text}`, () => {
      assert.deepEqual(classifySentinelEvent(event, text), expected);
    });
  }

  test('the failover kinds are covered: every +failover-state-* is a failover in progress', () => {
    const states = CASES.filter(([e]) => e.startsWith('+failover-state-'));
    assert.equal(states.length, 4);
    for (const [event, text] of states) assert.equal(classifySentinelEvent(event, text).kind, 'failover-start');
  });
});

describe('classifySentinelEvent: addresses', () => {
  test('IPv6: a replica named [ip]:port, its address is the bare ip', () => {
    assert.deepEqual(classifySentinelEvent('+sdown', 'slave [::1]:6380 ::1 6380 @ mymaster ::1 6379'), {
      kind: 'replica-down',
      service,
      address: ['::1', 6380],
    });
    assert.deepEqual(classifySentinelEvent('+switch-master', 'mymaster ::1 6379 ::1 6380'), {
      kind: 'switch-master',
      service,
      from: ['::1', 6379],
      to: ['::1', 6380],
    });
  });

  test('hostnames (announce-hostnames yes) are kept as they are', () => {
    assert.deepEqual(classifySentinelEvent('+odown', 'master mymaster redis-1.internal 6379 #quorum 2/2'), {
      kind: 'master-down',
      service,
      address: ['redis-1.internal', 6379],
    });
  });

  test('repeated spaces do not shift the fields', () => {
    assert.deepEqual(classifySentinelEvent('+switch-master', 'mymaster  127.0.0.1 6379 127.0.0.1  6380 '), {
      kind: 'switch-master',
      service,
      from: ['127.0.0.1', 6379],
      to: ['127.0.0.1', 6380],
    });
  });

  test('the service is the name after @, not the replica name', () => {
    const action = classifySentinelEvent('+sdown', 'slave 10.0.0.5:7000 10.0.0.5 7000 @ cache-a 10.0.0.4 7000');
    assert.deepEqual(action, { kind: 'replica-down', service: 'cache-a', address: ['10.0.0.5', 7000] });
  });
});

describe('classifySentinelEvent: malformed texts give info and never throw', () => {
  const MALFORMED: [string, string][] = [
    ['+switch-master', ''],
    ['+switch-master', 'mymaster'],
    ['+switch-master', 'mymaster 127.0.0.1 6379'],
    ['+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1'],
    ['+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 port'],
    ['+switch-master', 'mymaster 127.0.0.1 0 127.0.0.1 6380'],
    ['+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 65536'],
    ['+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 63.5'],
    ['+switch-master', 'mymaster 127.0.0.1 6379 127.0.0.1 -1'],
    ['+odown', ''],
    ['+odown', 'master'],
    ['+odown', 'master mymaster'],
    ['+odown', 'master mymaster 127.0.0.1'],
    ['+odown', 'master mymaster 127.0.0.1 notaport #quorum 2/2'],
    ['-odown', 'master mymaster 127.0.0.1 99999'],
    ['+sdown', 'slave 127.0.0.1:6380 127.0.0.1 6380'],
    ['+sdown', 'slave 127.0.0.1:6380 127.0.0.1 6380 @'],
    ['+sdown', 'slave 127.0.0.1:x 127.0.0.1 x @ mymaster 127.0.0.1 6379'],
    ['+try-failover', 'master mymaster 127.0.0.1'],
    ['+selected-slave', 'slave 127.0.0.1:6380 @ mymaster 127.0.0.1 6379'],
    ['-failover-abort-not-elected', ''],
    ['+sentinel', `sentinel ${RUNID} 127.0.0.1 @ mymaster 127.0.0.1 6379`],
    ['+convert-to-slave', 'slave'],
  ];
  for (const [event, text] of MALFORMED) {
    test(`${event} ${JSON.stringify(text)}`, () => {
      const action = classifySentinelEvent(event, text);
      assert.equal(action.kind, 'info');
      assert.equal(action.kind === 'info' && action.event, event);
    });
  }

  test('an event kind it does not know is info', () => {
    assert.deepEqual(classifySentinelEvent('+something-new', M), info('+something-new'));
  });

  test('any text at all: never throws, always a known kind with a valid address', () => {
    const kinds = new Set([
      'failover-start',
      'switch-master',
      'failover-abort',
      'master-down',
      'master-up',
      'replica-down',
      'replica-up',
      'demoted',
      'sentinel-found',
      'info',
    ]);
    const channels = fc.constantFrom(...new Set(CASES.map(([e]) => e)), '+unknown');
    const word = fc.oneof(
      fc.constantFrom('master', 'slave', 'sentinel', '@', 'mymaster', '127.0.0.1', '6379', '0', '70000', '#quorum'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(channels, fc.array(word, { maxLength: 10 }), (channel, words) => {
        const action = classifySentinelEvent(channel, words.join(' '));
        assert.ok(kinds.has(action.kind));
        for (const a of [
          'address' in action ? action.address : undefined,
          'from' in action ? action.from : undefined,
          'to' in action ? action.to : undefined,
        ]) {
          if (a === undefined) continue;
          assert.ok(a[0].length > 0 && Number.isInteger(a[1]) && a[1] >= 1 && a[1] <= 65535);
        }
      }),
      { seed: 20261203, numRuns: 2000 },
    );
  });
});
