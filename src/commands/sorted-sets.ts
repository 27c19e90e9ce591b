import type { RedisArg } from '../types.js';
import { toText } from '../text.js';
import { parseFloatReply, parseNullableFloat, parseScan, withScores } from '../client/reply-parsers.js';
import type { ScoredMember } from '../client/reply-parsers.js';
import { SCAN, flat, numbered, words } from './args.js';
import { SetCommands } from './sets.js';
import type { BulkString, Bulky, Many, Opts, ScanOptions, Score } from './types.js';

const ZADD = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'] as const;

export interface ZAddMember {
  member: RedisArg;
  score: Score;
}

/** `{ member, score }` or a `[score, member]` tuple, as ZADD takes them. */
export type ZAddInput = ZAddMember | readonly [score: Score, member: RedisArg];

export interface ZAddOptions {
  NX?: boolean;
  XX?: boolean;
  GT?: boolean;
  LT?: boolean;
  CH?: boolean;
  /** ZADD acts like ZINCRBY: resolves the new score, or null when NX/XX/GT/LT prevented it. */
  INCR?: boolean;
}

/** ZMPOP / BZMPOP: the sorted set popped from and its members with scores. */
export interface SortedSetPop<V> {
  key: string;
  members: ScoredMember<V>[];
}

export type Scored<O> = ScoredMember<BulkString<O>>;

/** Sorted sets: members, scores, ranks, pops. Ranges and set operations are in sorted-sets-ranges.ts. */
export abstract class SortedSetCommands extends SetCommands {
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

  /** Members between `min` and `max` in lexical order (`'[a'`, `'(b'`, `'-'`, `'+'`). */
  zlexcount(key: RedisArg, min: string, max: string): Promise<number> {
    return this.call('ZLEXCOUNT', [key, min, max]);
  }

  /** Rank from the lowest score; `{ WITHSCORE: true }` (@since Redis 7.2) gives `[rank, score]`. */
  zrank(key: RedisArg, member: RedisArg, options: { WITHSCORE: true }): Promise<[rank: number, score: number] | null>;
  zrank(key: RedisArg, member: RedisArg, options?: { WITHSCORE?: false }): Promise<number | null>;
  zrank(key: RedisArg, member: RedisArg, options?: { WITHSCORE?: boolean }): Promise<number | [number, number] | null>;
  zrank(key: RedisArg, member: RedisArg, options?: { WITHSCORE?: boolean }): Promise<unknown> {
    return rankReply(options, this.call('ZRANK', words([key, member], options, ['WITHSCORE'])));
  }

  /** Rank from the highest score; `{ WITHSCORE: true }` (@since Redis 7.2) gives `[rank, score]`. */
  zrevrank(
    key: RedisArg,
    member: RedisArg,
    options: { WITHSCORE: true },
  ): Promise<[rank: number, score: number] | null>;
  zrevrank(key: RedisArg, member: RedisArg, options?: { WITHSCORE?: false }): Promise<number | null>;
  zrevrank(
    key: RedisArg,
    member: RedisArg,
    options?: { WITHSCORE?: boolean },
  ): Promise<number | [number, number] | null>;
  zrevrank(key: RedisArg, member: RedisArg, options?: { WITHSCORE?: boolean }): Promise<unknown> {
    return rankReply(options, this.call('ZREVRANK', words([key, member], options, ['WITHSCORE'])));
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

  /** Pops from the first non-empty sorted set of `keys`: `{ key, members }` (up to `COUNT`), or null. */
  zmpop<O extends Opts & { COUNT?: number } = Opts>(
    keys: Many<RedisArg>,
    where: 'MIN' | 'MAX',
    options?: O,
  ): Promise<SortedSetPop<BulkString<O>> | null> {
    const args = words(numbered([], keys).concat(where), options, ['COUNT']);
    return this.call<[unknown, [BulkString<O>, unknown][]] | null>('ZMPOP', args, options).then(parseSortedSetPop);
  }

  /** ZMPOP that waits up to `timeout` seconds (0: forever); null on timeout. */
  bzmpop<O extends Opts & { COUNT?: number } = Opts>(
    timeout: number,
    keys: Many<RedisArg>,
    where: 'MIN' | 'MAX',
    options?: O,
  ): Promise<SortedSetPop<BulkString<O>> | null> {
    const args = words(numbered([timeout], keys).concat(where), options, ['COUNT']);
    return this.call<[unknown, [BulkString<O>, unknown][]] | null>('BZMPOP', args, options).then(parseSortedSetPop);
  }

  /** One random member (null for a missing key); with `count`, several; `WITHSCORES` gives `{ member, score }`. */
  zrandmember<O extends Opts = Opts>(key: RedisArg, options?: O): Promise<BulkString<O> | null>;
  zrandmember<O extends Opts & { WITHSCORES: true }>(key: RedisArg, count: number, options: O): Promise<Scored<O>[]>;
  zrandmember<O extends Opts & { WITHSCORES?: false }>(
    key: RedisArg,
    count: number,
    options?: O,
  ): Promise<BulkString<O>[]>;
  zrandmember(
    key: RedisArg,
    countOrOptions?: number | Opts,
    options?: Opts & { WITHSCORES?: boolean },
  ): Promise<Bulky | Bulky[] | ScoredMember<Bulky>[] | null>;
  zrandmember(
    key: RedisArg,
    countOrOptions?: number | Opts,
    options?: Opts & { WITHSCORES?: boolean },
  ): Promise<unknown> {
    if (typeof countOrOptions !== 'number') return this.call('ZRANDMEMBER', [key], countOrOptions);
    if (options?.WITHSCORES !== true) return this.call('ZRANDMEMBER', [key, countOrOptions], options);
    return this.call<unknown[]>('ZRANDMEMBER', [key, countOrOptions, 'WITHSCORES'], options).then(withScores);
  }

  zremrangebyscore(key: RedisArg, min: Score, max: Score): Promise<number> {
    return this.call('ZREMRANGEBYSCORE', [key, min, max]);
  }

  zremrangebyrank(key: RedisArg, start: number, stop: number): Promise<number> {
    return this.call('ZREMRANGEBYRANK', [key, start, stop]);
  }

  zremrangebylex(key: RedisArg, min: string, max: string): Promise<number> {
    return this.call('ZREMRANGEBYLEX', [key, min, max]);
  }

  /** One ZSCAN step: `[nextCursor, [member1, score1, ...]]` (raw: `zscanIterator` parses scores). */
  zscan<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    cursor: string | number,
    options?: O,
  ): Promise<[cursor: string, membersAndScores: BulkString<O>[]]> {
    return this.call<[unknown, BulkString<O>[]]>('ZSCAN', words([key, cursor], options, SCAN), options).then(parseScan);
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
}

function rankReply(options: { WITHSCORE?: boolean } | undefined, reply: Promise<unknown>): Promise<unknown> {
  if (options?.WITHSCORE !== true) return reply;
  return (reply as Promise<[number, unknown] | null>).then((r) => (r === null ? null : [r[0], parseFloatReply(r[1])]));
}

function isScore(value: unknown): value is Score {
  return typeof value === 'number' || typeof value === 'string';
}

function zaddArgs(key: RedisArg, members: ZAddInput | readonly ZAddInput[], options?: ZAddOptions): RedisArg[] {
  const args = words([key], options, ZADD);
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

function parseSortedSetPop<V>(reply: [unknown, [V, unknown][]] | null): SortedSetPop<V> | null {
  if (reply === null) return null;
  return {
    key: toText(reply[0]),
    members: reply[1].map(([member, score]) => ({ member, score: parseFloatReply(score) })),
  };
}
