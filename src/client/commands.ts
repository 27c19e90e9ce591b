import { createHash } from 'node:crypto';
import { ReplyError } from '../errors.js';
import type { CommandOptions, RedisArg } from '../types.js';
import { CommandsBase } from './base.js';
import {
  pairsToObject,
  pairsToTuples,
  parseFloatReply,
  parseInfo,
  parseNullableFloat,
  parseRole,
  parseScan,
  parseScriptExists,
  parseTime,
  withScores,
} from './reply-parsers.js';
import type { InfoReply, RoleReply, ScoredMember } from './reply-parsers.js';

/**
 * A bulk string reply: `string`, or `Buffer` when the call passes `{ encoding: null }`. The types
 * assume the client's default encoding decodes text; a client created with `encoding: null` gets
 * Buffers at run time for calls that pass no encoding.
 */
export type BulkString<O> = O extends { encoding: null }
  ? Buffer
  : O extends { encoding: infer E }
    ? null extends E
      ? string | Buffer
      : string
    : string;

/** One value or an array of them (`del('a', ['b', 'c'])`). */
export type Many<T> = T | readonly T[];

/** Key/value (or field/value) pairs: an object, a Map, or `[key, value]` tuples. */
export type Entries =
  Readonly<Record<string, RedisArg>> | ReadonlyMap<RedisArg, RedisArg> | readonly (readonly [RedisArg, RedisArg])[];

/** An integer reply that is 1 or 0 (EXPIRE, HEXISTS, SISMEMBER, ...). */
export type Flag = 0 | 1;

/** Score for ZADD and ranges: a number, or a string such as `'+inf'`, `'-inf'`, `'(1.5'`. */
export type Score = number | string;

export interface ZAddMember {
  member: RedisArg;
  score: Score;
}

/** `{ member, score }` or a `[score, member]` tuple, as ZADD takes them. */
export type ZAddInput = ZAddMember | readonly [score: Score, member: RedisArg];

export interface ExpiryOptions {
  EX?: number;
  PX?: number;
  EXAT?: number;
  PXAT?: number;
}

export interface SetOptions extends ExpiryOptions, CommandOptions {
  NX?: boolean;
  XX?: boolean;
  KEEPTTL?: boolean;
  /** Resolve the old value instead of `'OK'`. */
  GET?: boolean;
}

export interface GetExOptions extends ExpiryOptions, CommandOptions {
  PERSIST?: boolean;
}

export type ExpireMode = 'NX' | 'XX' | 'GT' | 'LT';

export interface RestoreOptions {
  REPLACE?: boolean;
  ABSTTL?: boolean;
  IDLETIME?: number;
  FREQ?: number;
}

export interface CopyOptions {
  DB?: number;
  REPLACE?: boolean;
}

export interface LPosOptions {
  RANK?: number;
  MAXLEN?: number;
}

export interface ZAddOptions {
  NX?: boolean;
  XX?: boolean;
  GT?: boolean;
  LT?: boolean;
  CH?: boolean;
  /** ZADD acts like ZINCRBY: resolves the new score, or null when NX/XX/GT/LT prevented it. */
  INCR?: boolean;
}

export interface WithScoresOptions extends CommandOptions {
  /** Resolve `{ member, score }` objects instead of members. */
  WITHSCORES?: boolean;
}

export interface ZRangeByScoreOptions extends WithScoresOptions {
  LIMIT?: { offset: number; count: number };
}

export interface ZRangeOptions extends ZRangeByScoreOptions {
  BY?: 'SCORE' | 'LEX';
  REV?: boolean;
}

export interface ScanOptions extends CommandOptions {
  match?: string;
  count?: number;
  /** SCAN only: keys of this type (`string`, `hash`, `list`, `set`, `zset`, `stream`). */
  type?: string;
}

export interface ClientKillFilter {
  ID?: number;
  ADDR?: string;
  LADDR?: string;
  USER?: string;
  TYPE?: 'normal' | 'master' | 'replica' | 'pubsub';
  MAXAGE?: number;
  SKIPME?: boolean;
}

type Scored<O> = ScoredMember<BulkString<O>>;
// What a bulk string may be at run time, for the broad last overloads (which Parameters<> sees).
type Bulky = string | Buffer;
type Opts = CommandOptions;
type End = 'LEFT' | 'RIGHT';

// Status replies ('OK', 'PONG', type names, INFO text) are always decoded, whatever the client's encoding.
const TEXT: CommandOptions = { encoding: 'utf8' };

/**
 * Typed Redis commands over `call`. Bulk strings come back as strings, or as Buffers with
 * `{ encoding: null }`; integers as numbers; nil as null. SELECT is deliberately absent: a pool's
 * connections all share the db given in the options, and switching one of them would split them.
 */
export abstract class RedisCommands extends CommandsBase {
  // Strings

  get<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O> | null> {
    return this.call('GET', [key], options);
  }

  set<O extends SetOptions & { GET: true }>(key: RedisArg, value: RedisArg, options: O): Promise<BulkString<O> | null>;
  set(key: RedisArg, value: RedisArg, options?: SetOptions & { GET?: false }): Promise<'OK' | null>;
  set(key: RedisArg, value: RedisArg, options?: SetOptions): Promise<string | Buffer | null>;
  set(key: RedisArg, value: RedisArg, options?: SetOptions): Promise<unknown> {
    return this.call('SET', setArgs(key, value, options), options?.GET === true ? options : TEXT);
  }

