import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRedis, createRedisPool, type Redis } from '../../src/client/redis.js';
import { ReadOnlyError, ReplyError } from '../../src/errors.js';
import { waitFor, type RedisServer } from '../../src/testing/index.js';
import { serverKinds, startServer } from '../helpers/server-kinds.js';
import { rejection, uniq } from '../helpers/util.js';

// One smoke test per command family, against a real server, checking the reply types API.md promises.

for (const kind of serverKinds()) {
  describe(kind, () => {
    let server: RedisServer;
    let redis: Redis;
    let buffers: Redis;

    before(async () => {
      server = await startServer(kind);
      redis = await createRedisPool(server.address, { minsize: 2 });
      buffers = await createRedis(server.address, { encoding: null });
    });

    after(async () => {
      redis?.close();
      buffers?.close();
      await Promise.all([redis?.waitClosed(), buffers?.waitClosed()]);
      await server?.stop();
    });

    describe('typed commands', () => {
      test('strings', async () => {
        const k = uniq('s');
        assert.equal(await redis.set(k, 'v1'), 'OK');
        assert.equal(await redis.set(k, 'v2', { NX: true }), null);
        assert.equal(await redis.set(uniq('s'), 'x', { XX: true }), null);
        assert.equal(await redis.set(k, 'v3', { GET: true }), 'v1');
        assert.equal(await redis.get(k), 'v3');
        assert.equal(await redis.get(uniq('missing')), null);
        assert.equal(await redis.append(k, '!'), 3);
        assert.equal(await redis.getrange(k, 0, 1), 'v3');
        const n = uniq('n');
        assert.equal(await redis.incr(n), 1);
        assert.equal(await redis.incrby(n, 9), 10);
        assert.equal(await redis.decr(n), 9);
        assert.equal(await redis.decrby(n, 4), 5);
        assert.equal(await redis.incrbyfloat(n, 0.5), 5.5);
        const [a, b] = [uniq('m'), uniq('m')];
        assert.equal(await redis.mset({ [a]: 'A', [b]: 2 }), 'OK');
        assert.deepEqual(await redis.mget([a, b, uniq('none')]), ['A', '2', null]);
        assert.equal(await redis.setnx(a, 'again'), 0);
        assert.equal(await redis.getdel(a), 'A');
        assert.equal(await redis.exists(a), 0);
      });

      test('keys and expiry', async () => {
        const k = uniq('k');
        await redis.set(k, 'v', { EX: 100 });
        const ttl = await redis.ttl(k);
        assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
        assert.ok((await redis.pttl(k)) > 90_000);
        assert.equal(await redis.persist(k), 1);
        assert.equal(await redis.ttl(k), -1);
        assert.equal(await redis.expire(k, 50), 1);
        assert.equal(await redis.expire(k, 500, 'GT'), 1);
        assert.equal(await redis.expire(uniq('none'), 5), 0);
        assert.equal(await redis.ttl(uniq('none')), -2);
        assert.equal(await redis.type(k), 'string');
        const k2 = uniq('k');
        assert.equal(await redis.rename(k, k2), 'OK');
        assert.equal(await redis.exists(k, k2), 1);
        await redis.set(k, 'x', { PX: 30 });
        assert.equal(await redis.del(k, k2, uniq('none')), 2);
        const short = uniq('short');
        await redis.set(short, 'v', { PX: 1 });
        // Expired keys read as missing (poll: expiry is time-based).
        let gone = false;
        for (let i = 0; i < 100 && !gone; i++) gone = (await redis.get(short)) === null;
        assert.ok(gone);
      });

      test('hashes, including hset/hdel resolving 1/0', async () => {
        const h = uniq('h');
        assert.equal(await redis.hset(h, 'f', 'v'), 1);
        assert.equal(await redis.hset(h, 'f', 'v2'), 0);
        assert.equal(await redis.hset(h, { a: '1', b: 2 }), 2);
        assert.equal(await redis.hget(h, 'f'), 'v2');
        assert.equal(await redis.hexists(h, 'f'), 1);
        assert.equal(await redis.hexists(h, 'nope'), 0);
        assert.equal(await redis.hdel(h, 'f'), 1);
        assert.equal(await redis.hdel(h, 'f'), 0);
        assert.deepEqual(await redis.hgetall(h), { a: '1', b: '2' });
        assert.deepEqual(await redis.hgetall(uniq('none')), {});
        assert.deepEqual(await redis.hmget(h, ['a', 'zz']), ['1', null]);
        assert.equal(await redis.hincrby(h, 'a', 4), 5);
        assert.equal(await redis.hlen(h), 2);
        assert.deepEqual((await redis.hkeys(h)).toSorted(), ['a', 'b']);
        assert.deepEqual(await redis.hgetall(h, { encoding: null }), { a: Buffer.from('5'), b: Buffer.from('2') });
      });

      test('lists', async () => {
        const l = uniq('l');
        assert.equal(await redis.rpush(l, 'b', 'c'), 2);
        assert.equal(await redis.lpush(l, ['a']), 3);
        assert.deepEqual(await redis.lrange(l, 0, -1), ['a', 'b', 'c']);
        assert.equal(await redis.llen(l), 3);
        assert.equal(await redis.lindex(l, 1), 'b');
        assert.equal(await redis.lpop(l), 'a');
        assert.deepEqual(await redis.rpop(l, 2), ['c', 'b']);
        assert.equal(await redis.lpop(l), null);
        const [src, dst] = [uniq('src'), uniq('dst')];
        await redis.rpush(src, '1', '2');
        assert.equal(await redis.lmove(src, dst, 'LEFT', 'RIGHT'), '1');
        assert.deepEqual(await redis.blpop([uniq('empty'), dst], 1), [dst, '1']);
      });

      test('sets', async () => {
        const s = uniq('set');
        assert.equal(await redis.sadd(s, 'a', 'b', 'c'), 3);
        assert.equal(await redis.sadd(s, 'a'), 0);
        assert.equal(await redis.sismember(s, 'a'), 1);
        assert.equal(await redis.sismember(s, 'z'), 0);
        assert.deepEqual(await redis.smismember(s, ['a', 'z']), [1, 0]);
        assert.equal(await redis.scard(s), 3);
        assert.deepEqual((await redis.smembers(s)).toSorted(), ['a', 'b', 'c']);
        const t = uniq('set');
        await redis.sadd(t, 'b', 'x');
        assert.deepEqual(await redis.sinter([s, t]), ['b']);
        assert.deepEqual((await redis.sunion([s, t])).toSorted(), ['a', 'b', 'c', 'x']);
        assert.equal(await redis.srem(s, 'a', 'zz'), 1);
      });

      test('sorted sets', async () => {
        const z = uniq('z');
        assert.equal(await redis.zadd(z, 1, 'one'), 1);
        assert.equal(await redis.zadd(z, [{ member: 'two', score: 2 }, [3.5, 'three']]), 2);
        assert.equal(await redis.zscore(z, 'three'), 3.5);
        assert.equal(await redis.zscore(z, 'none'), null);
        assert.equal(await redis.zincrby(z, 0.5, 'one'), 1.5);
        assert.equal(await redis.zcard(z), 3);
        assert.equal(await redis.zcount(z, 2, '+inf'), 2);
        assert.deepEqual(await redis.zrange(z, 0, -1), ['one', 'two', 'three']);
        assert.deepEqual(await redis.zrange(z, 0, 0, { WITHSCORES: true }), [{ member: 'one', score: 1.5 }]);
        assert.deepEqual(await redis.zrevrange(z, 0, 0), ['three']);
        assert.deepEqual(await redis.zrangebyscore(z, '(1.5', 3), ['two']);
        assert.equal(await redis.zrank(z, 'two'), 1);
        assert.equal(await redis.zrank(z, 'none'), null);
        assert.deepEqual(await redis.zpopmax(z), [{ member: 'three', score: 3.5 }]);
        assert.equal(await redis.zadd(z, { member: 'inf', score: '+inf' }), 1);
        assert.equal(await redis.zscore(z, 'inf'), Infinity);
      });

      test('info() is parsed into sections with numbers', async () => {
        const info = await redis.info();
        assert.equal(info.server!.tcp_port, server.port);
        // The server is the kind this block is for: Valkey names itself, Redis 7.0 has no server_name.
        assert.equal(info.server!.server_name ?? 'redis', kind);
        // Valkey 8 still reports redis_version (7.2.4, the Redis it is compatible with) beside valkey_version.
        assert.equal(typeof info.server!.redis_version, 'string');
        assert.match(String(info.server!.redis_version), /^\d+\.\d+\.\d+/);
        assert.equal(info.replication!.role, 'master');
        assert.equal(typeof info.clients!.connected_clients, 'number');
        const one = await redis.info('replication');
        assert.deepEqual(Object.keys(one), ['replication']);
        // Status and INFO text are decoded even on a Buffer client.
        assert.equal((await buffers.info('server')).server!.tcp_port, server.port);
      });

      test('role() on a master and on a replica', async () => {
        const role = await redis.role();
        assert.ok(role.role === 'master');
        assert.deepEqual(Object.keys(role).toSorted(), ['replicas', 'replicationOffset', 'role']);
        assert.equal(typeof role.replicationOffset, 'number');
        assert.deepEqual(role.replicas, []);
        assert.equal((await buffers.role()).role, 'master');
        const replicaServer = await startServer(kind, { replicaOf: server.address });
        const replica = await createRedis(replicaServer.address);
        try {
          const state = await waitFor(
            'the replica to connect',
            async () => {
              const r = await replica.role();
              return r.role === 'slave' && r.state === 'connected' ? r : null;
            },
            { timeoutMs: 5_000 },
          );
          assert.deepEqual(state, {
            role: 'slave',
            masterHost: '127.0.0.1',
            masterPort: server.port,
            state: 'connected',
            offset: state.offset,
          });
          assert.equal(typeof state.offset, 'number');
          const master = await waitFor('the master to list the replica', async () => {
            const r = await redis.role();
            return r.role === 'master' && r.replicas.length === 1 ? r : null;
          });
          assert.deepEqual(
            master.replicas.map((r) => [r.ip, r.port, typeof r.offset]),
            [['127.0.0.1', replicaServer.port, 'number']],
          );
          const readOnly = await rejection(replica.set('k', 'v'));
          assert.ok(readOnly instanceof ReadOnlyError, String(readOnly));
        } finally {
          replica.close();
          await replica.waitClosed();
          await replicaServer.stop();
        }
      });

      test('server and connection commands', async () => {
        assert.equal(await redis.ping(), 'PONG');
        assert.equal(await buffers.ping(), 'PONG');
        assert.equal(await redis.echo('hi'), 'hi');
        const [sec, usec] = await redis.time();
        assert.ok(Math.abs(sec - Date.now() / 1000) < 60);
        assert.ok(usec >= 0 && usec < 1_000_000);
        assert.equal(typeof (await redis.dbsize()), 'number');
        assert.deepEqual(await redis.configGet('maxmemory-policy'), { 'maxmemory-policy': 'noeviction' });
      });

      test('scan iterators walk 500 keys (and hash, set, sorted-set members)', async () => {
        const prefix = uniq('scan');
        const pairs: Record<string, string> = {};
        for (let i = 0; i < 500; i++) pairs[`${prefix}:${i}`] = String(i);
        await redis.mset(pairs);
        const keys = new Set<string>();
        for await (const key of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 37 })) keys.add(key);
        assert.equal(keys.size, 500);
        assert.deepEqual([...keys].toSorted(), Object.keys(pairs).toSorted());

        const h = uniq('hscan');
        const fields: Record<string, string> = {};
        for (let i = 0; i < 500; i++) fields[`f${i}`] = `v${i}`;
        await redis.hset(h, fields);
        const seenFields = new Map<string, string>();
        for await (const [f, v] of redis.hscanIterator(h, { COUNT: 50 })) seenFields.set(f, v);
        assert.equal(seenFields.size, 500);
        assert.equal(seenFields.get('f499'), 'v499');

        const s = uniq('sscan');
        await redis.sadd(
          s,
          Array.from({ length: 500 }, (_, i) => `m${i}`),
        );
        const members = new Set<string>();
        for await (const m of redis.sscanIterator(s, { COUNT: 50 })) members.add(m);
        assert.equal(members.size, 500);

        const z = uniq('zscan');
        await redis.zadd(
          z,
          Array.from({ length: 500 }, (_, i) => ({ member: `z${i}`, score: i })),
        );
        const scored = new Map<string, number>();
        for await (const { member, score } of redis.zscanIterator(z, { COUNT: 50 })) scored.set(member, score);
        assert.equal(scored.size, 500);
        assert.equal(scored.get('z123'), 123);
      });

      test('evalScript falls back to EVAL on NOSCRIPT, also after SCRIPT FLUSH', async () => {
        const script = `return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])} -- ${uniq('script')}`;
        const sha = createHash('sha1').update(script).digest('hex');
        const key = uniq('lua');
        assert.deepEqual(await redis.scriptExists(sha), [false]);
        const evalshaErr = await rejection(redis.evalsha(sha, [key], ['a']));
        assert.ok(evalshaErr instanceof ReplyError);
        assert.match(evalshaErr.message, /^NOSCRIPT/);
        assert.deepEqual(await redis.evalScript(script, [key], ['a']), [key, 'a', 1]);
        assert.deepEqual(await redis.scriptExists(sha), [true]);
        assert.deepEqual(await redis.evalScript(script, [key], ['b']), [key, 'b', 2]);
        assert.equal(await redis.scriptFlush(), 'OK');
        assert.deepEqual(await redis.scriptExists(sha), [false]);
        assert.deepEqual(await redis.evalScript(script, [key], ['c']), [key, 'c', 3]);
        assert.equal(await redis.scriptLoad(script), sha);
        // A script error is a ReplyError, not retried.
        const bad = await rejection(redis.evalScript('return redis.call("NOSUCH")'));
        assert.ok(bad instanceof ReplyError);
      });
    });
  });
}
