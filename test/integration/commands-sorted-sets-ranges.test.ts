import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`sorted-set ranges and set operations on ${kind}`, () => {
    const s = useServer(kind);

    async function zset(entries: [number, string][]): Promise<string> {
      const z = uniq('z');
      await s.redis.zadd(z, entries);
      return z;
    }

    test('zrange by rank, SCORE, LEX, with REV / LIMIT / WITHSCORES; zrangestore', async () => {
      const { redis } = s;
      const z = await zset([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
        [4, 'd'],
      ]);
      assert.deepEqual(await redis.zrange(z, 0, 1), ['a', 'b']);
      assert.deepEqual(await redis.zrange(z, 0, 0, { WITHSCORES: true }), [{ member: 'a', score: 1 }]);
      assert.deepEqual(await redis.zrange(z, '(1', '+inf', { BY: 'SCORE', LIMIT: { offset: 1, count: 2 } }), [
        'c',
        'd',
      ]);
      assert.deepEqual(await redis.zrange(z, '+inf', 3, { BY: 'SCORE', REV: true, WITHSCORES: true }), [
        { member: 'd', score: 4 },
        { member: 'c', score: 3 },
      ]);
      const lex = await zset([
        [0, 'a'],
        [0, 'b'],
        [0, 'c'],
      ]);
      assert.deepEqual(await redis.zrange(lex, '[b', '+', { BY: 'LEX' }), ['b', 'c']);
      const dest = uniq('z');
      assert.equal(await redis.zrangestore(dest, z, 2, '+inf', { BY: 'SCORE' }), 3);
      assert.deepEqual(await redis.zrange(dest, 0, -1), ['b', 'c', 'd']);
    });

    test('the older range commands: zrevrange / zrangebyscore / zrevrangebyscore / zrangebylex / zrevrangebylex', async () => {
      const { redis } = s;
      const z = await zset([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ]);
      assert.deepEqual(await redis.zrevrange(z, 0, 1), ['c', 'b']);
      assert.deepEqual(await redis.zrevrange(z, 0, 0, { WITHSCORES: true }), [{ member: 'c', score: 3 }]);
      assert.deepEqual(await redis.zrangebyscore(z, 2, '+inf'), ['b', 'c']);
      assert.deepEqual(
        await redis.zrangebyscore(z, '-inf', '+inf', { WITHSCORES: true, LIMIT: { offset: 1, count: 1 } }),
        [{ member: 'b', score: 2 }],
      );
      assert.deepEqual(await redis.zrevrangebyscore(z, '+inf', 2, { WITHSCORES: true }), [
        { member: 'c', score: 3 },
        { member: 'b', score: 2 },
      ]);
      const lex = await zset([
        [0, 'a'],
        [0, 'b'],
        [0, 'c'],
      ]);
      assert.deepEqual(await redis.zrangebylex(lex, '-', '(c'), ['a', 'b']);
      assert.deepEqual(await redis.zrevrangebylex(lex, '+', '-', { LIMIT: { offset: 0, count: 2 } }), ['c', 'b']);
    });

    test('zunion / zunionstore / zinter / zinterstore / zintercard / zdiff / zdiffstore', async () => {
      const { redis } = s;
      const a = await zset([
        [1, 'x'],
        [2, 'y'],
      ]);
      const b = await zset([
        [10, 'y'],
        [20, 'z'],
      ]);
      assert.deepEqual(await redis.zunion([a, b]), ['x', 'y', 'z']);
      assert.deepEqual(await redis.zunion([a, b], { WEIGHTS: [2, 1], AGGREGATE: 'MAX', WITHSCORES: true }), [
        { member: 'x', score: 2 },
        { member: 'y', score: 10 },
        { member: 'z', score: 20 },
      ]);
      const dest = uniq('z');
      assert.equal(await redis.zunionstore(dest, [a, b], { AGGREGATE: 'MIN' }), 3);
      assert.equal(await redis.zscore(dest, 'y'), 2);
      assert.deepEqual(await redis.zinter([a, b], { WITHSCORES: true }), [{ member: 'y', score: 12 }]);
      assert.equal(await redis.zinterstore(dest, [a, b], { WEIGHTS: [1, 0] }), 1);
      assert.equal(await redis.zscore(dest, 'y'), 2);
      assert.equal(await redis.zintercard([a, b]), 1);
      assert.equal(await redis.zintercard([a, b], { LIMIT: 1 }), 1);
      assert.deepEqual(await redis.zdiff([a, b]), ['x']);
      assert.deepEqual(await redis.zdiff([b, a], { WITHSCORES: true }), [{ member: 'z', score: 20 }]);
      assert.equal(await redis.zdiffstore(dest, [b, a]), 1);
      assert.deepEqual(await redis.zrange(dest, 0, -1), ['z']);
    });
  });
}
