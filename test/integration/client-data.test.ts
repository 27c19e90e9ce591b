import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection, type RedisConnection } from '../../src/connection/connection.js';
import { createRedis, createRedisPool, type Redis } from '../../src/client/redis.js';
import { ReplyError, RedisError } from '../../src/errors.js';
import type { RedisServer } from '../../src/testing/index.js';
import type { RedisArg } from '../../src/types.js';
import { serverKinds, startServer } from '../helpers/server-kinds.js';
import { rejection, uniq } from '../helpers/util.js';

// Binary-safe round trips, reply encodings, deep pipelining, error replies inside a pipeline, db isolation.

for (const kind of serverKinds()) {
  describe(kind, () => {
    let server: RedisServer;
    let single: Redis;
    let pool: Redis;
    let buffers: Redis;

    before(async () => {
      server = await startServer(kind);
      single = await createRedis(server.address);
      pool = await createRedisPool(server.address, { minsize: 2, maxsize: 4 });
      buffers = await createRedis(server.address, { encoding: null });
    });

    after(async () => {
      for (const c of [single, pool, buffers]) c?.close();
      await Promise.all([single, pool, buffers].map((c) => c?.waitClosed()));
      await server?.stop();
    });

    describe('binary-safe values', () => {
      const values: [string, string | Buffer][] = [
        ['CR LF inside', 'line1\r\nline2\r\n'],
        ['NUL bytes', 'a\0b\0\0c'],
        ['RESP-looking text', '$3\r\nfoo\r\n*1\r\n+OK\r\n-ERR x\r\n'],
        ['an empty string', ''],
        ['unicode', 'zürich ✓ 東京 🔑'],
      ];

      for (const [label, value] of values) {
        test(`${label}: SET then GET returns the same string (single connection and pool)`, async () => {
          for (const client of [single, pool]) {
            const key = uniq('bin');
            assert.equal(await client.set(key, value), 'OK');
            assert.equal(await client.get(key), value);
            assert.equal(await client.strlen(key), Buffer.byteLength(value));
          }
        });
      }

      test('invalid UTF-8 (0xff 0xfe) survives as bytes with { encoding: null }', async () => {
        const key = uniq('bin');
        const value = Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0x80]);
        assert.equal(await single.set(key, value), 'OK');
        const back = await single.get(key, { encoding: null });
        assert.ok(Buffer.isBuffer(back));
        assert.deepEqual(back, value);
        assert.equal(await single.strlen(key), value.length);
        // Decoded as text it is lossy, as any UTF-8 decoding of those bytes is.
        assert.equal(await single.get(key), value.toString('utf8'));
      });

      test('unicode keys and Buffer keys address the same bytes', async () => {
        const key = `${uniq('ключ')}:🔑`;
        await single.set(key, 'v1');
        assert.equal(await single.get(Buffer.from(key, 'utf8')), 'v1');
        const found: string[] = [];
        for await (const k of single.scanIterator({ MATCH: `${key.slice(0, -2)}*` })) found.push(k);
        assert.deepEqual(found, [key]);
      });

      test('an empty Buffer value is an empty string', async () => {
        const key = uniq('bin');
        await single.set(key, Buffer.alloc(0));
        assert.equal(await single.get(key), '');
        assert.deepEqual(await single.get(key, { encoding: null }), Buffer.alloc(0));
        assert.equal(await single.exists(key), 1);
      });

      test('a 20 MB Buffer value round-trips byte for byte', async () => {
        const key = uniq('big');
        const value = randomBytes(20 * 1024 * 1024);
        // Replies around it must stay in order while the big one is being parsed.
        const [set, beforeGet, got, afterGet] = await Promise.all([
          pool.set(key, value),
          pool.ping(),
          pool.get(key, { encoding: null }),
          pool.ping('after'),
        ]);
        assert.equal(set, 'OK');
        assert.equal(beforeGet, 'PONG');
        assert.equal(afterGet, 'after');
        assert.ok(Buffer.isBuffer(got));
        assert.equal(got.length, value.length);
        assert.ok(got.equals(value));
        assert.equal(await pool.strlen(key), value.length);
        await pool.del(key);
      });
    });

    describe('reply encodings', () => {
      test('per-call encoding overrides the client default, both ways', async () => {
        const key = uniq('enc');
        await single.set(key, 'héllo');
        assert.equal(await single.get(key), 'héllo');
        const asBuffer = await single.get(key, { encoding: null });
        assert.ok(Buffer.isBuffer(asBuffer));
        assert.deepEqual(asBuffer, Buffer.from('héllo'));
        // A client created with `encoding: null` gets Buffers, and text when a call asks for it.
        const fromBuffers = await buffers.get(key);
        assert.ok(Buffer.isBuffer(fromBuffers));
        assert.deepEqual(fromBuffers, Buffer.from('héllo'));
        assert.equal(await buffers.get(key, { encoding: 'utf8' }), 'héllo');
      });

      test('a Buffer client: arrays, nils and integers keep their types', async () => {
        const key = uniq('enc');
        await buffers.rpush(key, 'a', Buffer.from([0xff]));
        const items = await buffers.lrange(key, 0, -1);
        assert.deepEqual(items, [Buffer.from('a'), Buffer.from([0xff])]);
        assert.equal(await buffers.llen(key), 2);
        assert.equal(await buffers.get(uniq('missing')), null);
      });

      test('alternating encodings on one connection in one tick decode each reply as asked', async () => {
        const key = uniq('enc');
        await single.set(key, 'v');
        const replies = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? single.get(key, { encoding: null }) : single.get(key))),
        );
        replies.forEach((r, i) => {
          if (i % 3 === 0) assert.deepEqual(r, Buffer.from('v'), `reply ${i}`);
          else assert.equal(r, 'v', `reply ${i}`);
        });
      });

      test('a pool with encoding: null gets Buffers on every connection', async () => {
        const bufPool = await createRedisPool(server.address, { encoding: null, minsize: 2 });
        try {
          const key = uniq('enc');
          await bufPool.set(key, 'x');
          const replies = await Promise.all(Array.from({ length: 20 }, () => bufPool.get(key)));
          for (const r of replies) assert.deepEqual(r, Buffer.from('x'));
          assert.equal(await bufPool.get(key, { encoding: 'utf8' }), 'x');
        } finally {
          bufPool.close();
          await bufPool.waitClosed();
        }
      });
    });

    describe('pipelining', () => {
      test('10,000 INCRs issued in one tick are answered in order', async () => {
        for (const client of [single, pool]) {
          const key = uniq('incr');
          const replies = await Promise.all(Array.from({ length: 10_000 }, () => client.incr(key)));
          assert.equal(replies.length, 10_000);
          for (let i = 0; i < replies.length; i++) {
            if (replies[i] !== i + 1) assert.fail(`reply ${i} is ${replies[i]}, expected ${i + 1}`);
          }
        }
      });

      test('a pipeline() of 10,000 commands resolves [null, result] per command, in order', async () => {
        const key = uniq('pipe');
        const p = single.pipeline();
        for (let i = 0; i < 10_000; i++) p.rpush(key, `v${i}`);
        assert.equal(p.length, 10_000);
        const results = await p.exec();
        assert.equal(results.length, 10_000);
        for (let i = 0; i < results.length; i++) {
          const [err, value] = results[i]!;
          if (err !== null || value !== i + 1) assert.fail(`result ${i}: ${String(err)} ${String(value)}`);
        }
        assert.deepEqual(await single.lrange(key, 9_998, -1), ['v9998', 'v9999']);
      });

      test('a pool pipeline with mixed commands keeps each result with its command', async () => {
        const key = uniq('pipe');
        const results = await pool
          .pipeline()
          .set(key, '5')
          .incrby(key, 10)
          .get(key)
          .get(key, { encoding: null })
          .del(key)
          .exists(key)
          .exec();
        assert.deepEqual(results, [
          [null, 'OK'],
          [null, 15],
          [null, '15'],
          [null, Buffer.from('15')],
          [null, 1],
          [null, 0],
        ]);
      });
    });

    describe('an error reply rejects only its own command', () => {
      test('concurrent execute calls: the WRONGTYPE one rejects, its neighbours resolve', async () => {
        for (const client of [single, pool]) {
          const str = uniq('str');
          const counter = uniq('ctr');
          await client.set(str, 'text');
          const outcomes = await Promise.allSettled([
            client.incr(counter),
            client.lpush(str, 'x'),
            client.incr(counter),
            client.execute('NOSUCHCOMMAND', 'a'),
            client.get(str),
          ]);
          assert.deepEqual(
            outcomes.map((o) => o.status),
            ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
          );
          assert.equal((outcomes[0] as PromiseFulfilledResult<number>).value, 1);
          assert.equal((outcomes[2] as PromiseFulfilledResult<number>).value, 2);
          assert.equal((outcomes[4] as PromiseFulfilledResult<string>).value, 'text');
          const wrongType = (outcomes[1] as PromiseRejectedResult).reason as ReplyError;
          assert.ok(wrongType instanceof ReplyError);
          assert.match(wrongType.message, /^WRONGTYPE/);
          assert.equal(wrongType.command, 'LPUSH');
          const unknown = (outcomes[3] as PromiseRejectedResult).reason as ReplyError;
          assert.ok(unknown instanceof ReplyError);
          assert.match(unknown.message, /unknown command/i);
        }
      });

      test('pipeline().exec(): the failing command gets [error, null], the others their results', async () => {
        const str = uniq('str');
        const results = await pool
          .pipeline()
          .set(str, 'text')
          .incr(str)
          .get(str)
          .execute('HSET', str, 'f', 'v')
          .strlen(str)
          .exec();
        assert.equal(results.length, 5);
        assert.deepEqual(results[0], [null, 'OK']);
        assert.ok(results[1]![0] instanceof ReplyError);
        assert.match(results[1]![0].message, /not an integer/);
        assert.equal(results[1]![1], null);
        assert.deepEqual(results[2], [null, 'text']);
        assert.ok(results[3]![0] instanceof ReplyError);
        assert.match(results[3]![0].message, /^WRONGTYPE/);
        assert.deepEqual(results[4], [null, 4]);
      });

      test('an argument of an invalid type rejects its command without corrupting the stream', async () => {
        const key = uniq('bad');
        const outcomes = await Promise.allSettled([
          single.set(key, 'before'),
          single.execute('SET', key, Buffer.from('x'), null as unknown as RedisArg),
          single.execute('SET', key, { not: 'an arg' } as unknown as RedisArg),
          single.get(key),
          single.set(key, Buffer.from('after')),
          single.get(key),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
        );
        assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof TypeError);
        assert.equal((outcomes[3] as PromiseFulfilledResult<string>).value, 'before');
        assert.equal((outcomes[5] as PromiseFulfilledResult<string>).value, 'after');
        assert.equal(await single.ping(), 'PONG');
      });
    });

    describe('db isolation', () => {
      test('clients on db 1 and db 2 see different values for the same key', async () => {
        const key = uniq('db');
        const one = await createRedis(server.address, { db: 1 });
        const two = await createRedisPool(server.address, { db: 2, minsize: 2 });
        let conn: RedisConnection | undefined;
        try {
          assert.equal(one.db, 1);
          assert.equal(two.db, 2);
          await Promise.all([one.set(key, 'one'), two.set(key, 'two')]);
          assert.equal(await one.get(key), 'one');
          // Every pooled connection selected db 2, not just the first.
          const fromPool = await Promise.all(Array.from({ length: 10 }, () => two.get(key)));
          assert.deepEqual(fromPool, Array(10).fill('two'));
          assert.equal(await single.get(key), null);
          conn = await createConnection(server.address, { db: 1 });
          assert.equal(await conn.execute('GET', key), 'one');
          assert.equal(await conn.execute('SELECT', 2), 'OK');
          assert.equal(await conn.execute('GET', key), 'two');
        } finally {
          one.close();
          two.close();
          conn?.close();
          await Promise.all([one.waitClosed(), two.waitClosed(), conn?.waitClosed()]);
        }
      });

      test('an invalid db rejects at connect time', async () => {
        await assert.rejects(createRedis(server.address, { db: -1 }), TypeError);
        const err = await rejection(createRedis(server.address, { db: 100_000 }));
        assert.ok(err instanceof RedisError, String(err));
        assert.match(err.message, /DB index is out of range/);
      });
    });
  });
}