  setex(key: RedisArg, seconds: number, value: RedisArg): Promise<'OK'> {
    return this.call('SETEX', [key, seconds, value], TEXT);
  }

  psetex(key: RedisArg, milliseconds: number, value: RedisArg): Promise<'OK'> {
    return this.call('PSETEX', [key, milliseconds, value], TEXT);
  }

  setnx(key: RedisArg, value: RedisArg): Promise<Flag> {
    return this.call('SETNX', [key, value]);
  }

  getset<O extends Opts = Opts>(key: RedisArg, value: RedisArg, options?: O): Promise<BulkString<O> | null> {
    return this.call('GETSET', [key, value], options);
  }

  getdel<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O> | null> {
    return this.call('GETDEL', [key], options);
  }

  getex<O extends GetExOptions = GetExOptions>(key: RedisArg, options?: O): Promise<BulkString<O> | null> {
    const args = expiryArgs([key], options);
    if (options?.PERSIST === true) args.push('PERSIST');
    return this.call('GETEX', args, options);
  }

  mget<O extends Opts = Opts>(keys: Many<RedisArg>, options?: O): Promise<(BulkString<O> | null)[]> {
    return this.call('MGET', flat([keys]), options);
  }

  /** `mset({ a: 1, b: 2 })`, `mset([['a', 1], ['b', 2]])` or `mset('a', 1, 'b', 2)`. */
  mset(...pairs: [entries: Entries] | RedisArg[]): Promise<'OK'> {
    return this.call('MSET', entryArgs([], pairs), TEXT);
  }

  msetnx(...pairs: [entries: Entries] | RedisArg[]): Promise<Flag> {
    return this.call('MSETNX', entryArgs([], pairs));
  }

  incr(key: RedisArg): Promise<number> {
    return this.call('INCR', [key]);
  }

  incrby(key: RedisArg, increment: number): Promise<number> {
    return this.call('INCRBY', [key, increment]);
  }

  incrbyfloat(key: RedisArg, increment: number | string): Promise<number> {
    return this.call('INCRBYFLOAT', [key, increment]).then(parseFloatReply);
  }

  decr(key: RedisArg): Promise<number> {
    return this.call('DECR', [key]);
  }

  decrby(key: RedisArg, decrement: number): Promise<number> {
    return this.call('DECRBY', [key, decrement]);
  }

  append(key: RedisArg, value: RedisArg): Promise<number> {
    return this.call('APPEND', [key, value]);
  }

  strlen(key: RedisArg): Promise<number> {
    return this.call('STRLEN', [key]);
  }

  getrange<O extends Opts = Opts>(key: RedisArg, start: number, end: number, options?: O): Promise<BulkString<O>> {
    return this.call('GETRANGE', [key, start, end], options);
  }

  setrange(key: RedisArg, offset: number, value: RedisArg): Promise<number> {
    return this.call('SETRANGE', [key, offset, value]);
  }

  // Keys and expiry

  del(...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('DEL', flat(keys));
  }

  unlink(...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('UNLINK', flat(keys));
  }

  /** How many of the keys exist (a key given twice counts twice). */
  exists(...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('EXISTS', flat(keys));
  }

  touch(...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('TOUCH', flat(keys));
  }

  expire(key: RedisArg, seconds: number, mode?: ExpireMode): Promise<Flag> {
    return this.call('EXPIRE', withMode([key, seconds], mode));
  }

  pexpire(key: RedisArg, milliseconds: number, mode?: ExpireMode): Promise<Flag> {
    return this.call('PEXPIRE', withMode([key, milliseconds], mode));
  }

  expireat(key: RedisArg, unixSeconds: number, mode?: ExpireMode): Promise<Flag> {
    return this.call('EXPIREAT', withMode([key, unixSeconds], mode));
  }

  pexpireat(key: RedisArg, unixMilliseconds: number, mode?: ExpireMode): Promise<Flag> {
    return this.call('PEXPIREAT', withMode([key, unixMilliseconds], mode));
  }

  /** Seconds to live; -1 without expiry, -2 for a missing key. */
  ttl(key: RedisArg): Promise<number> {
    return this.call('TTL', [key]);
  }

  pttl(key: RedisArg): Promise<number> {
    return this.call('PTTL', [key]);
  }

  persist(key: RedisArg): Promise<Flag> {
    return this.call('PERSIST', [key]);
  }

  /** `'string'`, `'list'`, `'set'`, `'zset'`, `'hash'`, `'stream'`, or `'none'` for a missing key. */
  type(key: RedisArg): Promise<string> {
    return this.call('TYPE', [key], TEXT);
  }

  rename(key: RedisArg, newKey: RedisArg): Promise<'OK'> {
    return this.call('RENAME', [key, newKey], TEXT);
  }

  renamenx(key: RedisArg, newKey: RedisArg): Promise<Flag> {
    return this.call('RENAMENX', [key, newKey]);
  }

  /** Blocks the server while it walks every key: prefer `scanIterator` outside tests. */
  keys<O extends Opts = Opts>(pattern: string, options?: O): Promise<BulkString<O>[]> {
    return this.call('KEYS', [pattern], options);
  }

  randomkey<O extends Opts = Opts>(options?: O): Promise<BulkString<O> | null> {
    return this.call('RANDOMKEY', [], options);
  }

  /** The serialized value (always a Buffer: it is binary), or null for a missing key. */
  dump(key: RedisArg): Promise<Buffer | null> {
    return this.call('DUMP', [key], { encoding: null });
  }

