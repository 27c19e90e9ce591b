import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RedisCommands } from '../../src/commands/index.js';
import { ReplyError } from '../../src/errors.js';
import type { CommandOptions, RedisArg } from '../../src/types.js';

interface Recorded {
  name: string;
  args: RedisArg[];
  options: CommandOptions | undefined;
}

/** Records every command and answers with canned raw replies (an Error rejects). */
class Fake extends RedisCommands {
  readonly calls: Recorded[] = [];

  constructor(private readonly replies: unknown[] = []) {
    super();
  }

  protected override call<T = unknown>(name: string, args: readonly RedisArg[], options?: CommandOptions): Promise<T> {
    this.calls.push({ name, args: [...args], options });
    const reply = this.replies.length > 0 ? this.replies.shift() : 'OK';
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply as T);
  }

  get last(): Recorded {
    const call = this.calls.at(-1);
    assert.ok(call, 'no command was sent');
    return call;
  }
}

test('set: plain, with expiry and conditions; status replies are asked for as text', async () => {
  const r = new Fake(['OK', 'OK', null]);
  assert.equal(await r.set('k', 'v'), 'OK');
  assert.deepEqual(r.last, { name: 'SET', args: ['k', 'v'], options: { encoding: 'utf8' } });
  assert.equal(await r.set('k', 1, { EX: 10, NX: true }), 'OK');
  assert.deepEqual(r.last.args, ['k', 1, 'EX', 10, 'NX']);
  assert.equal(await r.set('k', 'v', { PX: 500, XX: true, encoding: null }), null);
  assert.deepEqual(r.last.args, ['k', 'v', 'PX', 500, 'XX']);
  assert.deepEqual(r.last.options, { encoding: 'utf8' });
});

test('set: every option in its place; GET resolves the old value in the caller encoding', async () => {
  const r = new Fake([null, Buffer.from('old')]);
  await r.set('k', 'v', { EXAT: 1700000000, KEEPTTL: false });
  assert.deepEqual(r.last.args, ['k', 'v', 'EXAT', 1700000000]);
  const old: Buffer | null = await r.set('k', 'v', { PXAT: 1700000000000, KEEPTTL: true, GET: true, encoding: null });
  assert.deepEqual(old, Buffer.from('old'));
  assert.deepEqual(r.last.args, ['k', 'v', 'PXAT', 1700000000000, 'KEEPTTL', 'GET']);
  assert.equal(r.last.options?.encoding, null);
});

test('getex: expiry options and PERSIST', async () => {
  const r = new Fake(['v', 'v']);
  await r.getex('k', { EX: 5 });
  assert.deepEqual(r.last.args, ['k', 'EX', 5]);
  await r.getex('k', { PERSIST: true });
  assert.deepEqual(r.last.args, ['k', 'PERSIST']);
});

test('get: options pass through; { encoding: null } is typed Buffer', async () => {
  const r = new Fake(['v', Buffer.from('v')]);
  const s: string | null = await r.get('k');
  assert.equal(s, 'v');
  assert.equal(r.last.options, undefined);
  const b: Buffer | null = await r.get('k', { encoding: null });
  assert.deepEqual(b, Buffer.from('v'));
  assert.deepEqual(r.last.options, { encoding: null });
});

test('types: { encoding: null } gives Buffers across the value-returning families', async () => {
  const r = new Fake([['f', 'v'], [], [], null, 'OK']);
  const hash: Record<string, Buffer> = await r.hgetall('h', { encoding: null });
  const scored: { member: Buffer; score: number }[] = await r.zrange('z', 0, -1, { WITHSCORES: true, encoding: null });
  const list: Buffer[] = await r.lrange('l', 0, -1, { encoding: null });
  const old: string | null = await r.set('k', 'v', { GET: true });
  const ok: 'OK' | null = await r.set('k', 'v', { NX: true, encoding: null });
  // @ts-expect-error a Buffer reply is not typed as a string
  const notText: string[] = await r.smembers('s', { encoding: null });
  assert.ok([hash, scored, list, old, ok, notText].every((v) => v !== undefined));
});

test('mset / msetnx: object, Map, tuples and flat pairs', async () => {
  const r = new Fake(['OK', 'OK', 'OK', 'OK', 1]);
  await r.mset({ a: 1, b: 'x' });
  assert.deepEqual(r.last, { name: 'MSET', args: ['a', 1, 'b', 'x'], options: { encoding: 'utf8' } });
  await r.mset(new Map<RedisArg, RedisArg>([['a', 1]]));
  assert.deepEqual(r.last.args, ['a', 1]);
  await r.mset([
    ['a', 1],
    ['b', 2],
  ]);
  assert.deepEqual(r.last.args, ['a', 1, 'b', 2]);
  await r.mset('a', 1, 'b', Buffer.from('2'));
  assert.deepEqual(r.last.args, ['a', 1, 'b', Buffer.from('2')]);
  assert.equal(await r.msetnx({ a: 1 }), 1);
  assert.deepEqual(r.last, { name: 'MSETNX', args: ['a', 1], options: undefined });
});

