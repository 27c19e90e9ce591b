// Options of createSentinel that change how managed clients reach and talk to data nodes: natMap,
// db, encoding, parser, commandTimeout, logger.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ConsoleLogger, Logger } from '@nestjs/common';
import RedisParser from 'redis-parser';
import { createConnection } from '../../src/connection/connection.js';
import { createSentinel, type RedisSentinel } from '../../src/sentinel/index.js';
import { SentinelTopology, waitFor } from '../../src/testing/index.js';
import { sameAddress } from '../../src/address.js';
import { TimeoutError } from '../../src/errors.js';
import type { Address, ReplyParser, ReplyParserOptions } from '../../src/types.js';
import { closeSentinel } from '../helpers/sentinel.js';
import { rejection, uniq } from '../helpers/util.js';

const SERVICE = 'mymaster';
let topology: SentinelTopology;

before(async () => {
  topology = await SentinelTopology.start({ replicas: 1, sentinels: 1 });
});

after(async () => {
  await topology?.stop();
});

const LEVELS = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const;
const CONSOLE = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/**
 * Records (and swallows) every line sent to Nest's Logger (static and instance methods), its
 * ConsoleLogger and the console until the test ends: where a library without a logger could still print.
 */
function spyOnLogging(t: TestContext): string[] {
  const lines: string[] = [];
  const record =
    (where: string) =>
    (...args: unknown[]): void => {
      lines.push(`${where}: ${args.map((a) => String(a)).join(' ')}`);
    };
  for (const level of LEVELS) {
    t.mock.method(Logger, level, record(`Logger.${level}`));
    t.mock.method(Logger.prototype, level, record(`logger.${level}`));
    t.mock.method(ConsoleLogger.prototype, level, record(`consoleLogger.${level}`));
  }
  for (const level of CONSOLE) t.mock.method(console, level, record(`console.${level}`));
  return lines;
}

