import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedis } from '../../src/client/redis.js';
import { defineScript } from '../../src/commands/index.js';
import { ReplyError } from '../../src/errors.js';
import { waitFor } from '../../src/testing/index.js';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { rejection, uniq } from '../helpers/util.js';

const LIBRARY = `#!lua name=cmdslib
redis.register_function('setget', function(keys, args) redis.call('SET', keys[1], args[1]); return redis.call('GET', keys[1]) end)
redis.register_function{function_name='readit', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads a key'}
redis.register_function{function_name='spin', callback=function() while true do end end, flags={'no-writes'}}`;

const INCR_BY_ARG = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

for (const kind of serverKinds()) {
  describe(`scripting on ${kind}`, () => {
    // Scripts and functions may be killed once they have run this many ms.
    const s = useServer(kind, { args: ['--busy-reply-threshold', '10'] });

    test('eval / evalsha / evalRo / evalshaRo / scriptLoad / scriptExists / scriptFlush', async () => {
      const { redis } = s;
      const k = uniq('sc');
      assert.equal(await redis.eval(INCR_BY_ARG, [k], [5]), 5);
      const sha = await redis.scriptLoad(INCR_BY_ARG);
      assert.match(sha, /^[0-9a-f]{40}$/);
      assert.equal(await redis.evalsha(sha, [k], [1]), 6);
      assert.equal(await redis.evalRo("return redis.call('GET', KEYS[1])", [k]), '6');
      const ro = await redis.scriptLoad("return redis.call('GET', KEYS[1])");
      assert.equal(await redis.evalshaRo(ro, [k]), '6');
      const err = await rejection(redis.evalRo(INCR_BY_ARG, [k], [1]));
      assert.ok(err instanceof ReplyError, String(err));
      assert.deepEqual(await redis.scriptExists(sha, ['0'.repeat(40)]), [true, false]);
      if (kind === 'valkey') assert.equal(await redis.scriptShow(sha), INCR_BY_ARG);
      else assert.ok((await rejection(redis.scriptShow(sha))) instanceof ReplyError, 'Redis 7.0 has no SCRIPT SHOW');
      assert.equal(await redis.scriptFlush('SYNC'), 'OK');
      assert.deepEqual(await redis.scriptExists(sha), [false]);
    });

    test('evalScript: EVALSHA, EVAL on NOSCRIPT; a Script hashes once', async () => {
      const { redis } = s;
      const k = uniq('sc');
      const script = defineScript(INCR_BY_ARG);
      await redis.scriptFlush();
      assert.equal(await redis.evalScript(script, [k], [2]), 2);
      assert.deepEqual(await redis.scriptExists(script.sha1), [true]);
      assert.equal(await redis.evalScript(INCR_BY_ARG, [k], [3]), 5);
    });

    test('evalScript in multi() and pipeline(): no NOSCRIPT inside the batch, nothing sent outside it', async () => {
      const { redis } = s;
      const k = uniq('sc');
      const script = defineScript(INCR_BY_ARG);
      await redis.scriptFlush();
      // What evalScript avoids: EVALSHA of an unknown script fails inside EXEC.
      const [[noscript]] = await redis.multi().evalsha(script.sha1, [k], [1]).exec();
      assert.match(String(noscript), /NOSCRIPT/);
      const results = await redis.multi().evalScript(script, [k], [1]).incr(k).evalScript(script, [k], [10]).exec();
      assert.deepEqual(results, [
        [null, 1],
        [null, 2],
        [null, 12],
      ]);
      await redis.scriptFlush();
      const piped = await redis.pipeline().evalScript(INCR_BY_ARG, [k], [1]).evalScript(INCR_BY_ARG, [k], [1]).exec();
      assert.deepEqual(piped, [
        [null, 13],
        [null, 14],
      ]);
    });

    test('functions: functionLoad / fcall / fcallRo / functionList / functionStats / functionDump / functionRestore / functionDelete / functionFlush', async () => {
      const { redis } = s;
      const k = uniq('fn');
      await redis.functionFlush('SYNC');
      assert.equal(await redis.functionLoad(LIBRARY), 'cmdslib');
      assert.ok((await rejection(redis.functionLoad(LIBRARY))) instanceof ReplyError);
      assert.equal(await redis.functionLoad(LIBRARY, { REPLACE: true }), 'cmdslib');
      assert.equal(await redis.fcall('setget', [k], ['v']), 'v');
      assert.equal(await redis.fcallRo('readit', [k]), 'v');
      assert.ok((await rejection(redis.fcallRo('setget', [k], ['w']))) instanceof ReplyError);
      const [lib] = await redis.functionList({ LIBRARYNAME: 'cmdslib', WITHCODE: true });
      assert.equal(lib!.library_name, 'cmdslib');
      assert.equal(lib!.engine, 'LUA');
      assert.equal(lib!.library_code, LIBRARY);
      const readit = lib!.functions.find((f) => f.name === 'readit');
      assert.deepEqual(readit, { name: 'readit', description: 'reads a key', flags: ['no-writes'] });
      assert.equal((await redis.functionList())[0]!.library_code, undefined);
      const stats = await redis.functionStats();
      assert.equal(stats.running_script, null);
      assert.deepEqual(stats.engines['LUA'], { libraries_count: 1, functions_count: 3 });
      const dump = await redis.functionDump();
      assert.ok(Buffer.isBuffer(dump));
      assert.equal(await redis.functionDelete('cmdslib'), 'OK');
      assert.deepEqual(await redis.functionList(), []);
      assert.equal(await redis.functionRestore(dump), 'OK');
      assert.equal((await redis.functionList()).length, 1);
      assert.equal(await redis.functionRestore(dump, 'REPLACE'), 'OK');
      assert.equal(await redis.functionFlush(), 'OK');
      assert.deepEqual(await redis.functionList(), []);
    });

    test('scriptKill / functionKill stop a busy read-only script; NOTBUSY when none runs', async () => {
      const { redis, server } = s;
      assert.equal((await rejection(redis.scriptKill())).message.split(' ')[0], 'NOTBUSY');
      assert.equal((await rejection(redis.functionKill())).message.split(' ')[0], 'NOTBUSY');
      await redis.functionLoad(LIBRARY, { REPLACE: true });
      const busy = await createRedis(server.address);
      try {
        for (const [run, kill] of [
          [() => busy.eval('while true do end'), () => redis.scriptKill()],
          [() => busy.fcallRo('spin'), () => redis.functionKill()],
        ] as const) {
          const running = rejection(run());
          const killed = await waitFor('the busy script killed', async () => (await kill().catch(() => null)) === 'OK');
          assert.equal(killed, true);
          assert.ok((await running) instanceof ReplyError);
        }
      } finally {
        busy.close();
        await busy.waitClosed();
        await redis.functionFlush();
      }
    });
  });
}
