import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../src/testing/index.js';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

const ID = /^\d+-\d+$/;

for (const kind of serverKinds()) {
  describe(`streams on ${kind}`, () => {
    const s = useServer(kind);

    test('xadd / xlen / xrange / xrevrange / xdel / xtrim / xsetid: entries as { id, fields }', async () => {
      const { redis } = s;
      const k = uniq('st');
      const id1 = await redis.xadd(k, '*', { a: '1', b: 'x' });
      assert.match(id1!, ID);
      assert.equal(await redis.xadd(k, '5000000000000-1', [['a', '2']]), '5000000000000-1');
      assert.equal(await redis.xadd(k, '5000000000000-2', { a: 3 }, { MAXLEN: ['=', 2] }), '5000000000000-2');
      assert.equal(await redis.xadd(uniq('none'), '*', { a: 1 }, { NOMKSTREAM: true }), null);
      assert.equal(await redis.xlen(k), 2);
      assert.deepEqual(await redis.xrange(k), [
        { id: '5000000000000-1', fields: { a: '2' } },
        { id: '5000000000000-2', fields: { a: '3' } },
      ]);
      assert.deepEqual(await redis.xrevrange(k, '+', '-', { COUNT: 1 }), [
        { id: '5000000000000-2', fields: { a: '3' } },
      ]);
      const buffers = await redis.xrange(k, '-', '+', { COUNT: 1, encoding: null });
      assert.deepEqual(buffers[0]!.fields['a'], Buffer.from('2'));
      assert.equal(await redis.xdel(k, '5000000000000-1', ['9-9']), 1);
      await redis.xadd(k, '5000000000001-0', { a: 4 });
      assert.equal(await redis.xtrim(k, { MINID: '5000000000001-0' }), 1);
      assert.equal(await redis.xtrim(k, { MAXLEN: ['~', 1000], LIMIT: 10 }), 0);
      assert.equal(await redis.xsetid(k, '5000000000002-0'), 'OK');
      assert.equal((await redis.xinfoStream(k))['last-generated-id'], '5000000000002-0');
    });

    test('xread: per stream; null when BLOCK runs out; a blocked read gets a later entry', async () => {
      const { redis } = s;
      const [a, b] = [uniq('st'), uniq('st')];
      await redis.xadd(a, '1-1', { f: 'a1' });
      await redis.xadd(b, '1-1', { f: 'b1' });
      assert.deepEqual(await redis.xread({ [a]: '0', [b]: '0' }, { COUNT: 10 }), [
        { key: a, entries: [{ id: '1-1', fields: { f: 'a1' } }] },
        { key: b, entries: [{ id: '1-1', fields: { f: 'b1' } }] },
      ]);
      assert.equal(await redis.xread([[a, '$']], { BLOCK: 50 }), null);
      const blocked = redis.xread({ [a]: '$' }, { BLOCK: 5000 });
      // The blocked read holds a connection of its own: CLIENT LIST shows it blocked in XREAD.
      await waitFor('a client blocked in XREAD', async () =>
        (await redis.clientList()).some((c) => c['cmd'] === 'xread' && String(c['flags']).includes('b')),
      );
      await redis.xadd(a, '*', { f: 'later' });
      const read = await blocked;
      assert.ok(read !== null, 'the blocked XREAD returned nothing');
      assert.equal(read[0]!.entries[0]!.fields['f'], 'later');
    });

    test('consumer groups: xgroupCreate, xreadgroup, xpending (summary and range), xack, xclaim, xautoclaim', async () => {
      const { redis } = s;
      const k = uniq('st');
      assert.equal(await redis.xgroupCreate(k, 'g', '$', { MKSTREAM: true }), 'OK');
      for (let i = 1; i <= 3; i++) await redis.xadd(k, `${i}-0`, { n: i });
      const read = await redis.xreadgroup('g', 'alice', { [k]: '>' }, { COUNT: 2 });
      assert.deepEqual(read, [
        {
          key: k,
          entries: [
            { id: '1-0', fields: { n: '1' } },
            { id: '2-0', fields: { n: '2' } },
          ],
        },
      ]);
      assert.equal(
        await redis.xreadgroup('g', 'bob', { [k]: '>' }, { COUNT: 1, NOACK: true }).then((r) => r![0]!.entries.length),
        1,
      );
      assert.equal(await redis.xreadgroup('g', 'bob', { [k]: '>' }, { BLOCK: 50 }), null);
      const summary = await redis.xpending(k, 'g');
      assert.deepEqual(summary, { count: 2, min: '1-0', max: '2-0', consumers: [{ name: 'alice', count: 2 }] });
      const pending = await redis.xpending(k, 'g', { start: '-', end: '+', count: 10 });
      assert.equal(pending.length, 2);
      assert.equal(pending[0]!.id, '1-0');
      assert.equal(pending[0]!.consumer, 'alice');
      assert.equal(pending[0]!.deliveries, 1);
      assert.equal(typeof pending[0]!.idle, 'number');
      assert.deepEqual(await redis.xpending(k, 'g', { IDLE: 0, start: '-', end: '+', count: 10, consumer: 'bob' }), []);
      assert.deepEqual(await redis.xclaim(k, 'g', 'bob', 0, ['1-0']), [{ id: '1-0', fields: { n: '1' } }]);
      assert.deepEqual(await redis.xclaim(k, 'g', 'bob', 0, '1-0', { RETRYCOUNT: 5, JUSTID: true }), ['1-0']);
      const claimed = await redis.xautoclaim(k, 'g', 'carol', 0, '0-0', { COUNT: 10 });
      assert.equal(claimed.next, '0-0');
      assert.deepEqual(
        claimed.entries.map((e) => e.id),
        ['1-0', '2-0'],
      );
      assert.deepEqual(claimed.deleted, []);
      // Carol's pending history, read again by id 0: a deleted entry comes back with fields null.
      await redis.xdel(k, '2-0');
      const history = await redis.xreadgroup('g', 'carol', { [k]: '0' });
      assert.deepEqual(history![0]!.entries, [
        { id: '1-0', fields: { n: '1' } },
        { id: '2-0', fields: null },
      ]);
      assert.equal(await redis.xack(k, 'g', '1-0', ['2-0', '9-0']), 2);
      assert.equal((await redis.xpending(k, 'g')).count, 0);
    });

    test('xgroup subcommands and xinfo: stream, groups, consumers as objects', async () => {
      const { redis } = s;
      const k = uniq('st');
      await redis.xadd(k, '1-0', { a: 1 });
      await redis.xadd(k, '2-0', { a: 2 });
      assert.equal(await redis.xgroupCreate(k, 'g', '0'), 'OK');
      assert.equal(await redis.xgroupCreateconsumer(k, 'g', 'c1'), 1);
      assert.equal(await redis.xgroupCreateconsumer(k, 'g', 'c1'), 0);
      await redis.xreadgroup('g', 'c1', { [k]: '>' }, { COUNT: 1 });
      const info = await redis.xinfoStream(k);
      assert.equal(info.length, 2);
      assert.equal(info.groups, 1);
      assert.equal(info['last-generated-id'], '2-0');
      assert.deepEqual(info['first-entry'], { id: '1-0', fields: { a: '1' } });
      assert.deepEqual(info['last-entry'], { id: '2-0', fields: { a: '2' } });
      const full = await redis.xinfoStream(k, { FULL: { COUNT: 1 } });
      assert.deepEqual(full['entries'], [{ id: '1-0', fields: { a: '1' } }]);
      assert.equal((full['groups'] as Record<string, unknown>[])[0]!['name'], 'g');
      const [group] = await redis.xinfoGroups(k);
      assert.equal(group!.name, 'g');
      assert.equal(group!.consumers, 1);
      assert.equal(group!.pending, 1);
      assert.equal(group!['last-delivered-id'], '1-0');
      const [consumer] = await redis.xinfoConsumers(k, 'g');
      assert.equal(consumer!.name, 'c1');
      assert.equal(consumer!.pending, 1);
      assert.equal(typeof consumer!.idle, 'number');
      assert.equal(await redis.xgroupSetid(k, 'g', '0', { ENTRIESREAD: 0 }), 'OK');
      assert.equal(await redis.xgroupDelconsumer(k, 'g', 'c1'), 1);
      assert.equal(await redis.xgroupDestroy(k, 'g'), 1);
      assert.deepEqual(await redis.xinfoGroups(k), []);
    });
  });
}
