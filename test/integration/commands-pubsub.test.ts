import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedis } from '../../src/client/redis.js';
import { waitFor } from '../../src/testing/index.js';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

for (const kind of serverKinds()) {
  describe(`publish and PUBSUB introspection on ${kind}`, () => {
    const s = useServer(kind);

    test('publish / pubsubChannels / pubsubNumsub / pubsubNumpat / pubsubShardchannels / pubsubShardnumsub', async () => {
      const { redis, server } = s;
      const [ch, shard] = [uniq('ch'), uniq('shard')];
      const subscriber = await createRedis(server.address);
      try {
        const got: string[] = [];
        await subscriber.subscribe(ch, (message) => got.push(String(message)));
        await subscriber.psubscribe(`${ch}:*`);
        const shardGot: string[] = [];
        await subscriber.ssubscribe(shard, (message, channel) => shardGot.push(`${channel}=${String(message)}`));
        assert.deepEqual(await redis.pubsubChannels(`${ch}*`), [ch]);
        assert.ok((await redis.pubsubChannels()).includes(ch));
        const none = uniq('none');
        assert.deepEqual(await redis.pubsubNumsub(ch, [none]), { [ch]: 1, [none]: 0 });
        assert.equal(await redis.pubsubNumpat(), 1);
        assert.deepEqual(await redis.pubsubShardchannels(), [shard]);
        assert.deepEqual(await redis.pubsubShardchannels('nomatch*'), []);
        assert.deepEqual(await redis.pubsubShardnumsub(shard), { [shard]: 1 });
        // Only the channel subscription matches (the pattern wants `ch:*`).
        assert.equal(await redis.publish(ch, 'hello'), 1);
        await waitFor('the message delivered', () => got.length === 1);
        assert.deepEqual(got, ['hello']);
        assert.equal(await redis.publish(uniq('nobody'), 'x'), 0);
        assert.equal(await redis.spublish(shard, 'sharded'), 1);
        await waitFor('the shard message delivered', () => shardGot.length === 1);
        assert.deepEqual(shardGot, [`${shard}=sharded`]);
        const [, spublished] = await redis.pipeline().spublish(shard, 'piped').publish(ch, 'piped').exec();
        assert.deepEqual(spublished, [null, 1]);
        await waitFor('the piped shard message', () => shardGot.length === 2);
        assert.equal(await subscriber.sunsubscribe(shard), 0);
        assert.deepEqual(await redis.pubsubShardchannels(), []);
      } finally {
        subscriber.close();
        await subscriber.waitClosed();
      }
    });
  });
}
