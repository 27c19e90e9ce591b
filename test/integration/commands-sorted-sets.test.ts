import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`sorted sets on ${kind}`, () => {
    const s = useServer(kind);

    async function abc(): Promise<string> {
      const z = uniq('z');
      await s.redis.zadd(z, [{ member: 'a', score: 1 }, [2, 'b'], [3, 'c']]);
      return z;
    }

    test('zadd forms and options, zrem / zscore / zmscore / zincrby / zcard / zcount / zlexcount', async () => {
      const { redis } = s;
      const z = await abc();
      assert.equal(await redis.zadd(z, 4, 'd'), 1);
      assert.equal(await redis.zadd(z, [5, 'd'], { XX: true, CH: true }), 1);
      assert.equal(await redis.zadd(z, [1, 'd'], { GT: true }), 0);
      assert.equal(await redis.zadd(z, { member: 'd', score: 0.5 }, { INCR: true }), 5.5);
      assert.equal(await redis.zadd(z, [1, 'd'], { NX: true, INCR: true }), null);
      assert.equal(await redis.zscore(z, 'd'), 5.5);
      assert.equal(await redis.zscore(z, 'none'), null);
      assert.deepEqual(await redis.zmscore(z, ['a', 'none']), [1, null]);
      assert.equal(await redis.zincrby(z, 2, 'a'), 3);
      assert.equal(await redis.zcard(z), 4);
      assert.equal(await redis.zcount(z, '(2', '+inf'), 3);
      assert.equal(await redis.zrem(z, 'd', ['none']), 1);
      const lex = uniq('z');
      await redis.zadd(lex, [
        [0, 'a'],
        [0, 'b'],
        [0, 'c'],
      ]);
      assert.equal(await redis.zlexcount(lex, '[b', '+'), 2);
    });

    test('zrank / zrevrank (WITHSCORE where the server has it)', async () => {
      const { redis } = s;
      const z = await abc();
      assert.equal(await redis.zrank(z, 'b'), 1);
      assert.equal(await redis.zrevrank(z, 'b'), 1);
      assert.equal(await redis.zrank(z, 'none'), null);
      const info = (await redis.commandDocs('zrank'))['zrank'];
      const args = JSON.stringify(info?.['arguments'] ?? []);
      if (args.includes('withscore')) {
        assert.deepEqual(await redis.zrank(z, 'c', { WITHSCORE: true }), [2, 3]);
        assert.deepEqual(await redis.zrevrank(z, 'c', { WITHSCORE: true }), [0, 3]);
      }
    });

    test('zpopmin / zpopmax / bzpopmin / bzpopmax / zmpop / bzmpop / zrandmember', async () => {
      const { redis } = s;
      const z = await abc();
      assert.deepEqual(await redis.zpopmin(z), [{ member: 'a', score: 1 }]);
      assert.deepEqual(await redis.zpopmax(z, 1), [{ member: 'c', score: 3 }]);
      await redis.zadd(z, [
        [1, 'a'],
        [3, 'c'],
        [4, 'd'],
        [5, 'e'],
      ]);
      assert.deepEqual(await redis.bzpopmin([uniq('none'), z], 1), [z, 'a', 1]);
      assert.deepEqual(await redis.bzpopmax(z, 1), [z, 'e', 5]);
      assert.deepEqual(await redis.zmpop([uniq('none'), z], 'MIN'), { key: z, members: [{ member: 'b', score: 2 }] });
      assert.deepEqual(await redis.bzmpop(1, z, 'MAX', { COUNT: 5 }), {
        key: z,
        members: [
          { member: 'd', score: 4 },
          { member: 'c', score: 3 },
        ],
      });
      assert.equal(await redis.zmpop(z, 'MIN'), null);
      assert.equal(await redis.bzmpop(0.05, z, 'MIN'), null);
      const r = await abc();
      assert.ok(['a', 'b', 'c'].includes((await redis.zrandmember(r))!));
      assert.equal((await redis.zrandmember(r, 2)).length, 2);
      const scored = await redis.zrandmember(r, -4, { WITHSCORES: true });
      assert.equal(scored.length, 4);
      for (const { member, score } of scored) assert.equal(score, { a: 1, b: 2, c: 3 }[member]);
    });

    test('zremrangebyscore / zremrangebyrank / zremrangebylex', async () => {
      const { redis } = s;
      const z = await abc();
      assert.equal(await redis.zremrangebyscore(z, '-inf', 1), 1);
      assert.equal(await redis.zremrangebyrank(z, 0, 0), 1);
      const lex = uniq('z');
      await redis.zadd(lex, [
        [0, 'a'],
        [0, 'b'],
        [0, 'c'],
      ]);
      assert.equal(await redis.zremrangebylex(lex, '[a', '(c'), 2);
    });

    test('zscan / zscanIterator parse scores', async () => {
      const { redis } = s;
      const z = uniq('z');
      await redis.zadd(
        z,
        Array.from({ length: 200 }, (_, i) => [i, `m${i}`] as const),
      );
      const [cursor, flatItems] = await redis.zscan(z, 0, { COUNT: 10 });
      assert.equal(typeof cursor, 'string');
      assert.equal(flatItems.length % 2, 0);
      const seen = new Map<string, number>();
      for await (const { member, score } of redis.zscanIterator(z, { MATCH: 'm1*', COUNT: 50 }))
        seen.set(member, score);
      assert.equal(seen.size, 111);
      assert.equal(seen.get('m150'), 150);
    });
  });
}
