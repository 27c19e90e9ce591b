import type { RedisArg } from '../types.js';
import { toText } from '../text.js';
import { countArgs, flat, numbered, TEXT, words } from './args.js';
import { HashCommands } from './hashes.js';
import type { BulkString, Bulky, End, Many, Opts } from './types.js';

export interface LPosOptions {
  RANK?: number;
  MAXLEN?: number;
}

/** LMPOP / BLMPOP: the list popped from and its elements. */
export interface ListPop<V> {
  key: string;
  elements: V[];
}

/** Lists, blocking pops included (they take a connection of their own on a pool). */
export abstract class ListCommands extends HashCommands {
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
  lpos(key: RedisArg, element: RedisArg, options?: LPosOptions & { COUNT?: number }): Promise<unknown> {
    return this.call('LPOS', words([key, element], options, ['RANK', 'COUNT', 'MAXLEN']));
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

  /** @deprecated by Redis since 6.2: `lmove(source, destination, 'RIGHT', 'LEFT')`. */
  rpoplpush<O extends Opts = Opts>(
    source: RedisArg,
    destination: RedisArg,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.call('RPOPLPUSH', [source, destination], options);
  }

  /** Pops from the first non-empty list of `keys`: `{ key, elements }` (up to `COUNT`, default 1), or null. */
  lmpop<O extends Opts & { COUNT?: number } = Opts>(
    keys: Many<RedisArg>,
    end: End,
    options?: O,
  ): Promise<ListPop<BulkString<O>> | null> {
    return this.call<[unknown, BulkString<O>[]] | null>(
      'LMPOP',
      words(numbered([], keys).concat(end), options, ['COUNT']),
      options,
    ).then(parseListPop);
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

  /** @deprecated by Redis since 6.2: `blmove(source, destination, 'RIGHT', 'LEFT', timeout)`. */
  brpoplpush<O extends Opts = Opts>(
    source: RedisArg,
    destination: RedisArg,
    timeout: number,
    options?: O,
  ): Promise<BulkString<O> | null> {
    return this.call('BRPOPLPUSH', [source, destination, timeout], options);
  }

  /** LMPOP that waits up to `timeout` seconds (0: forever); null on timeout. */
  blmpop<O extends Opts & { COUNT?: number } = Opts>(
    timeout: number,
    keys: Many<RedisArg>,
    end: End,
    options?: O,
  ): Promise<ListPop<BulkString<O>> | null> {
    const args = words(numbered([timeout], keys).concat(end), options, ['COUNT']);
    return this.call<[unknown, BulkString<O>[]] | null>('BLMPOP', args, options).then(parseListPop);
  }
}

function parseListPop<V>(reply: [unknown, V[]] | null): ListPop<V> | null {
  return reply === null ? null : { key: toText(reply[0]), elements: reply[1] };
}
