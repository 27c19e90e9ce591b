import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isDown,
  parseState,
  parseStates,
  type MasterState,
  type ReplicaState,
  type SentinelState,
} from '../../src/sentinel/state.js';

/** A raw reply as redis-parser returns it without decoding: every bulk string a Buffer. */
function raw(items: string[]): Buffer[] {
  return items.map((s) => Buffer.from(s));
}

// Fixtures: raw Redis 7.0.15 replies from the behaviour reference, section 3.1.
const MASTER_REPLY = [
  'name',
  'master-no-fail',
  'ip',
  '127.0.0.1',
  'port',
  '51017',
  'runid',
  'fe36f1',
  'flags',
  'master',
  'link-pending-commands',
  '0',
  'link-refcount',
  '1',
  'last-ping-sent',
  '0',
  'last-ok-ping-reply',
  '34',
  'last-ping-reply',
  '34',
  'down-after-milliseconds',
  '3000',
  'info-refresh',
  '31',
  'role-reported',
  'master',
  'role-reported-time',
  '58',
  'config-epoch',
  '0',
  'num-slaves',
  '1',
  'num-other-sentinels',
  '0',
  'quorum',
  '1',
  'failover-timeout',
  '1000',
  'parallel-syncs',
  '1',
];

const MASTER_PARSED = {
  name: 'master-no-fail',
  ip: '127.0.0.1',
  port: 51017,
  runid: 'fe36f1',
  flags: ['master'],
  'link-pending-commands': 0,
  'link-refcount': 1,
  'last-ping-sent': 0,
  'last-ok-ping-reply': 34,
  'last-ping-reply': 34,
  'down-after-milliseconds': 3000,
  'info-refresh': 31,
  'role-reported': 'master',
  'role-reported-time': 58,
  'config-epoch': 0,
  'num-slaves': 1,
  'num-other-sentinels': 0,
  quorum: 1,
  'failover-timeout': 1000,
  'parallel-syncs': 1,
};

const SLAVE_REPLY = [
  'name',
  '127.0.0.1:33529',
  'ip',
  '127.0.0.1',
  'port',
  '33529',
  'runid',
  '',
  'flags',
  'slave,disconnected',
  'link-pending-commands',
  '0',
  'link-refcount',
  '1',
  'last-ping-sent',
  '36',
  'last-ok-ping-reply',
  '36',
  'last-ping-reply',
  '36',
  'down-after-milliseconds',
  '3000',
  'info-refresh',
  '0',
  'role-reported',
  'slave',
  'role-reported-time',
  '36',
  'master-link-down-time',
  '0',
  'master-link-status',
  'err',
  'master-host',
  '?',
  'master-port',
  '0',
  'slave-priority',
  '100',
  'slave-repl-offset',
  '0',
  'replica-announced',
  '1',
];

const SLAVE_PARSED = {
  name: '127.0.0.1:33529',
  ip: '127.0.0.1',
  port: 33529,
  runid: '',
  flags: ['slave', 'disconnected'],
  'link-pending-commands': 0,
  'link-refcount': 1,
  'last-ping-sent': 36,
  'last-ok-ping-reply': 36,
  'last-ping-reply': 36,
  'down-after-milliseconds': 3000,
  'info-refresh': 0,
  'role-reported': 'slave',
  'role-reported-time': 36,
  'master-link-down-time': 0,
  'master-link-status': 'err',
  'master-host': '?',
  'master-port': 0,
  'slave-priority': 100,
  'slave-repl-offset': 0,
  'replica-announced': '1',
};

const SENTINEL_REPLY = [
  'name',
  '0f188d',
  'ip',
  '127.0.0.1',
  'port',
  '41195',
  'runid',
  '0f188d',
  'flags',
  'sentinel',
  'link-pending-commands',
  '0',
  'link-refcount',
  '1',
  'last-ping-sent',
  '0',
  'last-ok-ping-reply',
  '44',
  'last-ping-reply',
  '44',
  'down-after-milliseconds',
  '300',
  'last-hello-message',
  '82',
  'voted-leader',
  '?',
  'voted-leader-epoch',
  '0',
];

const SENTINEL_PARSED = {
  name: '0f188d',
  ip: '127.0.0.1',
  port: 41195,
  runid: '0f188d',
  flags: ['sentinel'],
  'link-pending-commands': 0,
  'link-refcount': 1,
  'last-ping-sent': 0,
  'last-ok-ping-reply': 44,
  'last-ping-reply': 44,
  'down-after-milliseconds': 300,
  'last-hello-message': 82,
  'voted-leader': '?',
  'voted-leader-epoch': 0,
};

