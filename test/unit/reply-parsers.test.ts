import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/errors.js';
import { toText } from '../../src/text.js';
import {
  pairsToObject,
  pairsToTuples,
  parseFloatReply,
  parseInfo,
  parseNullableFloat,
  parseRole,
  parseScan,
  parseScriptExists,
  parseTime,
  withScores,
} from '../../src/client/reply-parsers.js';

const INFO = [
  '# Server',
  'redis_version:7.2.4',
  'redis_git_sha1:00000000',
  'redis_git_dirty:0',
  'redis_build_id:5e4a2d4c1e3b2f1a',
  'redis_mode:standalone',
  'os:Linux 6.5.0-1016-azure x86_64',
  'arch_bits:64',
  'process_id:4242',
  'run_id:8f1c7c3e5a0e6f5c2b1d9e8a7c6b5a4f3e2d1c0b',
  'tcp_port:6379',
  'executable:/usr/local/bin/redis-server',
  'config_file:',
  '',
  '# Clients',
  'connected_clients:3',
  'maxclients:10000',
  '',
  '# Memory',
  'used_memory:1048576',
  'used_memory_human:1.00M',
  'mem_fragmentation_ratio:3.25',
  'used_memory_peak_perc:94.37%',
  '',
  '# Replication',
  'role:master',
  'connected_slaves:1',
  'slave0:ip=127.0.0.1,port=6380,state=online,offset=1234,lag=0',
  'master_failover_state:no-failover',
  'master_replid:5d41402abc4b2a76b9719d911017c592a1b2c3d4',
  'master_repl_offset:1234',
  'second_repl_offset:-1',
  'repl_backlog_histlen:18446744073709551615',
  '',
  '# CPU',
  'used_cpu_sys:0.012345',
  'used_cpu_user:1.5',
  '',
  '# Keyspace',
  'db0:keys=2,expires=0,avg_ttl=0',
  '',
].join('\r\n');

test('parseInfo: sections in lower case, numbers where the value is a canonical number', () => {
  const info = parseInfo(INFO);
  assert.deepEqual(Object.keys(info), ['server', 'clients', 'memory', 'replication', 'cpu', 'keyspace']);
  assert.equal(info.server.redis_version, '7.2.4');
  assert.equal(info.server.redis_git_sha1, '00000000');
  assert.equal(info.server.redis_git_dirty, 0);
  assert.equal(info.server.process_id, 4242);
  assert.equal(info.server.tcp_port, 6379);
  assert.equal(info.server.executable, '/usr/local/bin/redis-server');
  assert.equal(info.server.config_file, '');
  assert.equal(info.server.os, 'Linux 6.5.0-1016-azure x86_64');
  assert.equal(info.clients.connected_clients, 3);
  assert.equal(info.memory.used_memory_human, '1.00M');
  assert.equal(info.memory.mem_fragmentation_ratio, 3.25);
  assert.equal(info.memory.used_memory_peak_perc, '94.37%');
  assert.equal(info.replication.role, 'master');
  assert.equal(info.replication.slave0, 'ip=127.0.0.1,port=6380,state=online,offset=1234,lag=0');
  assert.equal(info.replication.master_repl_offset, 1234);
  assert.equal(info.replication.second_repl_offset, -1);
  // Beyond 2^53 a number would lose digits: kept as text.
  assert.equal(info.replication.repl_backlog_histlen, '18446744073709551615');
  assert.equal(info.cpu.used_cpu_sys, 0.012345);
  assert.equal(info.keyspace.db0, 'keys=2,expires=0,avg_ttl=0');
});

test('parseInfo: accepts a Buffer, LF line ends, an empty section and lines before any header', () => {
  const info = parseInfo(Buffer.from('loose:1\n# Keyspace\n\n# Stats\ntotal_connections_received:7\n'));
  assert.deepEqual(info, { default: { loose: 1 }, keyspace: {}, stats: { total_connections_received: 7 } });
});

test('parseRole: master with replicas (ports and offsets become numbers)', () => {
  const raw = [
    'master',
    3129659,
    [
      ['127.0.0.1', '9001', '3129242'],
      ['::1', '9002', '3129543'],
    ],
  ];
  assert.deepEqual(parseRole(raw), {
    role: 'master',
    replicationOffset: 3129659,
    replicas: [
      { ip: '127.0.0.1', port: 9001, offset: 3129242 },
      { ip: '::1', port: 9002, offset: 3129543 },
    ],
  });
  assert.deepEqual(parseRole(['master', 0, []]), { role: 'master', replicationOffset: 0, replicas: [] });
});