  restore(key: RedisArg, ttl: number, serialized: Buffer, options: RestoreOptions = {}): Promise<'OK'> {
    const args: RedisArg[] = [key, ttl, serialized];
    if (options.REPLACE === true) args.push('REPLACE');
    if (options.ABSTTL === true) args.push('ABSTTL');
    if (options.IDLETIME !== undefined) args.push('IDLETIME', options.IDLETIME);
    if (options.FREQ !== undefined) args.push('FREQ', options.FREQ);
    return this.call('RESTORE', args, TEXT);
  }

  copy(source: RedisArg, destination: RedisArg, options: CopyOptions = {}): Promise<Flag> {
    const args: RedisArg[] = [source, destination];
    if (options.DB !== undefined) args.push('DB', options.DB);
    if (options.REPLACE === true) args.push('REPLACE');
    return this.call('COPY', args);
  }

  // Hashes

  /** `hset(key, { f: 'v' })` or `hset(key, 'f', 'v', ...)`; resolves how many fields were added. */
  hset(key: RedisArg, entries: Entries): Promise<number>;
  hset(key: RedisArg, ...fieldValues: RedisArg[]): Promise<number>;
  // Both forms in one signature, last, so that Parameters<> (Pipeline's chaining types) sees them.
  hset(key: RedisArg, ...pairs: [entries: Entries] | RedisArg[]): Promise<number>;
  hset(key: RedisArg, ...pairs: [entries: Entries] | RedisArg[]): Promise<number> {
    return this.call('HSET', entryArgs([key], pairs));
  }

  hsetnx(key: RedisArg, field: RedisArg, value: RedisArg): Promise<Flag> {
    return this.call('HSETNX', [key, field, value]);
  }

  hget<O extends Opts = Opts>(key: RedisArg, field: RedisArg, options?: O): Promise<BulkString<O> | null> {
    return this.call('HGET', [key, field], options);
  }

  hmget<O extends Opts = Opts>(key: RedisArg, fields: Many<RedisArg>, options?: O): Promise<(BulkString<O> | null)[]> {
    return this.call('HMGET', flat([key, fields]), options);
  }

  /** Every field as an object (`{}` for a missing key); field names are always strings. */
  hgetall<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<Record<string, BulkString<O>>> {
    return this.call<BulkString<O>[]>('HGETALL', [key], options).then(pairsToObject);
  }

  hdel(key: RedisArg, ...fields: Many<RedisArg>[]): Promise<number> {
    return this.call('HDEL', flat([key, ...fields]));
  }

  hexists(key: RedisArg, field: RedisArg): Promise<Flag> {
    return this.call('HEXISTS', [key, field]);
  }

  hkeys<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O>[]> {
    return this.call('HKEYS', [key], options);
  }

  hvals<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O>[]> {
    return this.call('HVALS', [key], options);
  }

  hlen(key: RedisArg): Promise<number> {
    return this.call('HLEN', [key]);
  }

  hincrby(key: RedisArg, field: RedisArg, increment: number): Promise<number> {
    return this.call('HINCRBY', [key, field, increment]);
  }

  hincrbyfloat(key: RedisArg, field: RedisArg, increment: number | string): Promise<number> {
    return this.call('HINCRBYFLOAT', [key, field, increment]).then(parseFloatReply);
  }

  hstrlen(key: RedisArg, field: RedisArg): Promise<number> {
    return this.call('HSTRLEN', [key, field]);
  }

  /** One random field; with `count`, up to that many (negative: may repeat); `{ WITHVALUES: true }` gives pairs. */
  hrandfield<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O> | null>;
  hrandfield<O extends Opts & { WITHVALUES: true }>(
    key: RedisArg,
    count: number,
    options: O,
  ): Promise<[field: BulkString<O>, value: BulkString<O>][]>;
  hrandfield<O extends Opts & { WITHVALUES?: false }>(
    key: RedisArg,
    count: number,
    options?: O,
  ): Promise<BulkString<O>[]>;
  hrandfield(
    key: RedisArg,
    countOrOptions?: number | Opts,
    options?: Opts & { WITHVALUES?: boolean },
  ): Promise<Bulky | Bulky[] | [Bulky, Bulky][] | null>;
  hrandfield(
    key: RedisArg,
    countOrOptions?: number | Opts,
    options?: Opts & { WITHVALUES?: boolean },
  ): Promise<unknown> {
    if (typeof countOrOptions !== 'number') return this.call('HRANDFIELD', [key], countOrOptions);
    if (options?.WITHVALUES !== true) return this.call('HRANDFIELD', [key, countOrOptions], options);
    return this.call<unknown[]>('HRANDFIELD', [key, countOrOptions, 'WITHVALUES'], options).then(pairsToTuples);
  }

  // Lists

  lpush(key: RedisArg, ...elements: Many<RedisArg>[]): Promise<number> {
    return this.call('LPUSH', flat([key, ...elements]));
  }

  rpush(key: RedisArg, ...elements: Many<RedisArg>[]): Promise<number> {
    return this.call('RPUSH', flat([key, ...elements]));
  }

  lpushx(key: RedisArg, ...elements: Many<RedisArg>[]): Promise<number> {
    return this.call('LPUSHX', flat([key, ...elements]));
  }

  rpushx(key: RedisArg, ...elements: Many<RedisArg>[]): Promise<number> {
    return this.call('RPUSHX', flat([key, ...elements]));
  }

