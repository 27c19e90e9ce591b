import type { RedisArg } from '../types.js';
import { TEXT, entryArgs, flat, words } from './args.js';
import { SortedSetRangeCommands } from './sorted-sets-ranges.js';
import {
  parseAutoClaim,
  parseEntries,
  parseEntry,
  parsePendingEntries,
  parsePendingSummary,
  parseStreamReads,
  type AutoClaim,
  type PendingEntry,
  type PendingStreamEntry,
  type PendingSummary,
  type StreamEntry,
  type StreamRead,
} from './stream-replies.js';
import type { BulkString, Entries, Many, Opts } from './types.js';

/** XADD / XTRIM trimming: `{ MAXLEN: 1000 }`, `{ MAXLEN: ['~', 1000], LIMIT: 100 }`, `{ MINID: '1700000000000-0' }`. */
export interface StreamTrim {
  MAXLEN?: number | readonly ['~' | '=', number];
  MINID?: string | readonly ['~' | '=', string];
  /** With `~`: at most this many entries evicted per call. */
  LIMIT?: number;
}

export interface XAddOptions extends StreamTrim {
  /** Do not create a missing stream (XADD resolves null). */
  NOMKSTREAM?: boolean;
}

/** Streams and the id to read after in each: `{ s1: '0', s2: '$' }` or `[['s1', '0'], ...]`. */
export type StreamOffsets = Readonly<Record<string, string>> | readonly (readonly [RedisArg, string])[];

export interface XReadOptions extends Opts {
  COUNT?: number;
  /** ms to wait for entries (0: forever); the call takes a connection of its own on a pool. */
  BLOCK?: number;
}

export interface XReadGroupOptions extends XReadOptions {
  NOACK?: boolean;
}

export interface XPendingRange {
  start: string;
  end: string;
  count: number;
  /** Only entries idle at least this many ms. */
  IDLE?: number;
  consumer?: string;
}

export interface XClaimOptions {
  IDLE?: number;
  TIME?: number;
  RETRYCOUNT?: number;
  FORCE?: boolean;
  LASTID?: string;
  /** Resolve the claimed ids only. */
  JUSTID?: boolean;
}

const TRIM = ['MAXLEN', 'MINID', 'LIMIT'] as const;
const CLAIM = ['IDLE', 'TIME', 'RETRYCOUNT', 'FORCE', 'JUSTID', 'LASTID'] as const;

/** Streams: appending, ranges, reads (plain and consumer groups), pending entries and claims. */
export abstract class StreamCommands extends SortedSetRangeCommands {
  /** Appends an entry (`id` `'*'`: the server picks one); resolves its id, or null with NOMKSTREAM. */
  xadd(key: RedisArg, id: string, fields: Entries, options?: XAddOptions): Promise<string | null> {
    const args = words(words([key], options, ['NOMKSTREAM']), options, TRIM);
    return this.call('XADD', entryArgs(args.concat(id), [fields]), TEXT);
  }

  xlen(key: RedisArg): Promise<number> {
    return this.call('XLEN', [key]);
  }

  /** Entries from `start` to `end` (`'-'` and `'+'`: the ends; `'(id'` excludes it). */
  xrange<O extends Opts & { COUNT?: number } = Opts>(
    key: RedisArg,
    start = '-',
    end = '+',
    options?: O,
  ): Promise<StreamEntry<BulkString<O>>[]> {
    return this.call('XRANGE', words([key, start, end], options, ['COUNT']), options).then(parseEntries<BulkString<O>>);
  }

  /** As `xrange`, newest first (`end` before `start`). */
  xrevrange<O extends Opts & { COUNT?: number } = Opts>(
    key: RedisArg,
    end = '+',
    start = '-',
    options?: O,
  ): Promise<StreamEntry<BulkString<O>>[]> {
    return this.call('XREVRANGE', words([key, end, start], options, ['COUNT']), options).then(
      parseEntries<BulkString<O>>,
    );
  }

  xdel(key: RedisArg, ...ids: Many<string>[]): Promise<number> {
    return this.call('XDEL', flat([key, ...ids]));
  }

  /** Resolves how many entries were evicted. */
  xtrim(key: RedisArg, options: StreamTrim): Promise<number> {
    return this.call('XTRIM', words([key], options, TRIM));
  }

  /** Entries after the given ids, per stream; null when `BLOCK` ran out with none. */
  xread<O extends XReadOptions = XReadOptions>(
    streams: StreamOffsets,
    options?: O,
  ): Promise<StreamRead<StreamEntry<BulkString<O>>>[] | null> {
    const args = streamArgs(words([], options, ['COUNT', 'BLOCK']), streams);
    return this.call('XREAD', args, options).then(parseStreamReads) as Promise<
      StreamRead<StreamEntry<BulkString<O>>>[] | null
    >;
  }

