import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`sets on ${kind}`, () => {
    const s = useServer(kind);

    test('sadd / srem / smembers / sismember / smismember / scard / spop / srandmember / smove', async () => {
      const { redis } = s;
      const [a, b] = [uniq('s'), uniq('s')];
      assert.equal(await redis.sadd(a, 'x', ['y', 'z', 'w']), 4);
      assert.equal(await redis.srem(a, 'w'), 1);
      assert.deepEqual((await redis.smembers(a)).toSorted(), ['x', 'y', 'z']);
      assert.equal(await redis.sismember(a, 'x'), 1);
      assert.deepEqual(await redis.smismember(a, ['x', 'q']), [1, 0]);
      assert.equal(await redis.scard(a), 3);
      assert.ok(['x', 'y', 'z'].includes((await redis.srandmember(a))!));
      assert.equal((await redis.srandmember(a, -5)).length, 5);
      assert.equal(await redis.smove(a, b, 'x'), 1);
      const popped = await redis.spop(a, 2);
      assert.deepEqual(popped.toSorted(), ['y', 'z']);
      assert.equal(await redis.spop(a), null);
    });

    test('sinter / sintercard / sunion / sdiff and their STORE forms', async () => {
      const { redis } = s;
      const [a, b, d] = [uniq('s'), uniq('s'), uniq('s')];
      await redis.sadd(a, '1', '2', '3');
      await redis.sadd(b, '2', '3', '4');
      assert.deepEqual((await redis.sinter([a, b])).toSorted(), ['2', '3']);
      assert.equal(await redis.sintercard([a, b]), 2);
      assert.equal(await redis.sintercard([a, b], { LIMIT: 1 }), 1);
      assert.equal(await redis.sinterstore(d, a, b), 2);
      assert.deepEqual((await redis.sunion([a, b])).toSorted(), ['1', '2', '3', '4']);
      assert.equal(await redis.sunionstore(d, [a, b]), 4);
      assert.deepEqual(await redis.sdiff([a, b]), ['1']);
      assert.equal(await redis.sdiffstore(d, a, b), 1);
      assert.deepEqual(await redis.smembers(d), ['1']);
    });

    test('sscan / sscanIterator', async () => {
      const { redis } = s;
      const k = uniq('s');
      const members = Array.from({ length: 300 }, (_, i) => `m${i}`);
      await redis.sadd(k, members);
      const [cursor, some] = await redis.sscan(k, 0, { COUNT: 10 });
      assert.equal(typeof cursor, 'string');
      assert.ok(some.length > 0);
      const seen = new Set<string>();
      for await (const m of redis.sscanIterator(k, { MATCH: 'm2*', COUNT: 50 })) seen.add(m);
      assert.equal(seen.size, 111);
    });
  });
}
