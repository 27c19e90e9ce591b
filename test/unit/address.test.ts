import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, parseAddress, parseAddressList, sameAddress } from '../../src/address.js';
import { createConnection } from '../../src/connection/connection.js';
import { createRedis, createRedisPool } from '../../src/client/redis.js';

/** A TypeError whose message names `entry` (as the user wrote it). */
function namesEntry(entry: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof TypeError, `expected a TypeError, got ${String(err)}`);
    assert.ok(err.message.includes(entry), `"${err.message}" should name ${entry}`);
    return true;
  };
}

describe('parseAddress', () => {
  test('[host, port]', () => {
    assert.deepEqual(parseAddress(['10.0.0.1', 26379]), { host: '10.0.0.1', port: 26379, tls: false });
  });

  test('{ host, port } (and { tls: true })', () => {
    assert.deepEqual(parseAddress({ host: 'redis.local', port: 6380 }), {
      host: 'redis.local',
      port: 6380,
      tls: false,
    });
    assert.deepEqual(parseAddress({ host: 'redis.local', port: 6380, tls: true }), {
      host: 'redis.local',
      port: 6380,
      tls: true,
    });
  });

  test("'host:port'", () => {
    assert.deepEqual(parseAddress('localhost:26379'), { host: 'localhost', port: 26379, tls: false });
  });

  test("'redis://host:port' and 'rediss://host:port' (TLS)", () => {
    assert.deepEqual(parseAddress('redis://sentinel-1:26379'), { host: 'sentinel-1', port: 26379, tls: false });
    assert.deepEqual(parseAddress('rediss://sentinel-1:26380'), { host: 'sentinel-1', port: 26380, tls: true });
    assert.deepEqual(parseAddress('redis://sentinel-1:26379/'), { host: 'sentinel-1', port: 26379, tls: false });
  });

  test('a URL without a port gets 6379', () => {
    assert.deepEqual(parseAddress('redis://cache'), { host: 'cache', port: 6379, tls: false });
  });

  test('IPv6 hosts in brackets', () => {
    assert.deepEqual(parseAddress('[::1]:6379'), { host: '::1', port: 6379, tls: false });
    assert.deepEqual(parseAddress('rediss://[fe80::1]:6380'), { host: 'fe80::1', port: 6380, tls: true });
    assert.deepEqual(parseAddress(['::1', 6379]), { host: '::1', port: 6379, tls: false });
  });

  for (const port of [0, -1, 65536, 70000, 1.5, Number.NaN]) {
    test(`port ${port} is out of range: TypeError naming the entry`, () => {
      assert.throws(() => parseAddress(['myhost', port]), namesEntry('myhost'));
      assert.throws(() => parseAddress({ host: 'myhost', port }), namesEntry('myhost'));
    });
  }

  test('out-of-range ports in strings are refused', () => {
    assert.throws(() => parseAddress('myhost:65536'), namesEntry('myhost:65536'));
    assert.throws(() => parseAddress('myhost:0'), namesEntry('myhost:0'));
    assert.throws(() => parseAddress('redis://myhost:99999'), namesEntry('redis://myhost:99999'));
  });

  test('malformed entries are refused with a TypeError naming them', () => {
    assert.throws(() => parseAddress('just-a-host'), namesEntry('just-a-host'));
    assert.throws(() => parseAddress('http://host:80'), namesEntry('http://host:80'));
    assert.throws(() => parseAddress(['', 6379]), TypeError);
    assert.throws(() => parseAddress(['host']), namesEntry('host'));
    assert.throws(() => parseAddress(['host', 1, 2]), namesEntry('host'));
    assert.throws(() => parseAddress(6379), namesEntry('6379'));
    assert.throws(() => parseAddress(null), TypeError);
    assert.throws(() => parseAddress({ port: 6379 }), namesEntry('6379'));
  });
});

describe('parseAddressList', () => {
  test('accepts every form, mixed in one list', () => {
    const list = parseAddressList([
      ['127.0.0.1', 26379],
      { host: 'b', port: 26380 },
      'c:26381',
      'redis://d:26382',
      'rediss://e:26383',
    ]);
    assert.deepEqual(list, [
      { host: '127.0.0.1', port: 26379, tls: false },
      { host: 'b', port: 26380, tls: false },
      { host: 'c', port: 26381, tls: false },
      { host: 'd', port: 26382, tls: false },
      { host: 'e', port: 26383, tls: true },
    ]);
  });

  test('a bare [host, port] passed as the list is refused with a TypeError naming it', () => {
    assert.throws(
      () => parseAddressList(['localhost', 26379]),
      (err: unknown) => err instanceof TypeError && err.message.includes('localhost') && err.message.includes('26379'),
    );
  });

  test('an empty array, a non-array and undefined are refused', () => {
    assert.throws(() => parseAddressList([]), TypeError);
    assert.throws(() => parseAddressList('localhost:26379'), namesEntry('localhost:26379'));
    assert.throws(() => parseAddressList(undefined), TypeError);
  });

  test('one bad entry among good ones is named in the error', () => {
    assert.throws(
      () =>
        parseAddressList([
          ['a', 26379],
          ['bad-host', 0],
        ]),
      namesEntry('bad-host'),
    );
    assert.throws(() => parseAddressList(['a:26379', 'nope']), namesEntry('nope'));
  });
});

describe('sameAddress / formatAddress', () => {
  test('sameAddress compares host and port; null never matches', () => {
    assert.equal(sameAddress(['h', 1], ['h', 1]), true);
    assert.equal(sameAddress(['h', 1], ['h', 2]), false);
    assert.equal(sameAddress(['h', 1], ['g', 1]), false);
    assert.equal(sameAddress(null, null), false);
    assert.equal(sameAddress(['h', 1], undefined), false);
  });

  test('formatAddress: text that parses back to the same address', () => {
    assert.equal(formatAddress(['h', 1234]), 'h:1234');
    assert.equal(formatAddress({ host: '::1', port: 6379 }), '[::1]:6379');
    assert.deepEqual(parseAddress(formatAddress(['::1', 6379])), { host: '::1', port: 6379, tls: false });
  });
});

describe('clients refuse bad addresses at once, without connecting', () => {
  test('createConnection, createRedis and createRedisPool reject a TypeError', async () => {
    await assert.rejects(createConnection(['127.0.0.1', 70000]), namesEntry('127.0.0.1'));
    await assert.rejects(createRedis('nohost'), namesEntry('nohost'));
    await assert.rejects(createRedisPool({ host: 'x', port: -5 }), namesEntry('-5'));
  });
});
