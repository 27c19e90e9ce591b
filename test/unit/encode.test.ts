import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteBatch, encodeCommand } from '../../src/protocol/encode.js';
import type { RedisArg } from '../../src/types.js';

/** The bytes a batch would write, whatever shape take() returned. */
function bytesOf(out: string | (string | Buffer)[]): Buffer {
  if (typeof out === 'string') return Buffer.from(out);
  return Buffer.concat(out.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}

/** A reference RESP encoder, written independently of the one under test. */
function reference(name: string, args: readonly (string | number | Buffer)[]): Buffer {
  const parts = [name, ...args].map((a) => (Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'utf8')));
  const out: Buffer[] = [Buffer.from(`*${parts.length}\r\n`)];
  for (const p of parts) out.push(Buffer.from(`$${p.length}\r\n`), p, Buffer.from('\r\n'));
  return Buffer.concat(out);
}

describe('encodeCommand', () => {
  test('strings become an array of bulk strings', () => {
    assert.equal(encodeCommand('SET', ['key', 'value']).toString(), '*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n');
    assert.equal(encodeCommand('PING', []).toString(), '*1\r\n$4\r\nPING\r\n');
  });

  test('an empty string and an empty Buffer are zero-length bulk strings', () => {
    assert.equal(encodeCommand('SET', ['k', '']).toString(), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n');
    assert.equal(encodeCommand('SET', ['k', Buffer.alloc(0)]).toString(), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n');
  });

  test('numbers are sent in decimal', () => {
    assert.equal(
      encodeCommand('X', [0, 42, -7, 1.5, 1e21]).toString(),
      '*6\r\n$1\r\nX\r\n$1\r\n0\r\n$2\r\n42\r\n$2\r\n-7\r\n$3\r\n1.5\r\n$5\r\n1e+21\r\n',
    );
  });

  test('string lengths are UTF-8 byte lengths, not UTF-16 code units', () => {
    const value = 'é🔑ключ';
    assert.equal(Buffer.byteLength(value), 2 + 4 + 8);
    const bytes = encodeCommand('SET', ['ü', value]);
    assert.deepEqual(bytes, reference('SET', ['ü', value]));
    assert.ok(bytes.includes(Buffer.from(`$14\r\n${value}\r\n`)));
    assert.ok(bytes.includes(Buffer.from('$2\r\nü\r\n')));
  });

  test('Buffers are sent byte for byte, including CR LF, NUL and invalid UTF-8', () => {
    const value = Buffer.from([0x0d, 0x0a, 0x00, 0xff, 0xfe, 0x24, 0x2a]);
    const bytes = encodeCommand('SET', [Buffer.from('k\r\n'), value]);
    assert.deepEqual(bytes, reference('SET', [Buffer.from('k\r\n'), value]));
    assert.ok(bytes.includes(Buffer.concat([Buffer.from('$7\r\n'), value, Buffer.from('\r\n')])));
  });

  test('strings with CR LF are length-prefixed, not split', () => {
    const bytes = encodeCommand('SET', ['k', 'a\r\nb\0c']);
    assert.equal(bytes.toString(), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\nb\0c\r\n');
  });

  for (const [label, bad] of [
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an object', { a: 1 }],
    ['an array', ['a']],
    ['a bigint', 10n],
    ['a symbol', Symbol('s')],
  ] as const) {
    test(`${label} argument is rejected with a TypeError naming the command`, () => {
      assert.throws(
        () => encodeCommand('SET', ['k', bad as unknown as RedisArg]),
        (err: unknown) => err instanceof TypeError && /SET/.test(err.message),
      );
    });
  }
});

describe('WriteBatch', () => {
  test('commands pushed one after another leave in order as one write', () => {
    const batch = new WriteBatch();
    assert.equal(batch.empty, true);
    batch.push('SET', ['a', '1']);
    batch.push('GET', ['a']);
    assert.equal(batch.empty, false);
    const out = batch.take();
    assert.equal(typeof out, 'string');
    assert.deepEqual(bytesOf(out), Buffer.concat([reference('SET', ['a', '1']), reference('GET', ['a'])]));
    assert.equal(batch.empty, true);
    assert.equal(batch.take(), '');
  });

  test('strings and Buffers mixed over several commands keep their order', () => {
    const batch = new WriteBatch();
    const big = Buffer.alloc(1000, 0xab);
    batch.push('SET', ['a', '1']);
    batch.push('SET', ['b', big]);
    batch.push('SET', [Buffer.from([0xff]), 'x', Buffer.from([])]);
    batch.push('GET', ['b']);
    const out = batch.take();
    assert.ok(Array.isArray(out));
    assert.deepEqual(
      bytesOf(out),
      Buffer.concat([
        reference('SET', ['a', '1']),
        reference('SET', ['b', big]),
        reference('SET', [Buffer.from([0xff]), 'x', Buffer.from([])]),
        reference('GET', ['b']),
      ]),
    );
    // A large Buffer is not copied: the very same object goes to the socket.
    assert.ok(out.includes(big));
  });

  test('an invalid argument leaves nothing of its command in the batch (string-only batch)', () => {
    const batch = new WriteBatch();
    batch.push('SET', ['a', '1']);
    assert.throws(() => batch.push('SET', ['b', '2', null as unknown as RedisArg]), TypeError);
    batch.push('GET', ['a']);
    assert.deepEqual(bytesOf(batch.take()), Buffer.concat([reference('SET', ['a', '1']), reference('GET', ['a'])]));
  });

  test('an invalid argument after a Buffer leaves nothing of its command in the batch', () => {
    const batch = new WriteBatch();
    batch.push('SET', ['a', Buffer.from('xyz')]);
    assert.throws(() => batch.push('SET', ['b', Buffer.from('binary'), {} as unknown as RedisArg, 'tail']), TypeError);
    batch.push('GET', ['a']);
    assert.deepEqual(
      bytesOf(batch.take()),
      Buffer.concat([reference('SET', ['a', Buffer.from('xyz')]), reference('GET', ['a'])]),
    );
  });

  test('the first command of an empty batch may fail without leaving bytes behind', () => {
    const batch = new WriteBatch();
    assert.throws(() => batch.push('SET', [Buffer.from('k'), undefined as unknown as RedisArg]), TypeError);
    assert.equal(batch.empty, true);
    assert.equal(bytesOf(batch.take()).length, 0);
  });
});
