import type { RedisArg } from '../types.js';
import type { CommandOptions } from '../types.js';
import { withScores } from '../client/reply-parsers.js';
import type { ScoredMember } from '../client/reply-parsers.js';
import { numbered, words } from './args.js';
import { SortedSetCommands, type Scored } from './sorted-sets.js';
import type { BulkString, Bulky, Limit, Many, Opts, Score } from './types.js';

export interface WithScoresOptions extends CommandOptions {
  /** Resolve `{ member, score }` objects instead of members. */
  WITHSCORES?: boolean;
}

export interface ZRangeByScoreOptions extends WithScoresOptions {
  LIMIT?: Limit;
}

export interface ZRangeOptions extends ZRangeByScoreOptions {
  BY?: 'SCORE' | 'LEX';
  REV?: boolean;
}

/** ZUNION, ZINTER (and their STORE forms): a weight per key and how scores combine. */
export interface ZCombineOptions extends WithScoresOptions {
  WEIGHTS?: readonly number[];
  AGGREGATE?: 'SUM' | 'MIN' | 'MAX';
}

type Range<O> = O extends { WITHSCORES: true } ? Scored<O>[] : BulkString<O>[];
type AnyRange = Bulky[] | ScoredMember<Bulky>[];

// BY goes first, as `BYSCORE` / `BYLEX` (one word), then these.
const RANGE = ['REV', 'LIMIT', 'WITHSCORES'] as const;
const COMBINE = ['WEIGHTS', 'AGGREGATE', 'WITHSCORES'] as const;

/** Sorted-set ranges (by rank, score, lex) and set operations (ZUNION, ZINTER, ZDIFF). */
export abstract class SortedSetRangeCommands extends SortedSetCommands {
  /** Redis 6.2 ZRANGE: by index, or `BY: 'SCORE' | 'LEX'`, with `REV` and `LIMIT`. */
  zrange<O extends ZRangeOptions = Opts>(key: RedisArg, start: Score, stop: Score, options?: O): Promise<Range<O>>;
  zrange(key: RedisArg, start: Score, stop: Score, options?: ZRangeOptions): Promise<AnyRange> {
    return scores(this.call('ZRANGE', rangeWords([key, start, stop], options), options), options);
  }

  /** ZRANGESTORE: stores the range in `destination`; resolves its size. */
  zrangestore(
    destination: RedisArg,
    source: RedisArg,
    start: Score,
    stop: Score,
    options?: Omit<ZRangeOptions, 'WITHSCORES'>,
  ): Promise<number> {
    return this.call('ZRANGESTORE', rangeWords([destination, source, start, stop], options));
  }

  /** @deprecated by Redis since 6.2: `zrange(key, start, stop, { REV: true })`. */
  zrevrange<O extends WithScoresOptions = Opts>(
    key: RedisArg,
    start: number,
    stop: number,
    options?: O,
  ): Promise<Range<O>>;
  zrevrange(key: RedisArg, start: number, stop: number, options?: WithScoresOptions): Promise<AnyRange> {
    return scores(this.call('ZREVRANGE', words([key, start, stop], options, ['WITHSCORES']), options), options);
  }

  /** @deprecated by Redis since 6.2: `zrange(key, min, max, { BY: 'SCORE' })`. */
  zrangebyscore<O extends ZRangeByScoreOptions = Opts>(
    key: RedisArg,
    min: Score,
    max: Score,
    options?: O,
  ): Promise<Range<O>>;
  zrangebyscore(key: RedisArg, min: Score, max: Score, options?: ZRangeByScoreOptions): Promise<AnyRange> {
    return scores(
      this.call('ZRANGEBYSCORE', words([key, min, max], options, ['LIMIT', 'WITHSCORES']), options),
      options,
    );
  }