test('hset: object form and field/value form resolve the number added', async () => {
  const r = new Fake([2, 1]);
  assert.equal(await r.hset('h', { f1: 'v1', f2: 2 }), 2);
  assert.deepEqual(r.last, { name: 'HSET', args: ['h', 'f1', 'v1', 'f2', 2], options: undefined });
  assert.equal(await r.hset('h', 'f', 'v'), 1);
  assert.deepEqual(r.last.args, ['h', 'f', 'v']);
});

test('hgetall: pairs to an object, {} for a missing key', async () => {
  const r = new Fake([['a', '1', 'b', '2'], []]);
  assert.deepEqual(await r.hgetall('h'), { a: '1', b: '2' });
  assert.deepEqual(await r.hgetall('missing'), {});
});

test('hrandfield: single, count, WITHVALUES pairs', async () => {
  const r = new Fake(['f', ['f', 'g'], ['f', '1', 'g', '2']]);
  assert.equal(await r.hrandfield('h'), 'f');
  assert.deepEqual(r.last.args, ['h']);
  assert.deepEqual(await r.hrandfield('h', 2), ['f', 'g']);
  assert.deepEqual(r.last.args, ['h', 2]);
  assert.deepEqual(await r.hrandfield('h', -2, { WITHVALUES: true }), [
    ['f', '1'],
    ['g', '2'],
  ]);
  assert.deepEqual(r.last.args, ['h', -2, 'WITHVALUES']);
});

test('multi-key commands accept arrays among their arguments', async () => {
  const r = new Fake([3, 2, 1]);
  assert.equal(await r.del('a', ['b', 'c']), 3);
  assert.deepEqual(r.last, { name: 'DEL', args: ['a', 'b', 'c'], options: undefined });
  await r.sadd('s', ['x', 'y']);
  assert.deepEqual(r.last.args, ['s', 'x', 'y']);
  await r.blpop(['q1', 'q2'], 5);
  assert.deepEqual(r.last, { name: 'BLPOP', args: ['q1', 'q2', 5], options: undefined });
});

test('lpop / spop: optional count', async () => {
  const r = new Fake(['a', ['a', 'b'], ['x']]);
  assert.equal(await r.lpop('l'), 'a');
  assert.deepEqual(r.last.args, ['l']);
  assert.deepEqual(await r.lpop('l', 2, { encoding: 'utf8' }), ['a', 'b']);
  assert.deepEqual(r.last, { name: 'LPOP', args: ['l', 2], options: { encoding: 'utf8' } });
  assert.deepEqual(await r.spop('s', 1), ['x']);
  assert.deepEqual(r.last.args, ['s', 1]);
});

test('lpos: options in order', async () => {
  const r = new Fake([[0, 3]]);
  assert.deepEqual(await r.lpos('l', 'x', { RANK: -1, COUNT: 2, MAXLEN: 100 }), [0, 3]);
  assert.deepEqual(r.last.args, ['l', 'x', 'RANK', -1, 'COUNT', 2, 'MAXLEN', 100]);
});

test('expire: optional mode', async () => {
  const r = new Fake([1, 0]);
  assert.equal(await r.expire('k', 10), 1);
  assert.deepEqual(r.last.args, ['k', 10]);
  assert.equal(await r.pexpire('k', 10, 'GT'), 0);
  assert.deepEqual(r.last.args, ['k', 10, 'GT']);
});

test('zadd: score/member, objects, tuples, options; INCR parses the score', async () => {
  const r = new Fake([1, 2, 1, 1, '3.5', null]);
  assert.equal(await r.zadd('z', 1, 'a'), 1);
  assert.deepEqual(r.last, { name: 'ZADD', args: ['z', 1, 'a'], options: undefined });
  assert.equal(
    await r.zadd('z', [
      { member: 'a', score: 1 },
      { member: 'b', score: '-inf' },
    ]),
    2,
  );
  assert.deepEqual(r.last.args, ['z', 1, 'a', '-inf', 'b']);
  await r.zadd('z', [[2, 'b']], { XX: true, GT: true, CH: true });
  assert.deepEqual(r.last.args, ['z', 'XX', 'GT', 'CH', 2, 'b']);
  await r.zadd('z', [3, 'c'], { NX: true });
  assert.deepEqual(r.last.args, ['z', 'NX', 3, 'c']);
  assert.equal(await r.zadd('z', { member: 'a', score: 1.5 }, { INCR: true }), 3.5);
  assert.deepEqual(r.last.args, ['z', 'INCR', 1.5, 'a']);
  assert.equal(await r.zadd('z', { member: 'a', score: 1 }, { INCR: true, NX: true }), null);
  assert.deepEqual(r.last.args, ['z', 'NX', 'INCR', 1, 'a']);
});

