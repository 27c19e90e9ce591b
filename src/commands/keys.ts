import type { RedisArg } from '../types.js';
import { parseScan } from '../client/reply-parsers.js';
import { TEXT, flat, optional, words } from './args.js';
import { StringCommands } from './strings.js';
import type { BulkString, Bulky, Flag, Limit, Many, Opts, ScanOptions } from './types.js';

const SCAN = ['MATCH', 'COUNT', 'TYPE'] as const;

export type ExpireMode = 'NX' | 'XX' | 'GT' | 'LT';

/** EXPIRE's condition as the options object every command takes (`{ NX: true }`); the bare word still works. */
export interface ExpireOptions {
  NX?: boolean;
  XX?: boolean;
  GT?: boolean;
  LT?: boolean;
}

function expireArgs(args: RedisArg[], mode: ExpireMode | ExpireOptions | undefined): RedisArg[] {
  return typeof mode === 'object' ? words(args, mode, ['NX', 'XX', 'GT', 'LT']) : optional(args, mode);
}

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

export interface SortOptions extends Opts {
  /** A pattern (`weight_*`) whose values sort the elements; `'nosort'` skips sorting. */
  BY?: string;
  LIMIT?: Limit;
  /** Patterns whose values are returned instead of the elements (`'#'`: the element itself). */
  GET?: readonly string[];
  ASC?: boolean;
  DESC?: boolean;
  /** Sort as strings instead of numbers. */
  ALPHA?: boolean;
}

/** Keys: existence, expiry, renaming, DUMP / RESTORE, SORT, OBJECT, SCAN. */
export abstract class KeyCommands extends StringCommands {
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

  expire(key: RedisArg, seconds: number, mode?: ExpireOptions | ExpireMode): Promise<Flag> {
    return this.call('EXPIRE', expireArgs([key, seconds], mode));
  }

  pexpire(key: RedisArg, milliseconds: number, mode?: ExpireOptions | ExpireMode): Promise<Flag> {
    return this.call('PEXPIRE', expireArgs([key, milliseconds], mode));
  }

  expireat(key: RedisArg, unixSeconds: number, mode?: ExpireOptions | ExpireMode): Promise<Flag> {
    return this.call('EXPIREAT', expireArgs([key, unixSeconds], mode));
  }

  pexpireat(key: RedisArg, unixMilliseconds: number, mode?: ExpireOptions | ExpireMode): Promise<Flag> {
    return this.call('PEXPIREAT', expireArgs([key, unixMilliseconds], mode));
  }

  /** Unix time (seconds) the key expires at; -1 without expiry, -2 for a missing key. */
  expiretime(key: RedisArg): Promise<number> {
    return this.call('EXPIRETIME', [key]);
  }

  /** As `expiretime`, in milliseconds. */
  pexpiretime(key: RedisArg): Promise<number> {
    return this.call('PEXPIRETIME', [key]);
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

  /** Moves a key to another db of the same server: 1 if moved, 0 if it was missing or already there. */
  move(key: RedisArg, db: number): Promise<Flag> {
    return this.call('MOVE', [key, db]);
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

  restore(key: RedisArg, ttl: number, serialized: Buffer, options?: RestoreOptions): Promise<'OK'> {
    return this.call(
      'RESTORE',
      words([key, ttl, serialized], options, ['REPLACE', 'ABSTTL', 'IDLETIME', 'FREQ']),
      TEXT,
    );
  }

  copy(source: RedisArg, destination: RedisArg, options?: CopyOptions): Promise<Flag> {
    return this.call('COPY', words([source, destination], options, ['DB', 'REPLACE']));
  }

  /** The sorted elements (of a list, set or sorted set); with `STORE`, how many were stored there. */
  sort(key: RedisArg, options: SortOptions & { STORE: RedisArg }): Promise<number>;
  sort<O extends SortOptions = SortOptions>(key: RedisArg, options?: O): Promise<(BulkString<O> | null)[]>;
  sort(key: RedisArg, options?: SortOptions & { STORE?: RedisArg }): Promise<number | (Bulky | null)[]>;
  sort(key: RedisArg, options?: SortOptions & { STORE?: RedisArg }): Promise<unknown> {
    return this.call('SORT', words(sortArgs(key, options), options, ['STORE']), options);
  }

  /** SORT_RO: `sort` without STORE, allowed on replicas. */
  sortRo<O extends SortOptions = SortOptions>(key: RedisArg, options?: O): Promise<(BulkString<O> | null)[]> {
    return this.call('SORT_RO', sortArgs(key, options), options);
  }

  /** `'raw'`, `'int'`, `'embstr'`, `'listpack'`, `'hashtable'`, `'skiplist'`, ...; null for a missing key. */
  objectEncoding(key: RedisArg): Promise<string | null> {
    return this.call('OBJECT', ['ENCODING', key], TEXT);
  }

  /** Access frequency counter; the server must use an LFU `maxmemory-policy` (otherwise a ReplyError). */
  objectFreq(key: RedisArg): Promise<number | null> {
    return this.call('OBJECT', ['FREQ', key]);
  }

  /** Seconds since the key was last read or written; null for a missing key. */
  objectIdletime(key: RedisArg): Promise<number | null> {
    return this.call('OBJECT', ['IDLETIME', key]);
  }

  objectRefcount(key: RedisArg): Promise<number | null> {
    return this.call('OBJECT', ['REFCOUNT', key]);
  }

  // The iterators may yield a key more than once (SCAN's own guarantee).

  /** One SCAN step: `[nextCursor, keys]`; the walk is over when the cursor is `'0'`. */
  scan<O extends ScanOptions = ScanOptions>(
    cursor: string | number,
    options?: O,
  ): Promise<[cursor: string, keys: BulkString<O>[]]> {
    return this.call<[unknown, BulkString<O>[]]>('SCAN', words([cursor], options, SCAN), options).then(parseScan);
  }

  async *scanIterator<O extends ScanOptions = ScanOptions>(options?: O): AsyncGenerator<BulkString<O>, void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.scan(cursor, options);
      yield* keys;
      cursor = next;
    } while (cursor !== '0');
  }
}

// GET is repeated per pattern (`GET # GET weight_*`), unlike the list options of other commands.
function sortArgs(key: RedisArg, options: SortOptions | undefined): RedisArg[] {
  const args = words([key], options, ['BY', 'LIMIT']);
  for (const pattern of options?.GET ?? []) args.push('GET', pattern);
  return words(args, options, ['ASC', 'DESC', 'ALPHA']);
}