  lpop<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O> | null>;
  lpop<O extends Opts = Opts>(key: RedisArg, count: number, options?: O): Promise<BulkString<O>[] | null>;
  lpop(key: RedisArg, countOrOptions?: number | Opts, options?: Opts): Promise<Bulky | Bulky[] | null>;
  lpop(key: RedisArg, countOrOptions?: number | Opts, options?: Opts): Promise<unknown> {
    return this.call('LPOP', ...countArgs(key, countOrOptions, options));
  }

  rpop<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O> | null>;
  rpop<O extends Opts = Opts>(key: RedisArg, count: number, options?: O): Promise<BulkString<O>[] | null>;
  rpop(key: RedisArg, countOrOptions?: number | Opts, options?: Opts): Promise<Bulky | Bulky[] | null>;
  rpop(key: RedisArg, countOrOptions?: number | Opts, options?: Opts): Promise<unknown> {
    return this.call('RPOP', ...countArgs(key, countOrOptions, options));
  }

  llen(key: RedisArg): Promise<number> {
    return this.call('LLEN', [key]);
  }

  lrange<O extends Opts = Opts>(key: RedisArg, start: number, stop: number, options?: O): Promise<BulkString<O>[]> {
    return this.call('LRANGE', [key, start, stop], options);
  }

  lindex<O extends Opts = Opts>(key: RedisArg, index: number, options?: O): Promise<BulkString<O> | null> {
    return this.call('LINDEX', [key, index], options);
  }

  lset(key: RedisArg, index: number, element: RedisArg): Promise<'OK'> {
    return this.call('LSET', [key, index, element], TEXT);
  }

  /** New length, -1 when the pivot is not found, 0 for a missing key. */
  linsert(key: RedisArg, where: 'BEFORE' | 'AFTER', pivot: RedisArg, element: RedisArg): Promise<number> {
    return this.call('LINSERT', [key, where, pivot, element]);
  }

  lrem(key: RedisArg, count: number, element: RedisArg): Promise<number> {
    return this.call('LREM', [key, count, element]);
  }

  ltrim(key: RedisArg, start: number, stop: number): Promise<'OK'> {
    return this.call('LTRIM', [key, start, stop], TEXT);
  }

  /** Index of the first match (null if none); with `COUNT`, the indexes of up to that many (0: all). */
  lpos(key: RedisArg, element: RedisArg, options: LPosOptions & { COUNT: number }): Promise<number[]>;
  lpos(key: RedisArg, element: RedisArg, options?: LPosOptions): Promise<number | null>;
  lpos(key: RedisArg, element: RedisArg, options?: LPosOptions & { COUNT?: number }): Promise<number | number[] | null>;
  lpos(key: RedisArg, element: RedisArg, options: LPosOptions & { COUNT?: number } = {}): Promise<unknown> {
    const args: RedisArg[] = [key, element];
    if (options.RANK !== undefined) args.push('RANK', options.RANK);
    if (options.COUNT !== undefined) args.push('COUNT', options.COUNT);
    if (options.MAXLEN !== undefined) args.push('MAXLEN', options.MAXLEN);
    return this.call('LPOS', args);
  }

  lmove<O extends Opts = Opts>(
    source: RedisArg,
    destination: RedisArg,
    from: End,
    to: End,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.call('LMOVE', [source, destination, from, to], options);
  }

  rpoplpush<O extends Opts = Opts>(
    source: RedisArg,
    destination: RedisArg,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.call('RPOPLPUSH', [source, destination], options);
  }

  /** `[key, element]` from the first non-empty list, or null after `timeout` seconds (0: forever). */
  blpop<O extends Opts = Opts>(
    keys: Many<RedisArg>,
    timeout: number,
    options?: O,
  ): Promise<[key: BulkString<O>, element: BulkString<O>] | null> {
    return this.call('BLPOP', flat([keys, timeout]), options);
  }

  brpop<O extends Opts = Opts>(
    keys: Many<RedisArg>,
    timeout: number,
    options?: O,
  ): Promise<[key: BulkString<O>, element: BulkString<O>] | null> {
    return this.call('BRPOP', flat([keys, timeout]), options);
  }

  blmove<O extends Opts = Opts>(
    source: RedisArg,
    destination: RedisArg,
    from: End,
    to: End,
    timeout: number,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.call('BLMOVE', [source, destination, from, to, timeout], options);
  }

  brpoplpush<O extends Opts = Opts>(
    source: RedisArg,
    destination: RedisArg,
    timeout: number,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.call('BRPOPLPUSH', [source, destination, timeout], options);
  }

  // Sets

  sadd(key: RedisArg, ...members: Many<RedisArg>[]): Promise<number> {
    return this.call('SADD', flat([key, ...members]));
  }

  srem(key: RedisArg, ...members: Many<RedisArg>[]): Promise<number> {
    return this.call('SREM', flat([key, ...members]));
  }

  smembers<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O>[]> {
    return this.call('SMEMBERS', [key], options);
  }

  sismember(key: RedisArg, member: RedisArg): Promise<Flag> {
    return this.call('SISMEMBER', [key, member]);
  }

  smismember(key: RedisArg, members: Many<RedisArg>): Promise<Flag[]> {
    return this.call('SMISMEMBER', flat([key, members]));
  }

  scard(key: RedisArg): Promise<number> {
    return this.call('SCARD', [key]);
  }

  spop<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O> | null>;
  spop<O extends Opts = Opts>(key: RedisArg, count: number, options?: O): Promise<BulkString<O>[]>;
  spop(key: RedisArg, countOrOptions?: number | Opts, options?: Opts): Promise<Bulky | Bulky[] | null>;
  spop(key: RedisArg, countOrOptions?: number | Opts, options?: Opts): Promise<unknown> {
    return this.call('SPOP', ...countArgs(key, countOrOptions, options));
  }