test('zrange: WITHSCORES gives { member, score }; BY/REV/LIMIT in place', async () => {
  const r = new Fake([
    ['a', '1', 'b', '2.5'],
    ['b', 'a'],
  ]);
  const scored = await r.zrange('z', 0, -1, { WITHSCORES: true });
  assert.deepEqual(scored, [
    { member: 'a', score: 1 },
    { member: 'b', score: 2.5 },
  ]);
  assert.deepEqual(r.last.args, ['z', 0, -1, 'WITHSCORES']);
  const members: string[] = await r.zrange('z', '+inf', '(1', {
    BY: 'SCORE',
    REV: true,
    LIMIT: { offset: 0, count: 10 },
  });
  assert.deepEqual(members, ['b', 'a']);
  assert.deepEqual(r.last.args, ['z', '+inf', '(1', 'BYSCORE', 'REV', 'LIMIT', 0, 10]);
});

test('zrangebyscore / zrevrange / zpopmin / zscore / zmscore / bzpopmin', async () => {
  const r = new Fake([['a', '1'], ['b'], ['a', '1', 'b', '2'], '4.25', null, ['1', null], ['z', 'm', '7'], null]);
  assert.deepEqual(await r.zrangebyscore('z', '-inf', 5, { WITHSCORES: true, LIMIT: { offset: 1, count: 2 } }), [
    { member: 'a', score: 1 },
  ]);
  assert.deepEqual(r.last.args, ['z', '-inf', 5, 'LIMIT', 1, 2, 'WITHSCORES']);
  assert.deepEqual(await r.zrevrange('z', 0, 0), ['b']);
  assert.deepEqual(r.last, { name: 'ZREVRANGE', args: ['z', 0, 0], options: undefined });
  assert.deepEqual(await r.zpopmin('z', 2), [
    { member: 'a', score: 1 },
    { member: 'b', score: 2 },
  ]);
  assert.equal(await r.zscore('z', 'a'), 4.25);
  assert.equal(await r.zscore('z', 'nope'), null);
  assert.deepEqual(await r.zmscore('z', ['a', 'nope']), [1, null]);
  assert.deepEqual(await r.bzpopmin('z', 1), ['z', 'm', 7]);
  assert.equal(await r.bzpopmax(['z', 'y'], 1), null);
  assert.deepEqual(r.last.args, ['z', 'y', 1]);
});

test('incrbyfloat / hincrbyfloat / zincrby resolve numbers', async () => {
  const r = new Fake(['10.5', '3', '-inf']);
  assert.equal(await r.incrbyfloat('k', 0.5), 10.5);
  assert.equal(await r.hincrbyfloat('h', 'f', 1), 3);
  assert.equal(await r.zincrby('z', -Infinity, 'm'), -Infinity);
});

test('time, role, info, configGet, scriptExists, pubsubNumsub: transforms and text encoding', async () => {
  const r = new Fake([
    ['1714000000', '42'],
    ['slave', '127.0.0.1', 6379, 'connected', 100],
    '# Replication\r\nrole:slave\r\nmaster_port:6379\r\n',
    ['maxmemory', '0', 'appendonly', 'no'],
    [1, 0],
    ['news', 2, 'sport', 0],
  ]);
  assert.deepEqual(await r.time(), [1714000000, 42]);
  assert.deepEqual(r.last.options, { encoding: 'utf8' });
  assert.deepEqual(await r.role(), {
    role: 'slave',
    masterHost: '127.0.0.1',
    masterPort: 6379,
    state: 'connected',
    offset: 100,
  });
  assert.deepEqual(await r.info('replication'), { replication: { role: 'slave', master_port: 6379 } });
  assert.deepEqual(r.last, { name: 'INFO', args: ['replication'], options: { encoding: 'utf8' } });
  assert.deepEqual(await r.configGet('*'), { maxmemory: '0', appendonly: 'no' });
  assert.deepEqual(r.last.args, ['GET', '*']);
  assert.deepEqual(await r.scriptExists('a', ['b']), [true, false]);
  assert.deepEqual(r.last.args, ['EXISTS', 'a', 'b']);
  assert.deepEqual(await r.pubsubNumsub('news', 'sport'), { news: 2, sport: 0 });
  assert.deepEqual(r.last.args, ['NUMSUB', 'news', 'sport']);
});

