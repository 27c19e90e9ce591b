// The client-side cache's pure parts: the LRU store (order, bound, ttl, index by key), which commands
// are cacheable, entry identities that never collide, index keys, and option validation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CACHEABLE_COMMANDS, cacheGroups, isCacheable } from '../../src/client-cache/cacheable.js';
import { argsKey, copyReply, indexKey } from '../../src/client-cache/keys.js';
import { LruStore } from '../../src/client-cache/lru-store.js';
import { validateClientCache } from '../../src/client-cache/options.js';

describe('LruStore', () => {
  test('keeps at most maxEntries, evicting the least recently used first', () => {
    const store = new LruStore(3, 0);
    store.set('g', 'a', 'ka', 1);
    store.set('g', 'b', 'kb', 2);
    store.set('g', 'c', 'kc', 3);
    assert.equal(store.get('g', 'a'), 1); // a is now the most recent: b is the oldest
    store.set('g', 'd', 'kd', 4);
    assert.equal(store.size, 3);
    assert.equal(store.get('g', 'b'), undefined);
    assert.deepEqual(
      ['a', 'c', 'd'].map((id) => store.get('g', id)),
      [1, 3, 4],
    );
  });

  test('invalidating a key drops every reply read from it, and only those', () => {
    const store = new LruStore(10, 0);
    store.set('g', 'GET k', 'k', 'v');
    store.set('g', 'STRLEN k', 'k', 1);
    store.set('g', 'GET other', 'other', 'w');
    assert.equal(store.invalidate('k'), 2);
    assert.equal(store.get('g', 'GET k'), undefined);
    assert.equal(store.get('g', 'STRLEN k'), undefined);
    assert.equal(store.get('g', 'GET other'), 'w');
    assert.equal(store.invalidate('k'), 0);
    // An entry evicted by the bound leaves no trace in the index.
    const small = new LruStore(1, 0);
    small.set('g', 'x', 'kx', 1);
    small.set('g', 'y', 'ky', 2);
    assert.equal(small.invalidate('kx'), 0);
  });

  test('an entry past its ttl is a miss and is dropped', () => {
    const store = new LruStore(10, 1_000);
    const realNow = Date.now;
    let now = 1_000_000;
    Date.now = () => now;
    try {
      store.set('g', 'a', 'ka', 'v');
      now += 999;
      assert.equal(store.get('g', 'a'), 'v');
      now += 1;
      assert.equal(store.get('g', 'a'), undefined);
      assert.equal(store.size, 0);
    } finally {
      Date.now = realNow;
    }
  });

  test('setting an id again replaces the entry (one entry, new value)', () => {
    const store = new LruStore(10, 0);
    store.set('g', 'a', 'k', 1);
    store.set('g', 'a', 'k', 2);
    assert.equal(store.size, 1);
    assert.equal(store.get('g', 'a'), 2);
    assert.equal(store.invalidate('k'), 1);
  });
});

describe('cacheable commands', () => {
  test('single-key reads are cacheable in any spelling; side effects, time and randomness are not', () => {
    for (const name of ['GET', 'get', 'HGETALL', 'zrange', 'SISMEMBER', 'LRANGE', 'STRLEN', 'TYPE']) {
      assert.equal(isCacheable(name, ['k', 'x']), true, name);
    }
    for (const name of [
      'TTL',
      'PTTL',
      'OBJECT',
      'RANDOMKEY',
      'SRANDMEMBER',
      'GETEX',
      'GETDEL',
      'SET',
      'MGET',
      'PFCOUNT',
    ]) {
      assert.equal(isCacheable(name, ['k']), false, name);
    }
    assert.equal(isCacheable('GET', []), false);
  });

  test('EXISTS is cacheable with one key only', () => {
    assert.equal(isCacheable('EXISTS', ['a']), true);
    assert.equal(isCacheable('exists', ['a', 'b']), false);
  });

  test('the list holds only read-only commands of the command table', async () => {
    const { hasFlag, exists } = await import('@ioredis/commands');
    for (const name of CACHEABLE_COMMANDS) {
      assert.ok(exists(name), name);
      assert.ok(hasFlag(name, 'readonly'), `${name} is read-only`);
    }
  });
});