  /** With a negative `count`, members may repeat. */
  srandmember<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O> | null>;
  srandmember<O extends Opts = Opts>(key: RedisArg, count: number, options?: O): Promise<BulkString<O>[]>;
  srandmember(key: RedisArg, countOrOptions?: number | Opts, options?: Opts): Promise<Bulky | Bulky[] | null>;
  srandmember(key: RedisArg, countOrOptions?: number | Opts, options?: Opts): Promise<unknown> {
    return this.call('SRANDMEMBER', ...countArgs(key, countOrOptions, options));
  }

  smove(source: RedisArg, destination: RedisArg, member: RedisArg): Promise<Flag> {
    return this.call('SMOVE', [source, destination, member]);
  }

  sinter<O extends Opts = Opts>(keys: Many<RedisArg>, options?: O): Promise<BulkString<O>[]> {
    return this.call('SINTER', flat([keys]), options);
  }

  sinterstore(destination: RedisArg, ...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('SINTERSTORE', flat([destination, ...keys]));
  }

  sunion<O extends Opts = Opts>(keys: Many<RedisArg>, options?: O): Promise<BulkString<O>[]> {
    return this.call('SUNION', flat([keys]), options);
  }

  sunionstore(destination: RedisArg, ...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('SUNIONSTORE', flat([destination, ...keys]));
  }

  sdiff<O extends Opts = Opts>(keys: Many<RedisArg>, options?: O): Promise<BulkString<O>[]> {
    return this.call('SDIFF', flat([keys]), options);
  }

  sdiffstore(destination: RedisArg, ...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('SDIFFSTORE', flat([destination, ...keys]));
  }

  // Sorted sets

  /**
   * `zadd(key, 1, 'a')`, `zadd(key, [{ member: 'a', score: 1 }, [2, 'b']], options)`; resolves how
   * many members were added (changed, with CH), or the new score with INCR.
   */
  zadd(key: RedisArg, score: Score, member: RedisArg): Promise<number>;
  zadd(
    key: RedisArg,
    members: ZAddInput | readonly ZAddInput[],
    options: ZAddOptions & { INCR: true },
  ): Promise<number | null>;
  zadd(
    key: RedisArg,
    members: ZAddInput | readonly ZAddInput[],
    options?: ZAddOptions & { INCR?: false },
  ): Promise<number>;
  zadd(
    key: RedisArg,
    first: Score | ZAddInput | readonly ZAddInput[],
    second?: RedisArg | ZAddOptions,
  ): Promise<number | null>;
  zadd(
    key: RedisArg,
    first: Score | ZAddInput | readonly ZAddInput[],
    second?: RedisArg | ZAddOptions,
  ): Promise<unknown> {
    if (isScore(first)) return this.call('ZADD', [key, first, second as RedisArg]);
    const options = second as ZAddOptions | undefined;
    const reply = this.call('ZADD', zaddArgs(key, first, options));
    return options?.INCR === true ? reply.then(parseNullableFloat) : reply;
  }

  zrem(key: RedisArg, ...members: Many<RedisArg>[]): Promise<number> {
    return this.call('ZREM', flat([key, ...members]));
  }

  zscore(key: RedisArg, member: RedisArg): Promise<number | null> {
    return this.call('ZSCORE', [key, member]).then(parseNullableFloat);
  }

  zmscore(key: RedisArg, members: Many<RedisArg>): Promise<(number | null)[]> {
    return this.call<unknown[]>('ZMSCORE', flat([key, members])).then((scores) => scores.map(parseNullableFloat));
  }

  zincrby(key: RedisArg, increment: number, member: RedisArg): Promise<number> {
    return this.call('ZINCRBY', [key, increment, member]).then(parseFloatReply);
  }

  zcard(key: RedisArg): Promise<number> {
    return this.call('ZCARD', [key]);
  }

  zcount(key: RedisArg, min: Score, max: Score): Promise<number> {
    return this.call('ZCOUNT', [key, min, max]);
  }

  /** Redis 6.2 ZRANGE: by index, or `BY: 'SCORE' | 'LEX'`, with `REV` and `LIMIT`. */
  zrange<O extends ZRangeOptions & { WITHSCORES: true }>(
    key: RedisArg,
    start: Score,
    stop: Score,
    options: O,
  ): Promise<Scored<O>[]>;
  zrange<O extends ZRangeOptions & { WITHSCORES?: false } = Opts>(
    key: RedisArg,
    start: Score,
    stop: Score,
    options?: O,
  ): Promise<BulkString<O>[]>;
  zrange(key: RedisArg, start: Score, stop: Score, options?: ZRangeOptions): Promise<Bulky[] | ScoredMember<Bulky>[]>;
  zrange(key: RedisArg, start: Score, stop: Score, options: ZRangeOptions = {}): Promise<unknown> {
    const args: RedisArg[] = [key, start, stop];
    if (options.BY !== undefined) args.push(`BY${options.BY}`);
    if (options.REV === true) args.push('REV');
    return scoresIf(options, this.call('ZRANGE', rangeArgs(args, options), options));
  }