  /**
   * Reads as `consumer` of `group`: id `'>'` gives new entries, any other id the consumer's pending
   * ones (where a deleted entry has `fields: null`). Null when `BLOCK` ran out with none.
   */
  xreadgroup<O extends XReadGroupOptions = XReadGroupOptions>(
    group: RedisArg,
    consumer: RedisArg,
    streams: StreamOffsets,
    options?: O,
  ): Promise<StreamRead<PendingStreamEntry<BulkString<O>>>[] | null> {
    const args = streamArgs(words(['GROUP', group, consumer], options, ['COUNT', 'BLOCK', 'NOACK']), streams);
    return this.call('XREADGROUP', args, options).then(parseStreamReads<BulkString<O>>);
  }

  /** Acknowledges entries of a group; resolves how many were pending. */
  xack(key: RedisArg, group: RedisArg, ...ids: Many<string>[]): Promise<number> {
    return this.call('XACK', flat([key, group, ...ids]));
  }

  /** The group's pending summary; with a range, the pending entries themselves. */
  xpending(key: RedisArg, group: RedisArg): Promise<PendingSummary>;
  xpending(key: RedisArg, group: RedisArg, range: XPendingRange): Promise<PendingEntry[]>;
  xpending(key: RedisArg, group: RedisArg, range?: XPendingRange): Promise<PendingSummary | PendingEntry[]>;
  xpending(key: RedisArg, group: RedisArg, range?: XPendingRange): Promise<unknown> {
    if (range === undefined) return this.call('XPENDING', [key, group], TEXT).then(parsePendingSummary);
    const args = words([key, group], range, ['IDLE']);
    args.push(range.start, range.end, range.count);
    if (range.consumer !== undefined) args.push(range.consumer);
    return this.call('XPENDING', args, TEXT).then(parsePendingEntries);
  }

  /**
   * Takes pending entries idle at least `minIdleTime` ms over to `consumer`; resolves them, or only
   * their ids with `JUSTID` (which does not count a delivery).
   */
  xclaim(
    key: RedisArg,
    group: RedisArg,
    consumer: RedisArg,
    minIdleTime: number,
    ids: Many<string>,
    options: XClaimOptions & { JUSTID: true },
  ): Promise<string[]>;
  xclaim<O extends Opts & XClaimOptions = Opts>(
    key: RedisArg,
    group: RedisArg,
    consumer: RedisArg,
    minIdleTime: number,
    ids: Many<string>,
    options?: O,
  ): Promise<StreamEntry<BulkString<O>>[]>;
  xclaim(
    key: RedisArg,
    group: RedisArg,
    consumer: RedisArg,
    minIdleTime: number,
    ids: Many<string>,
    options?: Opts & XClaimOptions,
  ): Promise<string[] | StreamEntry<string | Buffer>[]>;
  xclaim(
    key: RedisArg,
    group: RedisArg,
    consumer: RedisArg,
    minIdleTime: number,
    ids: Many<string>,
    options?: Opts & XClaimOptions,
  ): Promise<unknown> {
    const args = words(flat([key, group, consumer, minIdleTime, ids]), options, CLAIM);
    if (options?.JUSTID === true) return this.call('XCLAIM', args, TEXT);
    return this.call('XCLAIM', args, options).then(parseEntries);
  }

  /** Claims entries idle at least `minIdleTime` ms, scanning from `start` (`'0-0'`); go on from `next`. */
  xautoclaim<O extends Opts & { COUNT?: number } = Opts>(
    key: RedisArg,
    group: RedisArg,
    consumer: RedisArg,
    minIdleTime: number,
    start: string,
    options?: O,
  ): Promise<AutoClaim<StreamEntry<BulkString<O>>>> {
    const args = words([key, group, consumer, minIdleTime, start], options, ['COUNT']);
    return this.call('XAUTOCLAIM', args, options).then((r) => parseAutoClaim(r, parseEntry)) as Promise<
      AutoClaim<StreamEntry<BulkString<O>>>
    >;
  }

  /** Sets the stream's last id (and, @since Redis 7.0, its entries-added count and max deleted id). */
  xsetid(key: RedisArg, lastId: string, options?: { ENTRIESADDED?: number; MAXDELETEDID?: string }): Promise<'OK'> {
    return this.call('XSETID', words([key, lastId], options, ['ENTRIESADDED', 'MAXDELETEDID']), TEXT);
  }
}

function streamArgs(args: RedisArg[], streams: StreamOffsets): RedisArg[] {
  const pairs = Array.isArray(streams)
    ? (streams as readonly (readonly [RedisArg, string])[])
    : Object.entries(streams as Record<string, string>);
  args.push('STREAMS');
  for (const [key] of pairs) args.push(key);
  for (const [, id] of pairs) args.push(id);
  return args;
}
