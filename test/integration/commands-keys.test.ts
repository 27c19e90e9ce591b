import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedis } from '../../src/client/redis.js';
import { ReplyError } from '../../src/errors.js';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { rejection, uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`keys on ${kind}`, () => {
    const s = useServer(kind);

    test('del / unlink / exists / touch / type / rename / renamenx / keys / randomkey', async () => {
      const { redis } = s;
      const p = uniq('k');
      const [a, b, c] = [`${p}:a`, `${p}:b`, `${p}:c`];
      await redis.mset({ [a]: 1, [b]: 2, [c]: 3 });
      assert.equal(await redis.exists(a, [b, uniq('none')]), 2);
      assert.equal(await redis.touch(a, b), 2);
      assert.equal(await redis.type(a), 'string');
      assert.equal(await redis.type(uniq('none')), 'none');
      assert.deepEqual((await redis.keys(`${p}:*`)).toSorted(), [a, b, c]);
      assert.equal(typeof (await redis.randomkey()), 'string');
      assert.equal(await redis.rename(a, `${p}:a2`), 'OK');
      assert.equal(await redis.renamenx(`${p}:a2`, b), 0);
      assert.equal(await redis.del(`${p}:a2`), 1);
      assert.equal(await redis.unlink([b, c]), 2);
    });

    test('expire family with modes; expiretime / pexpiretime; ttl / pttl / persist', async () => {
      const { redis } = s;
      const k = uniq('e');
      await redis.set(k, 'v');
      assert.equal(await redis.expiretime(k), -1);
      assert.equal(await redis.expire(k, 100), 1);
      assert.equal(await redis.expire(k, 50, 'GT'), 0);
      assert.equal(await redis.pexpire(k, 200_000, 'GT'), 1);
      // The same condition as the options object every command takes.
      assert.equal(await redis.expire(k, 50, { GT: true }), 0);
      assert.equal(await redis.expire(k, 500, { GT: true }), 1);
      assert.equal(await redis.pexpire(k, 400_000, { LT: true }), 1);
      assert.equal(await redis.expire(uniq('none'), 10, { XX: true }), 0);
      assert.ok((await redis.pttl(k)) > 190_000);
      const at = Math.floor(Date.now() / 1000) + 1000;
      assert.equal(await redis.expireat(k, at), 1);
      assert.equal(await redis.expiretime(k), at);
      assert.equal(await redis.pexpireat(k, at * 1000 + 500), 1);
      assert.equal(await redis.pexpiretime(k), at * 1000 + 500);
      assert.ok((await redis.ttl(k)) > 990);
      assert.equal(await redis.persist(k), 1);
      assert.equal(await redis.ttl(k), -1);
      assert.equal(await redis.ttl(uniq('none')), -2);
    });

    test('dump / restore / copy / move', async () => {
      const { redis, server } = s;
      const k = uniq('d');
      await redis.rpush(k, 'a', 'b');
      const dump = await redis.dump(k);
      assert.ok(Buffer.isBuffer(dump));
      const r = uniq('d');
      assert.equal(await redis.restore(r, 0, dump!, { IDLETIME: 10 }), 'OK');
      assert.deepEqual(await redis.lrange(r, 0, -1), ['a', 'b']);
      assert.ok((await rejection(redis.restore(r, 0, dump!))) instanceof ReplyError);
      assert.equal(await redis.restore(r, 0, dump!, { REPLACE: true }), 'OK');
      assert.equal(await redis.copy(k, r), 0);
      assert.equal(await redis.copy(k, r, { REPLACE: true }), 1);
      assert.equal(await redis.copy(k, k, { DB: 2 }), 1);
      assert.equal(await redis.move(r, 1), 1);
      assert.equal(await redis.exists(r), 0);
      const db1 = await createRedis(server.address, { db: 1 });
      try {
        assert.deepEqual(await db1.lrange(r, 0, -1), ['a', 'b']);
      } finally {
        db1.close();
        await db1.waitClosed();
      }
    });

    test('sort / sort with STORE / sortRo', async () => {
      const { redis } = s;
      const k = uniq('sort');
      await redis.rpush(k, '3', '1', '2');
      // eslint-disable-next-line unicorn/no-array-sort -- Redis SORT, not Array#sort
      assert.deepEqual(await redis.sort(k), ['1', '2', '3']);
      assert.deepEqual(await redis.sort(k, { DESC: true, LIMIT: { offset: 0, count: 2 } }), ['3', '2']);
      const w = uniq('w');
      await redis.mset({ [`${w}_1`]: 30, [`${w}_2`]: 10, [`${w}_3`]: 20 });
      assert.deepEqual(await redis.sort(k, { BY: `${w}_*`, GET: ['#', `${w}_*`] }), ['2', '10', '3', '20', '1', '30']);
      const dest = uniq('sorted');
      assert.equal(await redis.sort(k, { ALPHA: true, STORE: dest }), 3);
      assert.deepEqual(await redis.lrange(dest, 0, -1), ['1', '2', '3']);
      assert.deepEqual(await redis.sortRo(k, { DESC: true }), ['3', '2', '1']);
    });

    test('objectEncoding / objectRefcount / objectIdletime / objectFreq', async () => {
      const { redis } = s;
      const k = uniq('o');
      await redis.set(k, '12345');
      assert.equal(await redis.objectEncoding(k), 'int');
      assert.equal(await redis.objectEncoding(uniq('none')), null);
      assert.equal(typeof (await redis.objectRefcount(k)), 'number');
      assert.equal(typeof (await redis.objectIdletime(k)), 'number');
      // FREQ needs an LFU policy (and IDLETIME an LRU one).
      assert.ok((await rejection(redis.objectFreq(k))) instanceof ReplyError);
      await redis.configSet('maxmemory-policy', 'allkeys-lfu');
      try {
        assert.equal(typeof (await redis.objectFreq(k)), 'number');
      } finally {
        await redis.configSet('maxmemory-policy', 'noeviction');
      }
    });

    test('scan and scanIterator with MATCH / COUNT / TYPE', async () => {
      const { redis } = s;
      const p = uniq('scan');
      for (let i = 0; i < 30; i++) await redis.set(`${p}:${i}`, i);
      await redis.sadd(`${p}:set`, 'x');
      const [cursor, keys] = await redis.scan(0, { MATCH: `${p}:*`, COUNT: 5 });
      assert.equal(typeof cursor, 'string');
      assert.ok(Array.isArray(keys));
      const seen = new Set<string>();
      for await (const key of redis.scanIterator({ MATCH: `${p}:*`, COUNT: 7, TYPE: 'string' })) seen.add(key);
      assert.equal(seen.size, 30);
      assert.equal(seen.has(`${p}:set`), false);
    });
  });
}
