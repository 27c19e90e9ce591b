import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`lists on ${kind}`, () => {
    const s = useServer(kind);

    test('pushes, pops, ranges, lindex / lset / linsert / lrem / ltrim / lpos / llen', async () => {
      const { redis } = s;
      const l = uniq('l');
      assert.equal(await redis.rpush(l, 'b', ['c']), 2);
      assert.equal(await redis.lpush(l, 'a'), 3);
      assert.equal(await redis.rpushx(l, 'd'), 4);
      assert.equal(await redis.lpushx(uniq('none'), 'x'), 0);
      assert.deepEqual(await redis.lrange(l, 0, -1), ['a', 'b', 'c', 'd']);
      assert.equal(await redis.lindex(l, 1), 'b');
      assert.equal(await redis.lset(l, 1, 'B'), 'OK');
      assert.equal(await redis.linsert(l, 'BEFORE', 'c', 'x'), 5);
      assert.equal(await redis.linsert(l, 'AFTER', 'nope', 'y'), -1);
      assert.equal(await redis.lpos(l, 'x'), 2);
      assert.deepEqual(await redis.lpos(l, 'x', { COUNT: 0 }), [2]);
      assert.equal(await redis.lpos(l, 'zz'), null);
      assert.equal(await redis.lrem(l, 0, 'x'), 1);
      assert.equal(await redis.ltrim(l, 0, 2), 'OK');
      assert.equal(await redis.llen(l), 3);
      assert.equal(await redis.lpop(l), 'a');
      assert.deepEqual(await redis.rpop(l, 2), ['c', 'B']);
      assert.equal(await redis.rpop(l), null);
    });

    test('lmove / rpoplpush / lmpop', async () => {
      const { redis } = s;
      const [a, b] = [uniq('l'), uniq('l')];
      await redis.rpush(a, '1', '2', '3', '4');
      assert.equal(await redis.lmove(a, b, 'LEFT', 'RIGHT'), '1');
      assert.equal(await redis.rpoplpush(a, b), '4');
      assert.deepEqual(await redis.lrange(b, 0, -1), ['4', '1']);
      assert.deepEqual(await redis.lmpop([uniq('none'), a], 'LEFT', { COUNT: 5 }), { key: a, elements: ['2', '3'] });
      assert.equal(await redis.lmpop(uniq('none'), 'RIGHT'), null);
    });

    test('blocking pops: blpop / brpop / blmove / brpoplpush / blmpop', async () => {
      const { redis } = s;
      const [a, b] = [uniq('l'), uniq('l')];
      await redis.rpush(a, '1', '2', '3', '4', '5');
      assert.deepEqual(await redis.blpop([uniq('none'), a], 1), [a, '1']);
      assert.deepEqual(await redis.brpop(a, 1), [a, '5']);
      assert.equal(await redis.blmove(a, b, 'LEFT', 'LEFT', 1), '2');
      assert.equal(await redis.brpoplpush(a, b, 1), '4');
      assert.deepEqual(await redis.blmpop(1, [a], 'RIGHT'), { key: a, elements: ['3'] });
      // An empty list times out: null, after the server's own timeout.
      assert.equal(await redis.blmpop(0.05, uniq('none'), 'LEFT', { COUNT: 2 }), null);
      assert.equal(await redis.blpop(uniq('none'), 0.05), null);
    });
  });
}
