import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Pipeline } from '../../src/client/pipeline.js';
import { createRedis } from '../../src/client/redis.js';
import { CONTAINERS, LEFT_OUT, methodName } from '../../src/commands/index.js';
import { ReplyError } from '../../src/errors.js';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { rejection, uniq } from '../helpers/util.js';

// A Lua loop that keeps the server busy for `ms` milliseconds: a latency spike for LATENCY to record.
const SPIN =
  "local t = redis.call('TIME'); local start = t[1] * 1e6 + t[2]; repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] - start > tonumber(ARGV[1]) * 1000; return 1";

function typed(name: string): boolean {
  return typeof (Pipeline.prototype as unknown as Record<string, unknown>)[methodName(name)] === 'function';
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cmds-acl-'));
  await writeFile(join(dir, 'users.acl'), 'user default on nopass ~* &* +@all\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const kind of serverKinds()) {
  describe(`COMMAND, MEMORY, LATENCY, SLOWLOG and ACL on ${kind}`, () => {
    const s = useServer(kind, {
      get args() {
        return ['--aclfile', join(dir, 'users.acl')];
      },
    });

    test('every command and subcommand the server knows is typed or left out with a reason', async () => {
      const { redis } = s;
      const missing: string[] = [];
      // COMMAND LIST names subcommands too, as `container|subcommand`.
      for (const entry of await redis.commandList()) {
        const [command, sub] = entry.split('|') as [string, string | undefined];
        if (command in LEFT_OUT) continue;
        if (sub === undefined) {
          if (!CONTAINERS.includes(command) && !typed(command)) missing.push(command);
          continue;
        }
        const name = `${command} ${sub}`;
        if (!(name in LEFT_OUT) && !typed(name)) missing.push(name);
      }
      assert.deepEqual(missing, []);
    });

    test('commandCount / commandDocs / commandGetkeys / commandGetkeysandflags / commandInfo / commandList', async () => {
      const { redis } = s;
      assert.ok((await redis.commandCount()) > 200);
      const docs = await redis.commandDocs('get', 'xgroup');
      assert.equal(typeof docs['get']!['summary'], 'string');
      assert.equal(docs['get']!['group'], 'string');
      assert.ok(Array.isArray(docs['get']!['arguments']));
      assert.equal((docs['get']!['arguments'] as Record<string, unknown>[])[0]!['name'], 'key');
      assert.equal(typeof (docs['xgroup']!['subcommands'] as Record<string, unknown>)['xgroup|create'], 'object');
      assert.deepEqual(await redis.commandGetkeys('SET', 'k', 'v'), ['k']);
      const keyFlags = await redis.commandGetkeysandflags('LMOVE', 'a', 'b', 'LEFT', 'RIGHT');
      assert.deepEqual(
        keyFlags.map((k) => k.key),
        ['a', 'b'],
      );
      assert.ok(keyFlags[0]!.flags.includes('RW'));
      const [get, none] = await redis.commandInfo('get', 'nosuchcommand');
      assert.equal(get!.name, 'get');
      assert.equal(get!.arity, 2);
      assert.ok(get!.flags.includes('readonly'));
      assert.deepEqual([get!.firstKey, get!.lastKey, get!.step], [1, 1, 1]);
      assert.ok(get!.aclCategories.includes('@read'));
      assert.equal(none, null);
      assert.ok((await redis.commandList()).includes('get'));
      const xgroup = await redis.commandList({ PATTERN: 'xgroup*' });
      assert.ok(xgroup.includes('xgroup') && xgroup.includes('xgroup|create'), xgroup.join());
      assert.ok(xgroup.every((name) => name.startsWith('xgroup')));
      assert.ok((await redis.commandList({ ACLCAT: 'hyperloglog' })).includes('pfadd'));
    });

    test('memoryDoctor / memoryMallocStats / memoryPurge / memoryStats / memoryUsage', async () => {
      const { redis } = s;
      const k = uniq('mem');
      await redis.set(k, 'x'.repeat(100));
      assert.equal(typeof (await redis.memoryDoctor()), 'string');
      assert.equal(typeof (await redis.memoryMallocStats()), 'string');
      assert.equal(await redis.memoryPurge(), 'OK');
      const stats = await redis.memoryStats();
      assert.equal(typeof stats['peak.allocated'], 'number');
      assert.equal(typeof (stats['db.0'] as Record<string, unknown>)['overhead.hashtable.main'], 'number');
      const usage = await redis.memoryUsage(k, { SAMPLES: 0 });
      assert.ok(usage !== null && usage > 100);
      assert.equal(await redis.memoryUsage(uniq('none')), null);
    });

    test('latency: a spike seen by latencyLatest / latencyHistory / latencyGraph / latencyDoctor; latencyReset; latencyHistogram', async () => {
      const { redis } = s;
      await redis.configSet('latency-monitor-threshold', 5);
      await redis.latencyReset();
      await redis.eval(SPIN, [], [20]);
      const latest = await redis.latencyLatest();
      const spike = latest.find((e) => e.event === 'command');
      assert.ok(spike !== undefined, JSON.stringify(latest));
      assert.ok(spike.latest >= 5 && spike.max >= spike.latest && spike.timestamp > 0);
      const [sample] = await redis.latencyHistory('command');
      assert.ok(sample![0] > 0 && sample![1] >= 5);
      assert.match(await redis.latencyGraph('command'), /command/);
      assert.equal(typeof (await redis.latencyDoctor()), 'string');
      assert.ok((await redis.latencyReset('command')) >= 1);
      // Only the 'command' event was reset (Valkey also records 'fast-command' spikes).
      assert.equal(
        (await redis.latencyLatest()).find((e) => e.event === 'command'),
        undefined,
      );
      await redis.set(uniq('k'), 1);
      const histogram = await redis.latencyHistogram('set');
      assert.ok(histogram['set']!.calls >= 1);
      assert.ok(Object.values(histogram['set']!.histogram_usec).every((n) => typeof n === 'number'));
    });

    test('slowlogGet / slowlogLen / slowlogReset', async () => {
      const { redis } = s;
      await redis.configSet('slowlog-log-slower-than', 0);
      try {
        assert.equal(await redis.slowlogReset(), 'OK');
        await redis.echo('logged');
        const entries = await redis.slowlogGet(-1);
        const echo = entries.find((e) => e.command[0]?.toLowerCase() === 'echo');
        assert.ok(echo !== undefined, JSON.stringify(entries));
        assert.equal(echo.command[1], 'logged');
        assert.equal(typeof echo.id, 'number');
        assert.ok(echo.timestamp > 0 && echo.duration >= 0);
        assert.match(echo.client, /127\.0\.0\.1:\d+/);
        assert.ok((await redis.slowlogLen()) >= 1);
      } finally {
        await redis.configSet('slowlog-log-slower-than', 10_000);
      }
    });

    test('ACL: aclSetuser / aclGetuser / aclUsers / aclList / aclDryrun / aclCat / aclGenpass / aclWhoami / aclLog / aclSave / aclLoad / aclDeluser', async () => {
      const { redis, server } = s;
      const user = uniq('u').replace(':', '-');
      assert.equal(await redis.aclSetuser(user, 'on', '>pw', '~k:*', '+get'), 'OK');
      const got = await redis.aclGetuser(user);
      assert.ok((got!['flags'] as string[]).includes('on'));
      assert.equal(await redis.aclGetuser('nosuchuser'), null);
      assert.ok((await redis.aclUsers()).includes(user));
      assert.ok((await redis.aclList()).some((line) => line.startsWith(`user ${user} on`)));
      assert.equal(await redis.aclDryrun(user, 'get', 'k:1'), 'OK');
      assert.notEqual(await redis.aclDryrun(user, 'set', 'k:1', 'v'), 'OK');
      assert.ok((await redis.aclCat()).includes('read'));
      assert.ok((await redis.aclCat('hyperloglog')).includes('pfadd'));
      assert.match(await redis.aclGenpass(), /^[0-9a-f]{64}$/);
      assert.match(await redis.aclGenpass(32), /^[0-9a-f]{8}$/);
      assert.equal(await redis.aclWhoami(), 'default');
      assert.equal(await redis.aclLog('RESET'), 'OK');
      const limited = await createRedis(server.address, { username: user, password: 'pw' });
      try {
        assert.equal(await limited.aclWhoami().catch((e: Error) => e.message.split(' ')[0]), 'NOPERM');
        assert.ok((await rejection(limited.set('k:1', 'v'))) instanceof ReplyError);
      } finally {
        limited.close();
        await limited.waitClosed();
      }
      const [entry] = await redis.aclLog(1);
      assert.equal(entry!.username, user);
      assert.equal(entry!.reason, 'command');
      assert.equal(typeof entry!['age-seconds'], 'number');
      assert.equal(await redis.aclSave(), 'OK');
      assert.equal(await redis.aclDeluser(user, ['nosuchuser']), 1);
      assert.equal(await redis.aclLoad(), 'OK');
      assert.ok((await redis.aclUsers()).includes(user), 'the saved user came back with ACL LOAD');
      assert.equal(await redis.aclDeluser(user), 1);
    });
  });
}
