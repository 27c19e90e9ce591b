import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedis } from '../../src/client/redis.js';
import { waitFor } from '../../src/testing/index.js';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { rejection, uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`server and CLIENT commands on ${kind}`, () => {
    const s = useServer(kind);

    test('dbsize / flushdb / flushall / swapdb', async () => {
      const { redis, server } = s;
      await redis.set(uniq('k'), 1);
      assert.ok((await redis.dbsize()) >= 1);
      assert.equal(await redis.flushdb('SYNC'), 'OK');
      assert.equal(await redis.dbsize(), 0);
      const k = uniq('swap');
      await redis.set(k, 'db0');
      assert.equal(await redis.swapdb(0, 3), 'OK');
      assert.equal(await redis.get(k), null);
      const db3 = await createRedis(server.address, { db: 3 });
      try {
        assert.equal(await db3.get(k), 'db0');
      } finally {
        db3.close();
        await db3.waitClosed();
      }
      assert.equal(await redis.swapdb(0, 3), 'OK');
      assert.equal(await redis.flushall(), 'OK');
      assert.equal(await redis.exists(k), 0);
    });

    test('time / info / infoRaw / role / lastsave / save / bgsave / bgrewriteaof / wait / waitaof / lolwut', async () => {
      const { redis } = s;
      const [seconds, micros] = await redis.time();
      assert.ok(Math.abs(seconds - Date.now() / 1000) < 60 && micros >= 0 && micros < 1e6);
      const info = await redis.info('server');
      assert.equal(typeof info['server']!['tcp_port'], 'number');
      assert.match(await redis.infoRaw('server'), /# Server/);
      assert.equal((await redis.role()).role, 'master');
      assert.equal(await redis.save(), 'OK');
      assert.ok(Math.abs((await redis.lastsave()) - Date.now() / 1000) < 60);
      assert.match(await redis.bgsave({ SCHEDULE: true }), /Background saving/);
      assert.match(await redis.bgrewriteaof(), /Background append only file rewriting/);
      assert.equal(await redis.wait(0, 0), 0);
      if (await s.has('waitaof')) assert.deepEqual(await redis.waitaof(0, 0, 0), [0, 0]);
      assert.ok((await redis.lolwut({ VERSION: 5 })).length > 0);
    });

    test('configGet / configSet (one or many) / configResetstat / configRewrite', async () => {
      const { redis } = s;
      assert.equal(await redis.configSet('slowlog-max-len', 200), 'OK');
      assert.deepEqual(await redis.configGet('slowlog-max-len'), { 'slowlog-max-len': '200' });
      assert.equal(await redis.configSet({ 'slowlog-max-len': '128', 'latency-tracking': 'yes' }), 'OK');
      assert.deepEqual(await redis.configGet('slowlog-max-len', ['latency-tracking']), {
        'slowlog-max-len': '128',
        'latency-tracking': 'yes',
      });
      assert.equal(await redis.configResetstat(), 'OK');
      assert.equal(await redis.configRewrite(), 'OK');
    });

    test('ping / echo / clientSetname / clientGetname / clientId / clientInfo / clientList / clientNoEvict / clientNoTouch / clientSetinfo', async () => {
      const { redis } = s;
      assert.equal(await redis.ping(), 'PONG');
      assert.equal(await redis.ping('hi'), 'hi');
      assert.equal(await redis.echo('e'), 'e');
      await redis.withConnection(async (client) => {
        assert.equal(await client.clientSetname('cmds-test'), 'OK');
        assert.equal(await client.clientGetname(), 'cmds-test');
        const id = await client.clientId();
        assert.equal(typeof id, 'number');
        const me = await client.clientInfo();
        assert.equal(me['id'], id);
        assert.equal(me['name'], 'cmds-test');
        assert.equal(typeof me['age'], 'number');
        const listed = await redis.clientList({ TYPE: 'normal' });
        assert.ok(listed.some((c) => c['id'] === id && c['name'] === 'cmds-test'));
        assert.deepEqual(
          (await redis.clientList({ ID: [id] })).map((c) => c['id']),
          [id],
        );
        assert.equal(await client.clientNoEvict('ON'), 'OK');
        assert.match(String((await client.clientInfo())['flags']), /e/);
        assert.equal(await client.clientNoEvict('OFF'), 'OK');
        if (await s.has('client|no-touch')) assert.equal(await client.clientNoTouch('ON'), 'OK');
        if (await s.has('client|setinfo')) {
          assert.equal(await client.clientSetinfo('LIB-NAME', 'cmds'), 'OK');
          assert.equal((await client.clientInfo())['lib-name'], 'cmds');
        }
      });
    });

    test('clientPause / clientUnpause / clientUnblock / clientKill', async () => {
      const { redis, server } = s;
      assert.equal(await redis.clientPause(10_000, 'WRITE'), 'OK');
      assert.equal(await redis.clientUnpause(), 'OK');
      const other = await createRedis(server.address);
      try {
        const id = await other.clientId();
        const blocked = other.blpop(uniq('none'), 0);
        await waitFor('the client blocked in BLPOP', async () =>
          (await redis.clientList()).some((c) => c['id'] === id && c['cmd'] === 'blpop'),
        );
        assert.equal(await redis.clientUnblock(id, 'TIMEOUT'), 1);
        assert.equal(await blocked, null);
        assert.equal(await redis.clientUnblock(id), 0);
        assert.equal(await redis.clientKill({ ID: id, SKIPME: true }), 1);
        assert.ok(await rejection(other.ping()));
      } finally {
        other.close();
        await other.waitClosed();
      }
    });
  });
}
