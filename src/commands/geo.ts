import type { RedisArg } from '../types.js';
import { parseFloatReply } from '../client/reply-parsers.js';
import { TEXT, flat, words } from './args.js';
import { StreamGroupCommands } from './stream-groups.js';
import type { BulkString, Bulky, Many, Opts } from './types.js';

export type GeoUnit = 'm' | 'km' | 'ft' | 'mi';

/** `[longitude, latitude]`. */
export type GeoPosition = [longitude: number, latitude: number];

export interface GeoAddMember {
  longitude: number;
  latitude: number;
  member: RedisArg;
}

/** A search result with what WITHDIST / WITHHASH / WITHCOORD asked for. */
export interface GeoMember<V = string> {
  member: V;
  distance?: number;
  hash?: number;
  coordinates?: GeoPosition;
}

export interface GeoReplyOptions extends Opts {
  WITHCOORD?: boolean;
  WITHDIST?: boolean;
  WITHHASH?: boolean;
  /** At most this many; `[n, 'ANY']` stops at the first n found. */
  COUNT?: number | readonly [number, 'ANY'];
  ASC?: boolean;
  DESC?: boolean;
}

/** GEOSEARCH: one centre (FROMMEMBER or FROMLONLAT) and one shape (BYRADIUS or BYBOX). */
export interface GeoSearchOptions extends GeoReplyOptions {
  FROMMEMBER?: RedisArg;
  FROMLONLAT?: GeoPosition;
  BYRADIUS?: readonly [radius: number, unit: GeoUnit];
  BYBOX?: readonly [width: number, height: number, unit: GeoUnit];
}

type GeoReply<O> = O extends { WITHCOORD: true } | { WITHDIST: true } | { WITHHASH: true }
  ? GeoMember<BulkString<O>>[]
  : BulkString<O>[];
type AnyGeo = Bulky[] | GeoMember<Bulky>[];

const SEARCH = ['FROMMEMBER', 'FROMLONLAT', 'BYRADIUS', 'BYBOX'] as const;
const REPLY = ['ASC', 'DESC', 'COUNT', 'WITHCOORD', 'WITHDIST', 'WITHHASH'] as const;
const STORE_REPLY = ['ASC', 'DESC', 'COUNT'] as const;

/** Geospatial indexes (sorted sets of geohashes). */
export abstract class GeoCommands extends StreamGroupCommands {
  /** Resolves how many members were added (changed, with CH). */
  geoadd(
    key: RedisArg,
    members: GeoAddMember | readonly GeoAddMember[],
    options?: { NX?: boolean; XX?: boolean; CH?: boolean },
  ): Promise<number> {
    const args = words([key], options, ['NX', 'XX', 'CH']);
    for (const m of Array.isArray(members) ? (members as readonly GeoAddMember[]) : [members as GeoAddMember]) {
      args.push(m.longitude, m.latitude, m.member);
    }
    return this.call('GEOADD', args);
  }

  /** Distance between two members (in `unit`, default metres), null if one is missing. */
  geodist(key: RedisArg, member1: RedisArg, member2: RedisArg, unit?: GeoUnit): Promise<number | null> {
    const args: RedisArg[] = [key, member1, member2];
    if (unit !== undefined) args.push(unit);
    return this.call('GEODIST', args, TEXT).then((d) => (d === null ? null : parseFloatReply(d)));
  }

  /** 11-character geohash strings, null for missing members. */
  geohash(key: RedisArg, members: Many<RedisArg>): Promise<(string | null)[]> {
    return this.call('GEOHASH', flat([key, members]), TEXT);
  }

  /** `[longitude, latitude]` per member, null for missing ones. */
  geopos(key: RedisArg, members: Many<RedisArg>): Promise<(GeoPosition | null)[]> {
    return this.call<(unknown[] | null)[]>('GEOPOS', flat([key, members]), TEXT).then((list) =>
      list.map(parsePosition),
    );
  }

  /** Members within `BYRADIUS` / `BYBOX` of a member or point; objects when a WITH* option is set. */
  geosearch<O extends GeoSearchOptions>(key: RedisArg, options: O): Promise<GeoReply<O>>;
  geosearch(key: RedisArg, options: GeoSearchOptions): Promise<AnyGeo> {
    return geoReply(this.call('GEOSEARCH', words(words([key], options, SEARCH), options, REPLY), options), options);
  }

