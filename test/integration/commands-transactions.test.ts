import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisError, ReplyError } from '../../src/errors.js';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { rejection, uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`transactions on ${kind}`, () => {
    const s = useServer(kind);

    test('watch: EXEC aborts when a watched key changed; unwatch lets it run', async () => {
      const { redis } = s;
      const k = uniq('w');
      await redis.set(k, '1');
      await redis.withConnection(async (client) => {
        assert.equal(await client.watch(k, [uniq('other')]), 'OK');
        await redis.set(k, '2');
        const [[err]] = await client.multi().set(k, '3').exec();
        assert.ok(err instanceof ReplyError, String(err));
        assert.equal(await client.get(k), '2');
        assert.equal(await client.watch(k), 'OK');
        await redis.set(k, '4');
        assert.equal(await client.unwatch(), 'OK');
        assert.deepEqual(await client.multi().set(k, '5').get(k).exec(), [
          [null, 'OK'],
          [null, '5'],
        ]);
      });
    });

    test('a pooled client refuses WATCH (its connections are shared); multi() and pipeline() chain typed commands', async () => {
      const { redis } = s;
      const err = await rejection(redis.watch(uniq('w')));
      assert.ok(err instanceof RedisError);
      assert.match(err.message, /withConnection/);
      const k = uniq('st');
      const results = await redis
        .multi()
        .xadd(k, '1-0', { a: 1 })
        .xrange(k)
        .zadd(k + 'z', 1, 'm')
        .zrange(k + 'z', 0, -1, { WITHSCORES: true })
        .exec();
      assert.deepEqual(results, [
        [null, '1-0'],
        [null, [{ id: '1-0', fields: { a: '1' } }]],
        [null, 1],
        [null, [{ member: 'm', score: 1 }]],
      ]);
      const piped = await redis
        .pipeline()
        .geoadd(k + 'g', { longitude: 1, latitude: 2, member: 'p' })
        .geopos(k + 'g', 'p')
        .exec();
      assert.equal(piped[0]![1], 1);
      const [pos] = piped[1]![1] as [[number, number]];
      assert.ok(Math.abs(pos[0] - 1) < 1e-4 && Math.abs(pos[1] - 2) < 1e-4);
    });
  });
}