describe('parseState (SENTINEL MASTER)', () => {
  test('types the raw (Buffer) fixture: integers as numbers, flags as a list, the rest as strings', () => {
    const state = parseState<MasterState>(raw(MASTER_REPLY));
    assert.deepEqual(state, MASTER_PARSED);
    // The declared type gives numbers for the known integer fields.
    const port: number = state.port;
    const quorum: number = state.quorum;
    assert.equal(typeof port, 'number');
    assert.equal(typeof quorum, 'number');
    assert.equal(typeof state['num-slaves'], 'number');
    assert.ok(state.flags.includes('master'));
  });

  test('gives the same result for an already decoded (string) reply', () => {
    assert.deepEqual(parseState<MasterState>(MASTER_REPLY), MASTER_PARSED);
  });

  test('keeps the keys in the order the sentinel sent them', () => {
    const keys = MASTER_REPLY.filter((_, i) => i % 2 === 0);
    assert.deepEqual(Object.keys(parseState(raw(MASTER_REPLY))), keys);
  });

  test('keeps fields it does not know (future Redis versions) as strings', () => {
    const state = parseState<MasterState>(raw([...MASTER_REPLY, 'some-new-field', '12', 'another', 'x y']));
    assert.equal(state['some-new-field'], '12');
    assert.equal(state.another, 'x y');
  });

  test('keeps a known integer field that is not an integer as its string', () => {
    const state = parseState<MasterState>(['name', 'm', 'flags', 'master', 'port', 'abc', 'quorum', '']);
    assert.equal(state.port as unknown, 'abc');
    assert.equal(state.quorum as unknown, '');
  });

  test('parses negative integers and the failover fields seen during an automatic failover', () => {
    const state = parseState<MasterState>(
      raw([
        'name',
        'm',
        'flags',
        's_down,o_down,master,failover_in_progress',
        's-down-time',
        '1203',
        'o-down-time',
        '1102',
        'failover-state',
        'wait_promotion',
        'config-epoch',
        '-1',
        'leader',
        'abc',
      ]),
    );
    assert.deepEqual(state.flags, ['s_down', 'o_down', 'master', 'failover_in_progress']);
    assert.equal(state['s-down-time'], 1203);
    assert.equal(state['o-down-time'], 1102);
    assert.equal(state['failover-state'], 'wait_promotion');
    assert.equal(state['config-epoch'], -1);
    assert.equal(state.leader, 'abc');
  });

  test('drops an odd trailing element', () => {
    const state = parseState(['name', 'm', 'flags', 'master', 'dangling']);
    assert.deepEqual(state, { name: 'm', flags: ['master'] });
  });

  test('an empty flags string gives an empty list', () => {
    assert.deepEqual(parseState(['name', 'm', 'flags', '']).flags, []);
  });

  test('an empty reply gives an empty object', () => {
    assert.deepEqual(parseState([]), {});
  });

  test('rejects a reply that is not a list with a TypeError', () => {
    assert.throws(() => parseState(null), TypeError);
    assert.throws(() => parseState('OK'), TypeError);
    assert.throws(() => parseState(Buffer.from('x')), TypeError);
  });
});

describe('parseStates (SENTINEL SLAVES / SENTINELS)', () => {
  test('types the SLAVES fixture; runid "" and master-host "?" stay strings', () => {
    const states = parseStates<ReplicaState>([raw(SLAVE_REPLY)]);
    assert.equal(states.length, 1);
    assert.deepEqual(states[0], SLAVE_PARSED);
    assert.equal(states[0]!.runid, '');
    assert.equal(states[0]!['master-host'], '?');
    assert.equal(states[0]!['replica-announced'], '1');
  });

  test('types the SENTINELS fixture; voted-leader "?" stays a string', () => {
    const states = parseStates<SentinelState>([raw(SENTINEL_REPLY)]);
    assert.deepEqual(states, [SENTINEL_PARSED]);
    assert.equal(states[0]!['voted-leader-epoch'], 0);
  });

  test('SENTINEL SENTINELS with no other sentinel gives []', () => {
    assert.deepEqual(parseStates([]), []);
  });

  test('several entries keep their order', () => {
    const second = SLAVE_REPLY.map((v) => (v === '33529' ? '33530' : v === '127.0.0.1:33529' ? '127.0.0.1:33530' : v));
    const states = parseStates<ReplicaState>([raw(SLAVE_REPLY), raw(second)]);
    assert.deepEqual(
      states.map((s) => s.port),
      [33529, 33530],
    );
  });

  test('rejects a reply that is not a list, or holds a non-list entry, with a TypeError', () => {
    assert.throws(() => parseStates(null), TypeError);
    assert.throws(() => parseStates(['name', 'x']), TypeError);
  });
});

describe('isDown', () => {
  test('is false for healthy instances', () => {
    for (const flags of ['master', 'slave', 'sentinel', 'master,failover_in_progress', 'slave,promoted']) {
      assert.equal(isDown({ flags: flags.split(',') }), false, flags);
    }
  });

  test('is true for s_down, o_down or disconnected (as in the fixtures)', () => {
    for (const flags of ['s_down,master', 's_down,o_down,master,failover_in_progress', 'master,disconnected']) {
      assert.equal(isDown({ flags: flags.split(',') }), true, flags);
    }
    assert.equal(isDown(parseStates<ReplicaState>([raw(SLAVE_REPLY)])[0]!), true);
    assert.equal(isDown(parseState<MasterState>(raw(MASTER_REPLY))), false);
  });
});
