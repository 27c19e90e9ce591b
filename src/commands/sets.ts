import type { RedisArg } from '../types.js';
import { parseScan } from '../client/reply-parsers.js';
import { SCAN, countArgs, flat, numbered, words } from './args.js';
import { ListCommands } from './lists.js';
import type { BulkString, Bulky, Flag, Many, Opts, ScanOptions } from './types.js';

/** Sets. */
export abstract class SetCommands extends ListCommands {
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

  /** Size of the intersection, counting up to `LIMIT` (0: no limit). */
  sintercard(keys: Many<RedisArg>, options?: { LIMIT?: number }): Promise<number> {
    return this.call('SINTERCARD', words(numbered([], keys), options, ['LIMIT']));
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

  /** One SSCAN step: `[nextCursor, members]`. */
  sscan<O extends ScanOptions = ScanOptions>(
    key: RedisArg,
    cursor: string | number,
    options?: O,
  ): Promise<[cursor: string, members: BulkString<O>[]]> {
    return this.call<[unknown, BulkString<O>[]]>('SSCAN', words([key, cursor], options, SCAN), options).then(parseScan);
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
}