  zrevrange<O extends WithScoresOptions & { WITHSCORES: true }>(
    key: RedisArg,
    start: number,
    stop: number,
    options: O,
  ): Promise<Scored<O>[]>;
  zrevrange<O extends Opts & { WITHSCORES?: false } = Opts>(
    key: RedisArg,
    start: number,
    stop: number,
    options?: O,
  ): Promise<BulkString<O>[]>;
  zrevrange(
    key: RedisArg,
    start: number,
    stop: number,
    options?: WithScoresOptions,
  ): Promise<Bulky[] | ScoredMember<Bulky>[]>;
  zrevrange(key: RedisArg, start: number, stop: number, options: WithScoresOptions = {}): Promise<unknown> {
    return scoresIf(options, this.call('ZREVRANGE', rangeArgs([key, start, stop], options), options));
  }

  zrangebyscore<O extends ZRangeByScoreOptions & { WITHSCORES: true }>(
    key: RedisArg,
    min: Score,
    max: Score,
    options: O,
  ): Promise<Scored<O>[]>;
  zrangebyscore<O extends ZRangeByScoreOptions & { WITHSCORES?: false } = Opts>(
    key: RedisArg,
    min: Score,
    max: Score,
    options?: O,
  ): Promise<BulkString<O>[]>;
  zrangebyscore(
    key: RedisArg,
    min: Score,
    max: Score,
    options?: ZRangeByScoreOptions,
  ): Promise<Bulky[] | ScoredMember<Bulky>[]>;
  zrangebyscore(key: RedisArg, min: Score, max: Score, options: ZRangeByScoreOptions = {}): Promise<unknown> {
    return scoresIf(options, this.call('ZRANGEBYSCORE', rangeArgs([key, min, max], options), options));
  }

  zrank(key: RedisArg, member: RedisArg): Promise<number | null> {
    return this.call('ZRANK', [key, member]);
  }

  zrevrank(key: RedisArg, member: RedisArg): Promise<number | null> {
    return this.call('ZREVRANK', [key, member]);
  }

  zpopmin<O extends Opts = Opts>(key: RedisArg, count?: number, options?: O): Promise<Scored<O>[]> {
    return this.call<BulkString<O>[]>('ZPOPMIN', count === undefined ? [key] : [key, count], options).then(withScores);
  }

  zpopmax<O extends Opts = Opts>(key: RedisArg, count?: number, options?: O): Promise<Scored<O>[]> {
    return this.call<BulkString<O>[]>('ZPOPMAX', count === undefined ? [key] : [key, count], options).then(withScores);
  }

  /** `[key, member, score]` from the first non-empty sorted set, or null after `timeout` seconds. */
  bzpopmin<O extends Opts = Opts>(
    keys: Many<RedisArg>,
    timeout: number,
    options?: O,
  ): Promise<[key: BulkString<O>, member: BulkString<O>, score: number] | null> {
    return this.call<[BulkString<O>, BulkString<O>, unknown] | null>('BZPOPMIN', flat([keys, timeout]), options).then(
      scoredPop,
    );
  }

  bzpopmax<O extends Opts = Opts>(
    keys: Many<RedisArg>,
    timeout: number,
    options?: O,
  ): Promise<[key: BulkString<O>, member: BulkString<O>, score: number] | null> {
    return this.call<[BulkString<O>, BulkString<O>, unknown] | null>('BZPOPMAX', flat([keys, timeout]), options).then(
      scoredPop,
    );
  }

  zremrangebyscore(key: RedisArg, min: Score, max: Score): Promise<number> {
    return this.call('ZREMRANGEBYSCORE', [key, min, max]);
  }

  zremrangebyrank(key: RedisArg, start: number, stop: number): Promise<number> {
    return this.call('ZREMRANGEBYRANK', [key, start, stop]);
  }

  // Server and connection

  /** `'PONG'`, or the message when one is given. */
  ping(message?: RedisArg): Promise<string> {
    return this.call('PING', message === undefined ? [] : [message], TEXT);
  }

  echo<O extends Opts = Opts>(message: RedisArg, options?: O): Promise<BulkString<O>> {
    return this.call('ECHO', [message], options);
  }

  dbsize(): Promise<number> {
    return this.call('DBSIZE', []);
  }

  flushdb(mode?: 'ASYNC' | 'SYNC'): Promise<'OK'> {
    return this.call('FLUSHDB', mode === undefined ? [] : [mode], TEXT);
  }

  flushall(mode?: 'ASYNC' | 'SYNC'): Promise<'OK'> {
    return this.call('FLUSHALL', mode === undefined ? [] : [mode], TEXT);
  }

  /** Server clock: `[unix seconds, microseconds]`. */
  time(): Promise<[seconds: number, microseconds: number]> {
    return this.call<unknown[]>('TIME', [], TEXT).then(parseTime);
  }

  /** `INFO` parsed by section (`(await redis.info('replication')).replication.role`). */
  info(section?: string): Promise<InfoReply> {
    return this.infoRaw(section).then(parseInfo);
  }

  infoRaw(section?: string): Promise<string> {
    return this.call('INFO', section === undefined ? [] : [section], TEXT);
  }

  role(): Promise<RoleReply> {
    return this.call<unknown[]>('ROLE', [], TEXT).then(parseRole);
  }

  configGet(pattern: string): Promise<Record<string, string>> {
    return this.call<string[]>('CONFIG', ['GET', pattern], TEXT).then(pairsToObject);
  }

  configSet(parameter: string, value: RedisArg): Promise<'OK'> {
    return this.call('CONFIG', ['SET', parameter, value], TEXT);
  }

  /** Names the connection this call runs on: on a pool, that is one connection of several. */
  clientSetName(name: string): Promise<'OK'> {
    return this.call('CLIENT', ['SETNAME', name], TEXT);
  }