  /** @deprecated by Redis since 6.2: `zrange(key, max, min, { BY: 'SCORE', REV: true })`. */
  zrevrangebyscore<O extends ZRangeByScoreOptions = Opts>(
    key: RedisArg,
    max: Score,
    min: Score,
    options?: O,
  ): Promise<Range<O>>;
  zrevrangebyscore(key: RedisArg, max: Score, min: Score, options?: ZRangeByScoreOptions): Promise<AnyRange> {
    return scores(
      this.call('ZREVRANGEBYSCORE', words([key, max, min], options, ['LIMIT', 'WITHSCORES']), options),
      options,
    );
  }

  /** @deprecated by Redis since 6.2: `zrange(key, min, max, { BY: 'LEX' })`. */
  zrangebylex<O extends Opts & { LIMIT?: Limit } = Opts>(
    key: RedisArg,
    min: string,
    max: string,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.call('ZRANGEBYLEX', words([key, min, max], options, ['LIMIT']), options);
  }

  /** @deprecated by Redis since 6.2: `zrange(key, max, min, { BY: 'LEX', REV: true })`. */
  zrevrangebylex<O extends Opts & { LIMIT?: Limit } = Opts>(
    key: RedisArg,
    max: string,
    min: string,
    options?: O,
  ): Promise<BulkString<O>[]> {
    return this.call('ZREVRANGEBYLEX', words([key, max, min], options, ['LIMIT']), options);
  }

  zunion<O extends ZCombineOptions = Opts>(keys: Many<RedisArg>, options?: O): Promise<Range<O>>;
  zunion(keys: Many<RedisArg>, options?: ZCombineOptions): Promise<AnyRange> {
    return scores(this.call('ZUNION', words(numbered([], keys), options, COMBINE), options), options);
  }

  /** Resolves the size of the stored union. */
  zunionstore(
    destination: RedisArg,
    keys: Many<RedisArg>,
    options?: Omit<ZCombineOptions, 'WITHSCORES'>,
  ): Promise<number> {
    return this.call('ZUNIONSTORE', words(numbered([destination], keys), options, ['WEIGHTS', 'AGGREGATE']));
  }

  zinter<O extends ZCombineOptions = Opts>(keys: Many<RedisArg>, options?: O): Promise<Range<O>>;
  zinter(keys: Many<RedisArg>, options?: ZCombineOptions): Promise<AnyRange> {
    return scores(this.call('ZINTER', words(numbered([], keys), options, COMBINE), options), options);
  }

  zinterstore(
    destination: RedisArg,
    keys: Many<RedisArg>,
    options?: Omit<ZCombineOptions, 'WITHSCORES'>,
  ): Promise<number> {
    return this.call('ZINTERSTORE', words(numbered([destination], keys), options, ['WEIGHTS', 'AGGREGATE']));
  }

  /** Size of the intersection, counting up to `LIMIT` (0: no limit). */
  zintercard(keys: Many<RedisArg>, options?: { LIMIT?: number }): Promise<number> {
    return this.call('ZINTERCARD', words(numbered([], keys), options, ['LIMIT']));
  }

  /** Members of the first set that are in none of the others. */
  zdiff<O extends WithScoresOptions = Opts>(keys: Many<RedisArg>, options?: O): Promise<Range<O>>;
  zdiff(keys: Many<RedisArg>, options?: WithScoresOptions): Promise<AnyRange> {
    return scores(this.call('ZDIFF', words(numbered([], keys), options, ['WITHSCORES']), options), options);
  }

  zdiffstore(destination: RedisArg, keys: Many<RedisArg>): Promise<number> {
    return this.call('ZDIFFSTORE', numbered([destination], keys));
  }
}

function rangeWords(args: RedisArg[], options: ZRangeOptions | undefined): RedisArg[] {
  if (options?.BY !== undefined) args.push(`BY${options.BY}`);
  return words(args, options, RANGE);
}

// A reply of members, or of member/score pairs parsed into `{ member, score }` when WITHSCORES is asked.
function scores(reply: Promise<unknown>, options: WithScoresOptions | undefined): Promise<AnyRange> {
  return options?.WITHSCORES === true ? (reply as Promise<Bulky[]>).then(withScores) : (reply as Promise<Bulky[]>);
}