/** A TCP relay to `target` on a port of its own: stands for the address a NAT would expose. */
async function relay(
  target: Address,
): Promise<{ address: Address; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(target[1], target[0]);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: ['127.0.0.1', port],
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function directGet(address: Address, db: number, key: string): Promise<unknown> {
  const conn = await createConnection(address, { db });
  try {
    return await conn.execute('GET', key);
  } finally {
    conn.close();
    await conn.waitClosed();
  }
}

describe('createSentinel options', () => {
  test('natMap: announced master and replica addresses are mapped to the reachable ones', async () => {
    const master = await topology.masterAddress();
    const replica = topology.replicas[0]!.address;
    const masterRelay = await relay(master);
    const replicaRelay = await relay(replica);
    const sentinel = await createSentinel(topology.sentinelAddresses, {
      natMap: {
        [`${master[0]}:${master[1]}`]: { host: masterRelay.address[0], port: masterRelay.address[1] },
        [`${replica[0]}:${replica[1]}`]: { host: replicaRelay.address[0], port: replicaRelay.address[1] },
      },
    });
    try {
      const key = uniq('nat');
      const m = sentinel.masterFor(SERVICE);
      assert.equal(await m.set(key, 'v'), 'OK');
      assert.deepEqual(m.address, masterRelay.address);
      assert.ok(masterRelay.connections() >= 1);
      assert.deepEqual(await sentinel.masterAddress(SERVICE), masterRelay.address);
      const s = sentinel.slaveFor(SERVICE);
      await waitFor('the write to reach the replica', async () => (await s.get(key)) === 'v', { timeoutMs: 5_000 });
      assert.deepEqual(s.address, replicaRelay.address);
      assert.equal((await s.role()).role, 'slave');
    } finally {
      await closeSentinel(sentinel);
      await masterRelay.close();
      await replicaRelay.close();
    }
  });

  test('db: managed clients SELECT it; other dbs do not see their keys', async () => {
    const sentinel = await createSentinel(topology.sentinelAddresses, { db: 3, minsize: 2 });
    try {
      const key = uniq('db');
      const m = sentinel.masterFor(SERVICE);
      assert.equal(m.db, 3);
      // Two connections: the one from discovery and the one opened straight to the address.
      await Promise.all([m.set(key, 'three'), m.get(key)]);
      assert.equal(sentinel.pool.masterFor(SERVICE).size, 2);
      const master = await topology.masterAddress();
      assert.equal(await directGet(master, 3, key), 'three');
      assert.equal(await directGet(master, 0, key), null);
    } finally {
      await closeSentinel(sentinel);
    }
  });

  test('encoding: null gives Buffers from managed clients; a per-call encoding overrides it', async () => {
    const sentinel = await createSentinel(topology.sentinelAddresses, { encoding: null });
    try {
      const key = uniq('enc');
      const m = sentinel.masterFor(SERVICE);
      const bytes = Buffer.from([0xff, 0x00, 0x0d, 0x0a, 0xfe]);
      await m.set(key, bytes);
      const raw = await m.execute<Buffer>('GET', key);
      assert.ok(Buffer.isBuffer(raw));
      assert.deepEqual(raw, bytes);
      await m.set(key, 'text');
      assert.equal(await m.get(key, { encoding: 'utf8' }), 'text');
    } finally {
      await closeSentinel(sentinel);
    }
  });

  test('parser: the factory given is the one that parses every reply, sentinels included', async () => {
    let replies = 0;
    const parser = (options: ReplyParserOptions): ReplyParser =>
      new RedisParser({
        ...options,
        returnReply: (reply: unknown) => {
          replies++;
          options.returnReply(reply);
        },
      }) as unknown as ReplyParser;
    const sentinel = await createSentinel(topology.sentinelAddresses, { parser });
    try {
      const afterConnect = replies;
      assert.ok(afterConnect > 0, 'the sentinel connections use the custom parser');
      assert.equal(await sentinel.masterFor(SERVICE).set(uniq('p'), '1'), 'OK');
      assert.ok(replies > afterConnect + 1, 'discovery and the command went through the custom parser');
    } finally {
      await closeSentinel(sentinel);
    }
  });

  test('commandTimeout: a stalled master rejects TimeoutError; the client works again afterwards', async () => {
    const sentinel = await createSentinel(topology.sentinelAddresses, { commandTimeout: 100 });
    try {
      const m = sentinel.masterFor(SERVICE);
      assert.equal(await m.ping(), 'PONG');
      const master = await topology.masterAddress();
      const sleeper = await createConnection(master);
      const probe = await createConnection(master);
      const sleeping = sleeper.execute('DEBUG', 'SLEEP', '0.5');
      try {
        // Wait until the server is really inside DEBUG SLEEP (a PING stops answering) before measuring.
        await waitFor('the master to be inside DEBUG SLEEP', () =>
          Promise.race([
            probe.execute('PING').then(() => false),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 30)),
          ]),
        );
        // Answered only once the sleep is over: the moment the GET would have been answered too.
        const woke = probe.execute('PING').then(() => new Error('the master answered before the GET timed out'));
        const first = await Promise.race([rejection(m.get(uniq('t'))), woke]);
        assert.ok(first instanceof TimeoutError, String(first));
      } finally {
        await sleeping;
        sleeper.close();
        probe.close();
      }
      assert.equal(await m.ping(), 'PONG');
    } finally {
      await closeSentinel(sentinel);
    }
  });

  test('logger: discovery and failovers are logged, and nothing is logged without a logger', async (t) => {
    const lines = spyOnLogging(t);
    /** Discovery, a command, a graceful failover and a command on the new master. */
    const discoverAndFailOver = async (
      sentinel: RedisSentinel,
    ): Promise<{ oldMaster: Address; newMaster: Address }> => {
      const redis = sentinel.masterFor(SERVICE);
      assert.equal(await redis.ping(), 'PONG');
      const oldMaster = await topology.masterAddress();
      const newMaster = await topology.failover({ timeoutMs: 30_000 });
      await waitFor('the client to follow the failover', () => sameAddress(redis.address, newMaster), {
        timeoutMs: 15_000,
      });
      assert.equal(await redis.set(uniq('logger'), 'x'), 'OK');
      // The old master is a replica again: the other tests find the topology at rest.
      await topology.waitForReplicas(undefined, 30_000);
      return { oldMaster, newMaster };
    };

    const quiet = await createSentinel(topology.sentinelAddresses);
    try {
      await discoverAndFailOver(quiet);
    } finally {
      await closeSentinel(quiet);
    }
    assert.equal(
      lines.length,
      0,
      `no logger given, yet lines reached Nest's Logger or the console:\n${lines.join('\n')}`,
    );

    // The control: the same spy sees the lines of a client given a (Nest) logger.
    const logged = await createSentinel(topology.sentinelAddresses, { logger: new Logger('SentinelOptionsTest') });
    try {
      const master = await topology.masterAddress();
      await logged.masterFor(SERVICE).ping();
      assert.ok(
        lines.some((l) => l.includes(`${master[0]}:${master[1]}`)),
        `discovery logged the master ${master.join(':')}:\n${lines.join('\n')}`,
      );
      const discoveryLines = lines.length;
      const { newMaster } = await discoverAndFailOver(logged);
      assert.ok(
        lines.slice(discoveryLines).some((l) => l.includes(`${newMaster[0]}:${newMaster[1]}`)),
        `the failover to ${newMaster.join(':')} was logged:\n${lines.join('\n')}`,
      );
    } finally {
      await closeSentinel(logged);
    }
  });
});