  clientGetName(): Promise<string | null> {
    return this.call('CLIENT', ['GETNAME'], TEXT);
  }

  clientId(): Promise<number> {
    return this.call('CLIENT', ['ID']);
  }

  /** Closes the connections matching every filter given; resolves how many were closed. */
  clientKill(filter: ClientKillFilter): Promise<number> {
    const args: RedisArg[] = ['KILL'];
    for (const [name, value] of Object.entries(filter)) {
      if (value !== undefined) args.push(name, name === 'SKIPME' ? (value ? 'yes' : 'no') : (value as RedisArg));
    }
    return this.call('CLIENT', args);
  }

  /** Unix time of the last successful save to disk. */
  lastsave(): Promise<number> {
    return this.call('LASTSAVE', []);
  }

  /** Blocks until the writes of this connection reach `numreplicas` replicas or `timeout` ms pass. */
  wait(numreplicas: number, timeout: number): Promise<number> {
    return this.call('WAIT', [numreplicas, timeout]);
  }

  // Scripting

  eval<T = unknown>(
    script: RedisArg,
    keys: readonly RedisArg[] = [],
    args: readonly RedisArg[] = [],
    options?: Opts,
  ): Promise<T> {
    return this.call('EVAL', [script, keys.length, ...keys, ...args], options);
  }

  evalsha<T = unknown>(
    sha1: string,
    keys: readonly RedisArg[] = [],
    args: readonly RedisArg[] = [],
    options?: Opts,
  ): Promise<T> {
    return this.call('EVALSHA', [sha1, keys.length, ...keys, ...args], options);
  }

  /** EVALSHA of the script's SHA1; on NOSCRIPT (a new or flushed server) sends the script with EVAL. */
  async evalScript<T = unknown>(
    script: string | Buffer,
    keys: readonly RedisArg[] = [],
    args: readonly RedisArg[] = [],
    options?: Opts,
  ): Promise<T> {
    try {
      return await this.evalsha<T>(scriptSha1(script), keys, args, options);
    } catch (err) {
      if (!(err instanceof ReplyError && err.message.startsWith('NOSCRIPT'))) throw err;
      return this.eval<T>(script, keys, args, options);
    }
  }

  /** Resolves the script's SHA1. */
  scriptLoad(script: RedisArg): Promise<string> {
    return this.call('SCRIPT', ['LOAD', script], TEXT);
  }

  scriptExists(...sha1s: Many<string>[]): Promise<boolean[]> {
    return this.call<number[]>('SCRIPT', flat(['EXISTS', ...sha1s])).then(parseScriptExists);
  }

  scriptFlush(mode?: 'ASYNC' | 'SYNC'): Promise<'OK'> {
    return this.call('SCRIPT', mode === undefined ? ['FLUSH'] : ['FLUSH', mode], TEXT);
  }

  // SCAN families. The iterators may yield an item more than once (SCAN's own guarantee).

  /** One SCAN step: `[nextCursor, keys]`; the walk is over when the cursor is `'0'`. */
  scan<O extends ScanOptions = ScanOptions>(
    cursor: string | number,
    options?: O,
  ): Promise<[cursor: string, keys: BulkString<O>[]]> {
    return this.call<[unknown, BulkString<O>[]]>('SCAN', scanArgs([cursor], options), options).then(parseScan);
  }

  hscan<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    cursor: string | number,
    options?: O,
  ): Promise<[cursor: string, fieldsAndValues: BulkString<O>[]]> {
    return this.call<[unknown, BulkString<O>[]]>('HSCAN', scanArgs([key, cursor], options), options).then(parseScan);
  }

  sscan<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    cursor: string | number,
    options?: O,
  ): Promise<[cursor: string, members: BulkString<O>[]]> {
    return this.call<[unknown, BulkString<O>[]]>('SSCAN', scanArgs([key, cursor], options), options).then(parseScan);
  }

  zscan<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    cursor: string | number,
    options?: O,
  ): Promise<[cursor: string, membersAndScores: BulkString<O>[]]> {
    return this.call<[unknown, BulkString<O>[]]>('ZSCAN', scanArgs([key, cursor], options), options).then(parseScan);
  }

  async *scanIterator<O extends ScanOptions = ScanOptions>(options?: O): AsyncGenerator<BulkString<O>, void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.scan(cursor, options);
      yield* keys;
      cursor = next;
    } while (cursor !== '0');
  }

  async *hscanIterator<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    options?: O,
  ): AsyncGenerator<[field: BulkString<O>, value: BulkString<O>], void> {
    let cursor = '0';
    do {
      const [next, items] = await this.hscan(key, cursor, options);
      yield* pairsToTuples(items);
      cursor = next;
    } while (cursor !== '0');
  }

  async *sscanIterator<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    options?: O,
  ): AsyncGenerator<BulkString<O>, void> {
    let cursor = '0';
    do {
      const [next, members] = await this.sscan(key, cursor, options);
      yield* members;
      cursor = next;
    } while (cursor !== '0');
  }

  async *zscanIterator<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    options?: O,
  ): AsyncGenerator<Scored<O>, void> {
    let cursor = '0';
    do {
      const [next, items] = await this.zscan(key, cursor, options);
      yield* withScores(items);
      cursor = next;
    } while (cursor !== '0');
  }

  // Pub/sub (SUBSCRIBE and friends live with the subscriber connection)

  /** Resolves how many clients received the message. */
  publish(channel: RedisArg, message: RedisArg): Promise<number> {
    return this.call('PUBLISH', [channel, message]);
  }

  pubsubChannels(pattern?: string): Promise<string[]> {
    return this.call('PUBSUB', pattern === undefined ? ['CHANNELS'] : ['CHANNELS', pattern], TEXT);
  }

  /** Subscriber count per channel. */
  pubsubNumsub(...channels: Many<string>[]): Promise<Record<string, number>> {
    return this.call<(string | number)[]>('PUBSUB', flat(['NUMSUB', ...channels]), TEXT).then(
      (reply) => pairsToObject(reply) as Record<string, number>,
    );
  }
}

