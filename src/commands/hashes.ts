import type { RedisArg } from '../types.js';
import { pairsToObject, pairsToTuples, parseFloatReply, parseScan } from '../client/reply-parsers.js';
import { SCAN, TEXT, entryArgs, flat, words } from './args.js';
import { KeyCommands } from './keys.js';
import type { BulkString, Bulky, Entries, Flag, Many, Opts, ScanOptions } from './types.js';

/** Hashes. */
export abstract class HashCommands extends KeyCommands {
  /** `hset(key, { f: 'v' })` or `hset(key, 'f', 'v', ...)`; resolves how many fields were added. */
  hset(key: RedisArg, entries: Entries): Promise<number>;
  hset(key: RedisArg, ...fieldValues: RedisArg[]): Promise<number>;
  // Both forms in one signature, last, so that Parameters<> (Pipeline's chaining types) sees them.
  hset(key: RedisArg, ...pairs: [entries: Entries] | RedisArg[]): Promise<number>;
  hset(key: RedisArg, ...pairs: [entries: Entries] | RedisArg[]): Promise<number> {
    return this.call('HSET', entryArgs([key], pairs));
  }

  /** @deprecated by Redis since 4.0: `hset` takes several fields. */
  hmset(key: RedisArg, ...pairs: [entries: Entries] | RedisArg[]): Promise<'OK'> {
    return this.call('HMSET', entryArgs([key], pairs), TEXT);
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

  /** One HSCAN step: `[nextCursor, [field1, value1, field2, value2, ...]]`. */
  hscan<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    cursor: string | number,
    options?: O,
  ): Promise<[cursor: string, fieldsAndValues: BulkString<O>[]]> {
    return this.call<[unknown, BulkString<O>[]]>('HSCAN', words([key, cursor], options, SCAN), options).then(parseScan);
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
}