  /** GEOSEARCH stored in `destination` (`STOREDIST`: distances as scores); resolves how many. */
  geosearchstore(
    destination: RedisArg,
    source: RedisArg,
    options: Omit<GeoSearchOptions, 'WITHCOORD' | 'WITHDIST' | 'WITHHASH'> & { STOREDIST?: boolean },
  ): Promise<number> {
    const args = words(words([destination, source], options, SEARCH), options, [...STORE_REPLY, 'STOREDIST']);
    return this.call('GEOSEARCHSTORE', args);
  }

  /** @deprecated by Redis since 6.2: `geosearch(key, { FROMLONLAT, BYRADIUS })`. */
  georadius<O extends GeoReplyOptions>(
    key: RedisArg,
    longitude: number,
    latitude: number,
    radius: number,
    unit: GeoUnit,
    options?: O,
  ): Promise<GeoReply<O>>;
  georadius(
    key: RedisArg,
    longitude: number,
    latitude: number,
    radius: number,
    unit: GeoUnit,
    options?: GeoReplyOptions,
  ): Promise<AnyGeo> {
    return geoReply(
      this.call('GEORADIUS', words([key, longitude, latitude, radius, unit], options, REPLY), options),
      options,
    );
  }

  /** GEORADIUS_RO: `georadius` allowed on replicas. */
  georadiusRo<O extends GeoReplyOptions>(
    key: RedisArg,
    longitude: number,
    latitude: number,
    radius: number,
    unit: GeoUnit,
    options?: O,
  ): Promise<GeoReply<O>>;
  georadiusRo(
    key: RedisArg,
    longitude: number,
    latitude: number,
    radius: number,
    unit: GeoUnit,
    options?: GeoReplyOptions,
  ): Promise<AnyGeo> {
    return geoReply(
      this.call('GEORADIUS_RO', words([key, longitude, latitude, radius, unit], options, REPLY), options),
      options,
    );
  }

  /** @deprecated by Redis since 6.2: `geosearch(key, { FROMMEMBER, BYRADIUS })`. */
  georadiusbymember<O extends GeoReplyOptions>(
    key: RedisArg,
    member: RedisArg,
    radius: number,
    unit: GeoUnit,
    options?: O,
  ): Promise<GeoReply<O>>;
  georadiusbymember(
    key: RedisArg,
    member: RedisArg,
    radius: number,
    unit: GeoUnit,
    options?: GeoReplyOptions,
  ): Promise<AnyGeo> {
    return geoReply(
      this.call('GEORADIUSBYMEMBER', words([key, member, radius, unit], options, REPLY), options),
      options,
    );
  }

  /** GEORADIUSBYMEMBER_RO: `georadiusbymember` allowed on replicas. */
  georadiusbymemberRo<O extends GeoReplyOptions>(
    key: RedisArg,
    member: RedisArg,
    radius: number,
    unit: GeoUnit,
    options?: O,
  ): Promise<GeoReply<O>>;
  georadiusbymemberRo(
    key: RedisArg,
    member: RedisArg,
    radius: number,
    unit: GeoUnit,
    options?: GeoReplyOptions,
  ): Promise<AnyGeo> {
    return geoReply(
      this.call('GEORADIUSBYMEMBER_RO', words([key, member, radius, unit], options, REPLY), options),
      options,
    );
  }
}

function parsePosition(pos: unknown[] | null): GeoPosition | null {
  return pos === null ? null : [parseFloatReply(pos[0]), parseFloatReply(pos[1])];
}

// Each item is `[member, dist?, hash?, [lon, lat]?]`, in that order, for the WITH* options given.
function geoReply(reply: Promise<unknown>, options: GeoReplyOptions | undefined): Promise<AnyGeo> {
  const dist = options?.WITHDIST === true;
  const hash = options?.WITHHASH === true;
  const coord = options?.WITHCOORD === true;
  if (!dist && !hash && !coord) return reply as Promise<Bulky[]>;
  return (reply as Promise<unknown[][]>).then((items) =>
    items.map((item) => {
      let i = 1;
      const out: GeoMember<Bulky> = { member: item[0] as Bulky };
      if (dist) out.distance = parseFloatReply(item[i++]);
      if (hash) out.hash = Number(item[i++]);
      if (coord) out.coordinates = parsePosition(item[i] as unknown[]) as GeoPosition;
      return out;
    }),
  );
}