// LPOP, RPOP, SPOP, SRANDMEMBER: `(key, options?)` or `(key, count, options?)`.
function countArgs(
  key: RedisArg,
  countOrOptions: number | Opts | undefined,
  options: Opts | undefined,
): [args: RedisArg[], options: Opts | undefined] {
  return typeof countOrOptions === 'number' ? [[key, countOrOptions], options] : [[key], countOrOptions];
}

// ZRANGE, ZREVRANGE, ZRANGEBYSCORE: LIMIT, then WITHSCORES.
function rangeArgs(args: RedisArg[], options: ZRangeByScoreOptions): RedisArg[] {
  if (options.LIMIT !== undefined) args.push('LIMIT', options.LIMIT.offset, options.LIMIT.count);
  if (options.WITHSCORES === true) args.push('WITHSCORES');
  return args;
}

function scoresIf(options: WithScoresOptions, reply: Promise<unknown>): Promise<unknown> {
  return options.WITHSCORES === true ? (reply as Promise<unknown[]>).then(withScores) : reply;
}

function isScore(value: unknown): value is Score {
  return typeof value === 'number' || typeof value === 'string';
}

function zaddArgs(key: RedisArg, members: ZAddInput | readonly ZAddInput[], options: ZAddOptions = {}): RedisArg[] {
  const args: RedisArg[] = [key];
  for (const flag of ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'] as const) {
    if (options[flag] === true) args.push(flag);
  }
  const list: readonly ZAddInput[] = isZAddInput(members) ? [members] : members;
  for (const entry of list) {
    if (isTuple(entry)) args.push(entry[0], entry[1]);
    else args.push(entry.score, entry.member);
  }
  return args;
}

// A single `[score, member]` tuple versus a list of entries: a list's first item is never a Score.
function isZAddInput(value: ZAddInput | readonly ZAddInput[]): value is ZAddInput {
  return !Array.isArray(value) || isScore(value[0]);
}

function isTuple(entry: ZAddInput): entry is readonly [Score, RedisArg] {
  return Array.isArray(entry);
}

function scoredPop<K, M>(reply: [K, M, unknown] | null): [K, M, number] | null {
  return reply === null ? null : [reply[0], reply[1], parseFloatReply(reply[2])];
}

function setArgs(key: RedisArg, value: RedisArg, options: SetOptions | undefined): RedisArg[] {
  const args = expiryArgs([key, value], options);
  if (options === undefined) return args;
  if (options.KEEPTTL === true) args.push('KEEPTTL');
  if (options.NX === true) args.push('NX');
  if (options.XX === true) args.push('XX');
  if (options.GET === true) args.push('GET');
  return args;
}

function expiryArgs(args: RedisArg[], options: ExpiryOptions | undefined): RedisArg[] {
  if (options === undefined) return args;
  if (options.EX !== undefined) args.push('EX', options.EX);
  if (options.PX !== undefined) args.push('PX', options.PX);
  if (options.EXAT !== undefined) args.push('EXAT', options.EXAT);
  if (options.PXAT !== undefined) args.push('PXAT', options.PXAT);
  return args;
}

function withMode(args: RedisArg[], mode: ExpireMode | undefined): RedisArg[] {
  if (mode !== undefined) args.push(mode);
  return args;
}

function scanArgs(args: RedisArg[], options: ScanOptions | undefined): RedisArg[] {
  if (options?.match !== undefined) args.push('MATCH', options.match);
  if (options?.count !== undefined) args.push('COUNT', options.count);
  if (options?.type !== undefined) args.push('TYPE', options.type);
  return args;
}

/** Arguments with any arrays among them spread in place. */
function flat(items: readonly Many<RedisArg>[]): RedisArg[] {
  const out: RedisArg[] = [];
  for (const item of items) {
    if (Array.isArray(item)) out.push(...(item as readonly RedisArg[]));
    else out.push(item as RedisArg);
  }
  return out;
}

/** `head` followed by the pairs of an Entries argument, or by flat key/value arguments as given. */
function entryArgs(head: RedisArg[], rest: readonly (Entries | RedisArg)[]): RedisArg[] {
  const first = rest[0];
  if (rest.length !== 1 || !isEntries(first)) {
    head.push(...(rest as readonly RedisArg[]));
    return head;
  }
  const pairs: Iterable<readonly [RedisArg, RedisArg]> =
    first instanceof Map || Array.isArray(first)
      ? (first as Iterable<readonly [RedisArg, RedisArg]>)
      : Object.entries(first as Record<string, RedisArg>);
  for (const [k, v] of pairs) head.push(k, v);
  return head;
}

function isEntries(value: Entries | RedisArg | undefined): value is Entries {
  return typeof value === 'object' && !Buffer.isBuffer(value);
}

function scriptSha1(script: string | Buffer): string {
  return createHash('sha1').update(script).digest('hex');
}
