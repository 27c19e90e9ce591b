import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createConnection } from '../../src/connection/connection.js';
import { RedisServer, SentinelServer, SentinelTopology, freePort } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { parseInfo } from '../../src/testing/commands.js';
import { serverKinds, type ServerKind } from '../helpers/server-kinds.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Child processes of this test process: a leaked redis-server would show up here. */
function childPids(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch (error) {
    // pgrep exits 1 when nothing matches.
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

async function run(
  address: Address,
  password: string | undefined,
  command: string,
  ...args: string[]
): Promise<unknown> {
  const conn = await createConnection(address, { password, connectTimeout: 2_000 });
  try {
    return await conn.execute(command, ...args);
  } finally {
    conn.close();
    await conn.waitClosed();
  }
}

describe('freePort', () => {
  test('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

/** Which family answers on `address`: Valkey says so in INFO server, Redis 7.0 has no `server_name`. */
async function familyOf(address: Address, password?: string): Promise<ServerKind> {
  const info = parseInfo(await run(address, password, 'INFO', 'server'));
  return info.server_name === 'valkey' && info.valkey_version ? 'valkey' : 'redis';
}

for (const kind of serverKinds())
  describe(`RedisServer (${kind})`, () => {
    test('starts, answers PING, and stop() ends the process and removes its folder', async () => {
      const server = await RedisServer.start({ server: kind });
      try {
        assert.equal(server.server, kind);
        assert.equal(await familyOf(server.address), kind);
        assert.match(server.describe(), kind === 'valkey' ? /^valkey-server / : /^redis-server /);
        assert.equal(server.host, '127.0.0.1');
        assert.deepEqual(server.address, ['127.0.0.1', server.port]);
        assert.ok(existsSync(server.dir));
        assert.equal(await run(server.address, undefined, 'PING'), 'PONG');
        assert.equal(await run(server.address, undefined, 'CONFIG', 'GET', 'save').then((r) => (r as string[])[1]), '');
      } finally {
        await server.stop();
      }
      assert.equal(isAlive(server.pid), false);
      assert.throws(() => process.kill(server.pid, 0), { code: 'ESRCH' });
      assert.equal(existsSync(server.dir), false);
      await server.stop();
    });

    test('requires the password it was started with', async () => {
      const server = await RedisServer.start({ server: kind, password: 'pa ss"word' });
      try {
        await assert.rejects(run(server.address, undefined, 'PING'), /NOAUTH/);
        assert.equal(await run(server.address, 'pa ss"word', 'PING'), 'PONG');
      } finally {
        await server.stop();
      }
    });

    test('a failed start rejects with the log tail and leaves no process behind', async () => {
      const before = childPids();
      await assert.rejects(RedisServer.start({ server: kind, args: ['--no-such-directive', 'x'] }), (error: Error) => {
        assert.match(error.message, /failed to start/);
        assert.match(error.message, /no-such-directive/);
        return true;
      });
      assert.deepEqual(childPids(), before);
    });

    test('a fixed port that is taken rejects with the reason', async () => {
      const server = await RedisServer.start({ server: kind });
      try {
        await assert.rejects(RedisServer.start({ server: kind, port: server.port }), /Address already in use/);
      } finally {
        await server.stop();
      }
    });

    test('pause() stops answering, resume() answers again, restart() keeps port and folder', async () => {
      const server = await RedisServer.start({ server: kind });
      try {
        server.pause();
        const conn = await createConnection(server.address, { connectTimeout: 2_000 });
        try {
          const ping = conn.execute('PING');
          let timer: NodeJS.Timeout | undefined;
          const silent = new Promise<'silent'>((resolve) => {
            timer = setTimeout(() => resolve('silent'), 200);
          });
          assert.equal(await Promise.race([ping, silent]), 'silent');
          clearTimeout(timer);
          server.resume();
          assert.equal(await ping, 'PONG');
        } finally {
          conn.close();
          await conn.waitClosed();
        }

        const { port, dir, pid } = server;
        await server.restart();
        assert.equal(server.port, port);
        assert.equal(server.dir, dir);
        assert.notEqual(server.pid, pid);
        assert.equal(isAlive(pid), false);
        assert.equal(await run(server.address, undefined, 'PING'), 'PONG');
      } finally {
        await server.stop();
      }
      assert.equal(isAlive(server.pid), false);
    });
  });

describe('server kinds', () => {
  test('an unknown kind is a TypeError, before anything starts', async () => {
    const before = childPids();
    await assert.rejects(RedisServer.start({ server: 'memcached' as ServerKind }), TypeError);
    await assert.rejects(
      SentinelTopology.start({ server: 'keydb' as ServerKind }),
      /server must be 'redis' or 'valkey'/,
    );
    assert.deepEqual(childPids(), before);
  });

  test('a missing binary rejects at once saying what to install', async () => {
    const saved = process.env.VALKEY_SERVER_BIN;
    process.env.VALKEY_SERVER_BIN = '/nonexistent/valkey-server';
    const before = childPids();
    try {
      await assert.rejects(RedisServer.start({ server: 'valkey' }), (error: Error) => {
        assert.match(error.message, /Cannot start a valkey server: \/nonexistent\/valkey-server/);
        assert.match(error.message, /apt-get install -y -t bookworm-backports valkey-server/);
        return true;
      });
      await assert.rejects(SentinelServer.start({ server: 'valkey', monitors: [] }), /Cannot start a valkey server/);
      await assert.rejects(SentinelTopology.start({ server: 'valkey' }), /Cannot start a valkey server/);
    } finally {
      if (saved === undefined) delete process.env.VALKEY_SERVER_BIN;
      else process.env.VALKEY_SERVER_BIN = saved;
    }
    assert.deepEqual(childPids(), before);
  });
});

for (const kind of serverKinds())
  describe(`SentinelTopology (${kind})`, () => {
    test('1 replica + 2 sentinels: sentinels agree, failover() moves the master, stop() kills every pid', async () => {
      const topology = await SentinelTopology.start({ server: kind, replicas: 1, sentinels: 2 });
      const pids = [...topology.servers, ...topology.sentinelServers].map((p) => p.pid);
      const dirs = [...topology.servers, ...topology.sentinelServers].map((p) => p.dir);
      try {
        assert.equal(topology.server, kind);
        for (const p of [...topology.servers, ...topology.sentinelServers]) assert.equal(p.server, kind);
        assert.equal(await familyOf(topology.master.address), kind);
        assert.equal(await familyOf(topology.sentinelAddresses[0]!), kind);
        assert.equal(topology.service, 'mymaster');
        assert.equal(topology.sentinelAddresses.length, 2);
        assert.equal(topology.replicas.length, 1);
        assert.equal(topology.servers.length, 2);
        const oldAddress = topology.master.address;
        for (const sentinel of topology.sentinelAddresses) {
          assert.deepEqual(await run(sentinel, undefined, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'), [
            oldAddress[0],
            String(oldAddress[1]),
          ]);
        }
        assert.deepEqual(await topology.masterAddress(), oldAddress);
        const replica = topology.replicas[0]!;
        assert.equal(((await run(replica.address, undefined, 'ROLE')) as unknown[])[0], 'slave');

        const newAddress = await topology.failover();
        assert.notDeepEqual(newAddress, oldAddress);
        assert.deepEqual(newAddress, replica.address);
        assert.deepEqual(await topology.masterAddress(), newAddress);
        assert.equal(topology.master, replica);
        assert.deepEqual(
          topology.replicas.map((r) => r.address),
          [oldAddress],
        );
        assert.equal(((await run(newAddress, undefined, 'ROLE')) as unknown[])[0], 'master');
      } finally {
        await topology.stop();
      }
      for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still alive`);
      for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} still exists`);
      await topology.stop();
    });

    test('with passwords: killMaster() leads to a new master, pauseMaster() resumes', async () => {
      const topology = await SentinelTopology.start({
        server: kind,
        replicas: 1,
        sentinels: 1,
        password: 'data-pw',
        sentinelPassword: 'sentinel-pw',
      });
      try {
        const [sentinel] = topology.sentinelAddresses;
        await assert.rejects(run(sentinel!, undefined, 'SENTINEL', 'MASTERS'), /NOAUTH/);
        await assert.rejects(run(topology.master.address, undefined, 'PING'), /NOAUTH/);

        await topology.pauseMaster(100);
        assert.equal(topology.master.paused, false);
        assert.equal(await run(topology.master.address, 'data-pw', 'PING'), 'PONG');

        const oldAddress = await topology.killMaster();
        const newAddress = await topology.waitForMasterChange(oldAddress, 20_000);
        assert.notDeepEqual(newAddress, oldAddress);
        assert.deepEqual(topology.master.address, newAddress);
        assert.equal(((await run(newAddress, 'data-pw', 'ROLE')) as unknown[])[0], 'master');
      } finally {
        await topology.stop();
      }
    });

    test('stop() kills exactly its own pids (a restarted sentinel too); a server started beside it keeps running', async () => {
      const outsider = await RedisServer.start({ server: kind });
      let topology: SentinelTopology | undefined;
      try {
        topology = await SentinelTopology.start({ server: kind, replicas: 1, sentinels: 1 });
        const sentinel = topology.sentinelServers[0]!;
        const firstPid = sentinel.pid;
        // A restarted sentinel keeps its rewritten config, so it still knows the master.
        await sentinel.restart();
        assert.notEqual(sentinel.pid, firstPid);
        assert.equal(isAlive(firstPid), false);
        assert.deepEqual(await run(sentinel.address, undefined, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'), [
          topology.master.host,
          String(topology.master.port),
        ]);
        const own = [...topology.servers, ...topology.sentinelServers].map((p) => p.pid);
        assert.equal(own.length, 3);
        for (const pid of own) assert.ok(childPids().includes(pid), `pid ${pid} is not a child of this test`);
        await topology.stop();
        for (const pid of own) assert.equal(isAlive(pid), false, `pid ${pid} still alive`);
        assert.equal(isAlive(outsider.pid), true);
        assert.equal(await run(outsider.address, undefined, 'PING'), 'PONG');
      } finally {
        await topology?.stop();
        await outsider.stop();
      }
    });
  });

describe('SentinelTopology', () => {
  test('stop() resumes a paused master and ends it', async () => {
    const topology = await SentinelTopology.start({ replicas: 0, sentinels: 1 });
    const master = topology.master;
    const resumed = topology.pauseMaster(60_000);
    await topology.stop();
    await resumed;
    assert.equal(isAlive(master.pid), false);
  });

  test('a failed start stops what it started', async () => {
    const before = childPids();
    await assert.rejects(
      SentinelTopology.start({ replicas: 1, sentinels: 2, sentinelArgs: ['--no-such-directive', 'x'] }),
      /failed to start/,
    );
    assert.deepEqual(childPids(), before);
  });

  test('several services share the sentinels', async () => {
    const topology = await SentinelTopology.start({ replicas: 1, sentinels: 1, services: ['alpha', 'beta'] });
    try {
      assert.equal(topology.service, 'alpha');
      assert.deepEqual(await topology.masterAddress('beta'), topology.masterOf('beta').address);
      assert.notDeepEqual(topology.masterOf('alpha').address, topology.masterOf('beta').address);
      assert.equal(topology.servers.length, 4);
    } finally {
      await topology.stop();
    }
  });
});
