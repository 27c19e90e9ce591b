import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../helpers/command-server.js';
import { serverKinds } from '../helpers/server-kinds.js';
import { uniq } from '../helpers/util.js';

const PALERMO = { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' };
const CATANIA = { longitude: 15.087269, latitude: 37.502669, member: 'Catania' };

function near(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 0.001, `${what}: ${actual} is not about ${expected}`);
}

for (const kind of serverKinds()) {
  describe(`geo on ${kind}`, () => {
    const s = useServer(kind);

    async function sicily(): Promise<string> {
      const k = uniq('geo');
      assert.equal(await s.redis.geoadd(k, [PALERMO, CATANIA]), 2);
      return k;
    }

    test('geoadd / geodist / geohash / geopos', async () => {
      const { redis } = s;
      const k = await sicily();
      assert.equal(await redis.geoadd(k, { ...PALERMO, longitude: 13.4 }, { XX: true, CH: true }), 1);
      assert.equal(await redis.geoadd(k, PALERMO, { NX: true }), 0);
      const km = await redis.geodist(k, 'Palermo', 'Catania', 'km');
      assert.ok(km !== null && km > 160 && km < 170, `distance ${km}`);
      assert.equal(await redis.geodist(k, 'Palermo', 'Nowhere'), null);
      assert.deepEqual(await redis.geohash(k, ['Catania', 'Nowhere']), ['sqdtr74hyu0', null]);
      const [pos, missing] = await redis.geopos(k, ['Catania', 'Nowhere']);
      near(pos![0], CATANIA.longitude, 'longitude');
      near(pos![1], CATANIA.latitude, 'latitude');
      assert.equal(missing, null);
    });

    test('geosearch: from a member or a point, by radius or box, with WITH* as objects; geosearchstore', async () => {
      const { redis } = s;
      const k = await sicily();
      assert.deepEqual(await redis.geosearch(k, { FROMMEMBER: 'Palermo', BYRADIUS: [200, 'km'], ASC: true }), [
        'Palermo',
        'Catania',
      ]);
      const found = await redis.geosearch(k, {
        FROMLONLAT: [15, 37],
        BYBOX: [400, 400, 'km'],
        ASC: true,
        COUNT: 1,
        WITHDIST: true,
        WITHCOORD: true,
        WITHHASH: true,
      });
      assert.equal(found.length, 1);
      assert.equal(found[0]!.member, 'Catania');
      near(found[0]!.distance, 56.4413, 'distance');
      assert.equal(typeof found[0]!.hash, 'number');
      near(found[0]!.coordinates![0], CATANIA.longitude, 'longitude');
      const dest = uniq('geo');
      assert.equal(await redis.geosearchstore(dest, k, { FROMLONLAT: [15, 37], BYRADIUS: [100, 'km'] }), 1);
      assert.equal(
        await redis.geosearchstore(dest, k, { FROMLONLAT: [15, 37], BYRADIUS: [300, 'km'], STOREDIST: true }),
        2,
      );
      near((await redis.zscore(dest, 'Catania'))!, 56.4413, 'stored distance (in the query unit)');
    });

    test('georadius / georadiusRo / georadiusbymember / georadiusbymemberRo', async () => {
      const { redis } = s;
      const k = await sicily();
      assert.deepEqual(await redis.georadius(k, 15, 37, 200, 'km', { ASC: true }), ['Catania', 'Palermo']);
      const withDist = await redis.georadiusRo(k, 15, 37, 200, 'km', { WITHDIST: true, ASC: true });
      assert.equal(withDist[0]!.member, 'Catania');
      near(withDist[0]!.distance, 56.4413, 'distance');
      near(withDist[1]!.distance, 190.4424, 'distance');
      assert.deepEqual(await redis.georadiusbymember(k, 'Palermo', 100, 'km'), ['Palermo']);
      const byMember = await redis.georadiusbymemberRo(k, 'Catania', 200, 'km', {
        WITHCOORD: true,
        DESC: true,
        COUNT: 2,
      });
      assert.deepEqual(
        byMember.map((m) => m.member),
        ['Palermo', 'Catania'],
      );
      near(byMember[0]!.coordinates![1], PALERMO.latitude, 'latitude');
    });
  });
}