test('parseRole: slave', () => {
  assert.deepEqual(parseRole(['slave', '127.0.0.1', 9000, 'connected', 3167038]), {
    role: 'slave',
    masterHost: '127.0.0.1',
    masterPort: 9000,
    state: 'connected',
    offset: 3167038,
  });
  assert.deepEqual(parseRole(['slave', '10.0.0.5', 6379, 'connect', -1]), {
    role: 'slave',
    masterHost: '10.0.0.5',
    masterPort: 6379,
    state: 'connect',
    offset: -1,
  });
});

test('parseRole: sentinel', () => {
  assert.deepEqual(parseRole(['sentinel', ['mymaster', 'other']]), {
    role: 'sentinel',
    masters: ['mymaster', 'other'],
  });
  assert.deepEqual(parseRole(['sentinel', []]), { role: 'sentinel', masters: [] });
});

const b = (s: string): Buffer => Buffer.from(s);

test('parseRole: Buffer replies decode the same', () => {
  assert.deepEqual(parseRole([b('master'), 10, [[b('127.0.0.1'), b('6380'), b('9')]]]), {
    role: 'master',
    replicationOffset: 10,
    replicas: [{ ip: '127.0.0.1', port: 6380, offset: 9 }],
  });
  assert.deepEqual(parseRole([b('sentinel'), [b('mymaster')]]), { role: 'sentinel', masters: ['mymaster'] });
});

test('parseRole: an unknown role is a ProtocolError', () => {
  assert.throws(() => parseRole(['leader', 1]), ProtocolError);
});

test('pairsToObject: HGETALL / CONFIG GET pairs; empty reply is {}', () => {
  assert.deepEqual(pairsToObject(['a', '1', 'b', '2']), { a: '1', b: '2' });
  assert.deepEqual(pairsToObject([]), {});
  const withBuffers = pairsToObject([Buffer.from('f'), Buffer.from('v')]);
  assert.deepEqual(Object.keys(withBuffers), ['f']);
  assert.deepEqual(withBuffers.f, Buffer.from('v'));
});

test('pairsToObject: a field named __proto__ is an own property', () => {
  const obj = pairsToObject(['__proto__', 'x', 'a', 'y']);
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  assert.deepEqual(Object.keys(obj), ['__proto__', 'a']);
  assert.equal(Object.getOwnPropertyDescriptor(obj, '__proto__')?.value, 'x');
});

test('pairsToTuples', () => {
  assert.deepEqual(pairsToTuples(['f1', 'v1', 'f2', 'v2']), [
    ['f1', 'v1'],
    ['f2', 'v2'],
  ]);
});

test('withScores: member/score objects, infinities, Buffer replies', () => {
  assert.deepEqual(withScores(['a', '1', 'b', '2.5', 'c', 'inf', 'd', '-inf']), [
    { member: 'a', score: 1 },
    { member: 'b', score: 2.5 },
    { member: 'c', score: Infinity },
    { member: 'd', score: -Infinity },
  ]);
  assert.deepEqual(withScores([Buffer.from('m'), Buffer.from('3')]), [{ member: Buffer.from('m'), score: 3 }]);
  assert.deepEqual(withScores([]), []);
});

test('parseFloatReply / parseNullableFloat', () => {
  assert.equal(parseFloatReply('10.5'), 10.5);
  assert.equal(parseFloatReply('+inf'), Infinity);
  assert.equal(parseFloatReply(Buffer.from('-3')), -3);
  assert.equal(parseFloatReply(7), 7);
  assert.equal(parseNullableFloat(null), null);
  assert.equal(parseNullableFloat('1e3'), 1000);
});

test('parseTime', () => {
  assert.deepEqual(parseTime(['1714000000', '123456']), [1714000000, 123456]);
  assert.deepEqual(parseTime([Buffer.from('1'), Buffer.from('2')]), [1, 2]);
});

test('parseScriptExists', () => {
  assert.deepEqual(parseScriptExists([1, 0, 1]), [true, false, true]);
  assert.deepEqual(parseScriptExists([]), []);
});

test('parseScan: cursor as text', () => {
  assert.deepEqual(parseScan(['17', ['a', 'b']]), ['17', ['a', 'b']]);
  assert.deepEqual(parseScan([Buffer.from('0'), []]), ['0', []]);
});

test('toText', () => {
  assert.equal(toText(Buffer.from('é')), 'é');
  assert.equal(toText(12), '12');
});
