import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`bitmaps on ${kind}`, () => {
    const s = useServer(kind);

    test('setbit / getbit / bitcount / bitpos with byte and bit ranges', async () => {
      const { redis } = s;
      const k = uniq('bits');
      assert.equal(await redis.setbit(k, 7, 1), 0);
      assert.equal(await redis.setbit(k, 7, 1), 1);
      assert.equal(await redis.getbit(k, 7), 1);
      assert.equal(await redis.getbit(k, 100), 0);
      await redis.set(k, 'foobar');
      assert.equal(await redis.bitcount(k), 26);
      assert.equal(await redis.bitcount(k, { start: 1, end: 1 }), 6);
      assert.equal(await redis.bitcount(k, { start: 5, end: 30, unit: 'BIT' }), 17);
      assert.equal(await redis.bitpos(k, 1), 1);
      assert.equal(await redis.bitpos(k, 0, { start: 2 }), 16);
      assert.equal(await redis.bitpos(k, 1, { start: 7, end: 15, unit: 'BIT' }), 9);
    });

    test('bitop AND / OR / XOR / NOT', async () => {
      const { redis } = s;
      const [a, b, d] = [uniq('bits'), uniq('bits'), uniq('bits')];
      await redis.mset({ [a]: 'abc', [b]: 'a' });
      assert.equal(await redis.bitop('AND', d, a, b), 3);
      assert.equal(await redis.getrange(d, 0, 0), 'a');
      assert.equal(await redis.bitop('OR', d, [a, b]), 3);
      assert.equal(await redis.bitop('XOR', d, a, b), 3);
      assert.equal(await redis.bitop('NOT', d, b), 1);
      assert.deepEqual(await redis.get(d, { encoding: null }), Buffer.from([~'a'.charCodeAt(0) & 0xff]));
    });

    test('bitfield (GET / SET / INCRBY / OVERFLOW) and bitfieldRo', async () => {
      const { redis } = s;
      const k = uniq('bf');
      assert.deepEqual(
        await redis.bitfield(k, [{ SET: ['u8', 0, 200] }, { GET: ['u8', 0] }, { INCRBY: ['u8', '#1', 5] }]),
        [0, 200, 5],
      );
      assert.deepEqual(await redis.bitfield(k, [{ OVERFLOW: 'FAIL' }, { INCRBY: ['u8', 0, 100] }]), [null]);
      assert.deepEqual(await redis.bitfield(k, [{ OVERFLOW: 'SAT' }, { INCRBY: ['u8', 0, 100] }]), [255]);
      assert.deepEqual(
        await redis.bitfieldRo(k, [
          ['u8', 0],
          ['u8', 8],
        ]),
        [255, 5],
      );
    });
  });
}
