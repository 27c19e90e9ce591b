// The in-flight race of the client-side cache, made deterministic with a fake server (a real one cannot
// be told to hold one reply while it sends an invalidation): a GET whose key is invalidated (or the
// whole cache flushed) while its reply is on the way resolves with that reply, but is not kept, so the
// next read goes to the server. A GET with nothing in between is kept (the control).
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createRedisPool, type Redis } from '../../src/client/redis.js';
import type { ClientCacheStats } from '../../src/client-cache/client-cache.js';
import type { ConnectionsPool } from '../../src/pool/pool.js';
import { waitFor } from '../../src/testing/index.js';
import { FakeServer, onCommands } from '../helpers/fake-server.js';

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const CHANNEL = '__redis__:invalidate';

/** A server that speaks just enough for the cache, and holds GET replies while `hold` is set. */
class CacheFake {
  fake!: FakeServer;
  value = 'old';
  hold = false;
  gets = 0;
  tracking = 0;
  link: Socket | null = null;
  held: (() => void)[] = [];
  private nextId = 100;

  async start(): Promise<void> {
    this.fake = await FakeServer.start((socket) => {
      const id = this.nextId++;
      onCommands(socket, (args) => this.answer(socket, id, args));
    });
  }

  private answer(socket: Socket, id: number, args: string[]): void {
    const name = args[0]!.toUpperCase();
    if (name === 'PING') socket.write('+PONG\r\n');
    else if (name === 'CLIENT' && args[1]!.toUpperCase() === 'ID') {
      this.link = socket;
      socket.write(`:${id}\r\n`);
    } else if (name === 'CLIENT' && args[1]!.toUpperCase() === 'TRACKING') {
      this.tracking++;
      socket.write('+OK\r\n');
    } else if (name === 'SUBSCRIBE') socket.write(`*3\r\n${bulk('subscribe')}${bulk(args[1]!)}:1\r\n`);
    else if (name === 'GET') {
      this.gets++;
      const reply = bulk(this.value);
      if (this.hold) this.held.push(() => socket.write(reply));
      else socket.write(reply);
    } else socket.write(`-ERR fake server: ${name}\r\n`);
  }

  /** An invalidation message on the link: the keys, or null for a flush. */
  invalidate(keys: string[] | null): void {
    const payload = keys === null ? '*-1\r\n' : `*${keys.length}\r\n${keys.map(bulk).join('')}`;
    this.link!.write(`*3\r\n${bulk('message')}${bulk(CHANNEL)}${payload}`);
  }
}

let server: CacheFake;
let redis: Redis;

function stats(): ClientCacheStats {
  return (redis.connection as ConnectionsPool).cacheStats!;
}

before(async () => {
  server = new CacheFake();
  await server.start();
  redis = await createRedisPool(server.fake.address, { minsize: 1, maxsize: 1, pingInterval: 0, clientCache: {} });
  await waitFor('the data connection to track', () => server.tracking === 1, { timeoutMs: 5_000 });
});

after(async () => {
  redis?.close();
  await redis?.waitClosed();
  await server?.fake.close();
});

beforeEach(() => {
  server.hold = false;
  server.value = 'old';
});

/** Sends GET `key` and waits until the server holds its reply (wrapped: an async function would await it). */
async function heldGet(key: string): Promise<{ reply: Promise<unknown> }> {
  server.hold = true;
  const gets = server.gets;
  const reply = redis.get(key);
  await waitFor('the GET to reach the server', () => server.gets > gets, { timeoutMs: 5_000 });
  return { reply };
}

describe('a read in flight', () => {
  test('with nothing in between, its reply is kept (control)', async () => {
    const { reply } = await heldGet('control');
    server.held.shift()!();
    assert.equal(await reply, 'old');
    const gets = server.gets;
    assert.equal(await redis.get('control'), 'old');
    assert.equal(server.gets, gets, 'answered from memory');
  });

  test('invalidated while its reply is on the way: resolves, but is not kept', async () => {
    const { reply } = await heldGet('raced');
    const invalidations = stats().invalidations;
    server.invalidate(['raced']);
    await waitFor('the invalidation to be handled', () => stats().invalidations > invalidations, { timeoutMs: 5_000 });
    server.value = 'new';
    server.held.shift()!();
    assert.equal(await reply, 'old', 'the reply the server gave before its write');
    server.hold = false;
    const gets = server.gets;
    assert.equal(await redis.get('raced'), 'new', 'not the stale reply');
    assert.equal(server.gets, gets + 1, 'read from the server');
  });

  test('an invalidation of another key does not stop it being kept', async () => {
    const { reply } = await heldGet('mine');
    const invalidations = stats().invalidations;
    server.invalidate(['someone-else']);
    await waitFor('the invalidation to be handled', () => stats().invalidations > invalidations, { timeoutMs: 5_000 });
    server.held.shift()!();
    assert.equal(await reply, 'old');
    const gets = server.gets;
    await redis.get('mine');
    assert.equal(server.gets, gets);
  });

  test('a flush (null invalidation) while its reply is on the way: not kept', async () => {
    const { reply } = await heldGet('flushed');
    const flushes = stats().flushes;
    server.invalidate(null);
    await waitFor('the flush to be handled', () => stats().flushes > flushes, { timeoutMs: 5_000 });
    server.value = 'after-flush';
    server.held.shift()!();
    assert.equal(await reply, 'old');
    server.hold = false;
    assert.equal(await redis.get('flushed'), 'after-flush');
  });
});