test('dump always asks for a Buffer; clientKill builds filters', async () => {
  const r = new Fake([Buffer.from([0, 1]), 1]);
  assert.deepEqual(await r.dump('k'), Buffer.from([0, 1]));
  assert.deepEqual(r.last.options, { encoding: null });
  assert.equal(await r.clientKill({ ID: 7, SKIPME: false }), 1);
  assert.deepEqual(r.last.args, ['KILL', 'ID', 7, 'SKIPME', 'no']);
});

test('eval / evalsha: numkeys, keys, then args', async () => {
  const r = new Fake([1, 2]);
  assert.equal(await r.eval('return 1', ['k1', 'k2'], ['a']), 1);
  assert.deepEqual(r.last.args, ['return 1', 2, 'k1', 'k2', 'a']);
  assert.equal(await r.evalsha('abc', [], [1]), 2);
  assert.deepEqual(r.last.args, ['abc', 0, 1]);
});

test('evalScript: EVALSHA first, EVAL with the script on NOSCRIPT', async () => {
  const script = 'return redis.call("GET", KEYS[1])';
  const sha = createHash('sha1').update(script).digest('hex');
  const r = new Fake([new ReplyError('NOSCRIPT No matching script. Please use EVAL.'), 'value']);
  assert.equal(await r.evalScript(script, ['k'], ['x']), 'value');
  assert.deepEqual(
    r.calls.map((c) => [c.name, c.args]),
    [
      ['EVALSHA', [sha, 1, 'k', 'x']],
      ['EVAL', [script, 1, 'k', 'x']],
    ],
  );
});

test('evalScript: one EVALSHA when the script is cached; other errors are not retried', async () => {
  const cached = new Fake(['hit']);
  assert.equal(await cached.evalScript('return 1'), 'hit');
  assert.deepEqual(
    cached.calls.map((c) => c.name),
    ['EVALSHA'],
  );
  const failing = new Fake([new ReplyError('ERR Error running script'), 'never']);
  await assert.rejects(failing.evalScript('return 1'), /ERR Error running script/);
  assert.equal(failing.calls.length, 1);
});

test('scanIterator: follows the cursor until 0 with MATCH/COUNT/TYPE', async () => {
  const r = new Fake([
    ['17', ['a', 'b']],
    ['0', ['c']],
  ]);
  const keys: string[] = [];
  for await (const key of r.scanIterator({ MATCH: 'user:*', COUNT: 100, TYPE: 'hash' })) keys.push(key);
  assert.deepEqual(keys, ['a', 'b', 'c']);
  assert.deepEqual(
    r.calls.map((c) => c.args),
    [
      ['0', 'MATCH', 'user:*', 'COUNT', 100, 'TYPE', 'hash'],
      ['17', 'MATCH', 'user:*', 'COUNT', 100, 'TYPE', 'hash'],
    ],
  );
});

test('hscanIterator / sscanIterator / zscanIterator: item shapes', async () => {
  const r = new Fake([
    ['5', ['f1', 'v1']],
    ['0', ['f2', 'v2']],
    ['0', ['m']],
    ['0', ['a', '1.5']],
  ]);
  const fields: [string, string][] = [];
  for await (const pair of r.hscanIterator('h', { COUNT: 10 })) fields.push(pair);
  assert.deepEqual(fields, [
    ['f1', 'v1'],
    ['f2', 'v2'],
  ]);
  assert.deepEqual(r.calls[1], { name: 'HSCAN', args: ['h', '5', 'COUNT', 10], options: { COUNT: 10 } });
  const members: string[] = [];
  for await (const m of r.sscanIterator('s')) members.push(m);
  assert.deepEqual(members, ['m']);
  const scored = [];
  for await (const s of r.zscanIterator('z')) scored.push(s);
  assert.deepEqual(scored, [{ member: 'a', score: 1.5 }]);
});

test('server helpers: ping, flushdb, wait, publish', async () => {
  const r = new Fake(['PONG', 'hi', 'OK', 1, 3]);
  assert.equal(await r.ping(), 'PONG');
  assert.deepEqual(r.last, { name: 'PING', args: [], options: { encoding: 'utf8' } });
  assert.equal(await r.ping('hi'), 'hi');
  assert.equal(await r.flushdb('ASYNC'), 'OK');
  assert.equal(await r.wait(1, 100), 1);
  assert.deepEqual(r.last, { name: 'WAIT', args: [1, 100], options: undefined });
  assert.equal(await r.publish('ch', 'msg'), 3);
});
