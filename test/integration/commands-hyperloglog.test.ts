import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`HyperLogLog on ${kind}`, () => {
    const s = useServer(kind);

    test('pfadd / pfcount / pfmerge', async () => {
      const { redis } = s;
      const [a, b, d] = [uniq('hll'), uniq('hll'), uniq('hll')];
      assert.equal(await redis.pfadd(a, 'x', ['y', 'z']), 1);
      assert.equal(await redis.pfadd(a, 'x'), 0);
      await redis.pfadd(b, 'z', 'w');
      assert.equal(await redis.pfcount(a), 3);
      assert.equal(await redis.pfcount(a, b), 4);
      assert.equal(await redis.pfmerge(d, a, [b]), 'OK');
      assert.equal(await redis.pfcount(d), 4);
    });
  });
}