describe('cache keys', () => {
  test('arguments are length-prefixed: different calls never share an entry', () => {
    assert.notEqual(argsKey(['h', 'a b']), argsKey(['h', 'a', 'b']));
    assert.notEqual(argsKey(['h', 'a s1:b']), argsKey(['h', 'a', 'b']));
    assert.notEqual(argsKey(['k', 1]), argsKey(['k', '1']));
    assert.notEqual(argsKey([Buffer.from('k')]), argsKey(['k']));
    assert.equal(argsKey(['h', 'a', 'b']), argsKey(['h', 'a', 'b']));
  });

  test('the store groups keep command, reply form and argument shape apart', () => {
    const get = cacheGroups('GET', ['k'])!;
    const strlen = cacheGroups('STRLEN', ['k'])!;
    const all = [...get.single, ...get.other, ...strlen.single, ...strlen.other];
    assert.equal(new Set(all).size, all.length);
    assert.equal(cacheGroups('GET', ['k']), get, 'looked up once per spelling');
  });

  test('a hit in the recent half keeps its place; one in the older half moves to the recent end', () => {
    const store = new LruStore(4, 0);
    for (const id of ['a', 'b', 'c', 'd']) store.set('g', id, id, id);
    store.get('g', 'd'); // recent half: stays
    store.get('g', 'a'); // older half: moves to the end
    store.set('g', 'e', 'e', 'e'); // evicts b, the least recently placed
    assert.equal(store.get('g', 'b'), undefined);
    assert.deepEqual(
      ['a', 'c', 'd', 'e'].map((id) => store.get('g', id)),
      ['a', 'c', 'd', 'e'],
    );
  });

  test('the index key is the key bytes: string and Buffer forms of one key meet', () => {
    assert.equal(indexKey('plain'), 'plain');
    assert.equal(indexKey('clé'), Buffer.from('clé').toString('latin1'));
    assert.equal(indexKey(Buffer.from('clé')), indexKey('clé'));
    assert.equal(indexKey(Buffer.from([0xff, 0x00])), '\u00ff\u0000');
    assert.equal(indexKey(12), '12');
  });

  test('copies of replies share nothing mutable with the original', () => {
    const original = ['a', Buffer.from('b'), ['c']];
    const copy = copyReply(original) as unknown[];
    assert.deepEqual(copy, original);
    (copy[1] as Buffer)[0] = 0x7a;
    (copy[2] as string[]).push('d');
    copy.push('e');
    assert.deepEqual(original, ['a', Buffer.from('b'), ['c']]);
  });
});

describe('clientCache option', () => {
  test('defaults, and a TypeError naming the bad field', () => {
    assert.equal(validateClientCache(undefined), null);
    assert.deepEqual(validateClientCache({}), { maxEntries: 10_000, ttl: 0, broadcast: false, prefixes: [] });
    assert.deepEqual(validateClientCache({ maxEntries: 5, ttl: 100 }), {
      maxEntries: 5,
      ttl: 100,
      broadcast: false,
      prefixes: [],
    });
    assert.throws(() => validateClientCache({ maxEntries: 0 }), /clientCache\.maxEntries/);
    assert.throws(() => validateClientCache({ maxEntries: 1.5 }), /clientCache\.maxEntries/);
    assert.throws(() => validateClientCache({ ttl: -1 }), /clientCache\.ttl/);
    assert.throws(() => validateClientCache({ ttl: 0 }), /clientCache\.ttl/);
    assert.throws(() => validateClientCache({ maxEntires: 5 }), /clientCache\.maxEntires is not an option/);
    assert.throws(() => validateClientCache(true), TypeError);
    assert.throws(() => validateClientCache(null), /clientCache must be an object/);
  });

  test('broadcast mode and its prefixes', () => {
    assert.deepEqual(validateClientCache({ mode: 'broadcast', prefixes: ['a:', 'b:', 'a:'] }), {
      maxEntries: 10_000,
      ttl: 0,
      broadcast: true,
      prefixes: ['a:', 'b:'],
    });
    assert.equal(validateClientCache({ mode: 'broadcast' })!.broadcast, true);
    assert.throws(() => validateClientCache({ mode: 'bcast' }), /clientCache\.mode/);
    assert.throws(() => validateClientCache({ prefixes: ['a:'] }), /clientCache\.prefixes needs mode: 'broadcast'/);
    assert.throws(() => validateClientCache({ mode: 'broadcast', prefixes: [''] }), /clientCache\.prefixes/);
    assert.throws(() => validateClientCache({ mode: 'broadcast', prefixes: 'a:' }), /clientCache\.prefixes/);
    assert.throws(
      () => validateClientCache({ mode: 'broadcast', prefixes: ['user:', 'user:1'] }),
      /overlap: 'user:' and 'user:1'/,
    );
  });
});
