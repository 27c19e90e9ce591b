import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`hashes on ${kind}`, () => {
    const s = useServer(kind);

    test('hset / hmset / hsetnx / hget / hmget / hgetall / hdel / hexists / hlen', async () => {
      const { redis } = s;
      const h = uniq('h');
      assert.equal(await redis.hset(h, { a: '1', b: 2 }), 2);
      assert.equal(await redis.hset(h, 'c', '3'), 1);
      assert.equal(await redis.hmset(h, 'd', '4', 'e', '5'), 'OK');
      assert.equal(await redis.hsetnx(h, 'a', 'x'), 0);
      assert.equal(await redis.hget(h, 'a'), '1');
      assert.deepEqual(await redis.hmget(h, ['a', 'zz']), ['1', null]);
      assert.deepEqual(await redis.hgetall(h), { a: '1', b: '2', c: '3', d: '4', e: '5' });
      assert.deepEqual(await redis.hgetall(uniq('none')), {});
      assert.equal(await redis.hexists(h, 'e'), 1);
      assert.equal(await redis.hdel(h, 'd', ['e']), 2);
      assert.equal(await redis.hlen(h), 3);
    });

    test('hkeys / hvals / hincrby / hincrbyfloat / hstrlen / hrandfield', async () => {
      const { redis } = s;
      const h = uniq('h');
      await redis.hset(h, { n: 1, f: 'hello' });
      assert.deepEqual((await redis.hkeys(h)).toSorted(), ['f', 'n']);
      assert.deepEqual((await redis.hvals(h)).toSorted(), ['1', 'hello']);
      assert.equal(await redis.hincrby(h, 'n', 4), 5);
      assert.equal(await redis.hincrbyfloat(h, 'n', 0.25), 5.25);
      assert.equal(await redis.hstrlen(h, 'f'), 5);
      assert.ok(['n', 'f'].includes((await redis.hrandfield(h))!));
      assert.equal((await redis.hrandfield(h, 5)).length, 2);
      const pairs = await redis.hrandfield(h, 2, { WITHVALUES: true });
      assert.deepEqual(pairs.toSorted(), [
        ['f', 'hello'],
        ['n', '5.25'],
      ]);
    });

    test('hscan / hscanIterator with MATCH and COUNT', async () => {
      const { redis } = s;
      const h = uniq('h');
      const fields: Record<string, string> = {};
      for (let i = 0; i < 200; i++) fields[`f${i}`] = `v${i}`;
      await redis.hset(h, fields);
      const [cursor, flatPairs] = await redis.hscan(h, 0, { COUNT: 10 });
      assert.equal(typeof cursor, 'string');
      assert.equal(flatPairs.length % 2, 0);
      const seen = new Map<string, string>();
      for await (const [f, v] of redis.hscanIterator(h, { MATCH: 'f1*', COUNT: 50 })) seen.set(f, v);
      assert.equal(seen.size, 111);
      assert.equal(seen.get('f199'), 'v199');
    });
  });
}
