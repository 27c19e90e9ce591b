import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`strings on ${kind}`, () => {
    const s = useServer(kind);

    test('get / set with NX, XX, GET, EX, KEEPTTL; setex / psetex / setnx / getset', async () => {
      const { redis } = s;
      const k = uniq('s');
      assert.equal(await redis.set(k, 'v1', { EX: 100 }), 'OK');
      assert.equal(await redis.set(k, 'v2', { NX: true }), null);
      assert.equal(await redis.set(uniq('s'), 'x', { XX: true }), null);
      assert.equal(await redis.set(k, 'v3', { GET: true, KEEPTTL: true }), 'v1');
      assert.ok((await redis.ttl(k)) > 90);
      assert.equal(await redis.get(k), 'v3');
      assert.deepEqual(await redis.get(k, { encoding: null }), Buffer.from('v3'));
      assert.equal(await redis.get(uniq('missing')), null);
      assert.equal(await redis.setex(k, 50, 'e'), 'OK');
      assert.ok((await redis.ttl(k)) <= 50);
      assert.equal(await redis.psetex(k, 50_000, 'p'), 'OK');
      assert.ok((await redis.pttl(k)) > 40_000);
      assert.equal(await redis.setnx(k, 'n'), 0);
      assert.equal(await redis.setnx(uniq('s'), 'n'), 1);
      assert.equal(await redis.getset(k, 'g'), 'p');
      assert.equal(await redis.get(k), 'g');
    });

    test('getdel / getex / mget / mset / msetnx', async () => {
      const { redis } = s;
      const [a, b] = [uniq('m'), uniq('m')];
      assert.equal(await redis.mset({ [a]: 'A', [b]: 2 }), 'OK');
      assert.deepEqual(await redis.mget([a, b, uniq('none')]), ['A', '2', null]);
      assert.equal(
        await redis.msetnx([
          [a, 'x'],
          [uniq('m'), 'y'],
        ]),
        0,
      );
      assert.equal(await redis.msetnx(uniq('m'), 'y'), 1);
      assert.equal(await redis.getex(a, { EX: 100 }), 'A');
      assert.ok((await redis.ttl(a)) > 90);
      assert.equal(await redis.getex(a, { PERSIST: true }), 'A');
      assert.equal(await redis.ttl(a), -1);
      assert.equal(await redis.getdel(a), 'A');
      assert.equal(await redis.exists(a), 0);
    });

    test('counters: incr / incrby / incrbyfloat / decr / decrby as numbers', async () => {
      const { redis } = s;
      const n = uniq('n');
      assert.equal(await redis.incr(n), 1);
      assert.equal(await redis.incrby(n, 9), 10);
      assert.equal(await redis.decr(n), 9);
      assert.equal(await redis.decrby(n, 4), 5);
      assert.equal(await redis.incrbyfloat(n, 0.5), 5.5);
    });

    test('append / strlen / getrange / substr / setrange', async () => {
      const { redis } = s;
      const k = uniq('r');
      assert.equal(await redis.append(k, 'Hello'), 5);
      assert.equal(await redis.append(k, ' World'), 11);
      assert.equal(await redis.strlen(k), 11);
      assert.equal(await redis.getrange(k, 0, 4), 'Hello');
      assert.equal(await redis.substr(k, -5, -1), 'World');
      assert.equal(await redis.setrange(k, 6, 'Redis'), 11);
      assert.equal(await redis.get(k), 'Hello Redis');
    });

    test('lcs: the string, its length, and the matching ranges', async () => {
      const { redis } = s;
      const [a, b] = [uniq('lcs'), uniq('lcs')];
      // LCS needs both keys in one slot on a cluster; here any keys do.
      await redis.mset({ [a]: 'ohmytext', [b]: 'mynewtext' });
      assert.equal(await redis.lcs(a, b), 'mytext');
      assert.equal(await redis.lcs(a, b, { LEN: true }), 6);
      assert.deepEqual(await redis.lcs(a, b, { IDX: true, WITHMATCHLEN: true }), {
        matches: [
          { a: [4, 7], b: [5, 8], len: 4 },
          { a: [2, 3], b: [0, 1], len: 2 },
        ],
        len: 6,
      });
      assert.deepEqual(await redis.lcs(a, b, { IDX: true, MINMATCHLEN: 4 }), {
        matches: [{ a: [4, 7], b: [5, 8] }],
        len: 6,
      });
    });
  });
}
