import type { CommandOptions, RedisArg } from '../types.js';
import type { Entries, Many } from './types.js';

// Status replies ('OK', 'PONG', type names, INFO text) are always decoded, whatever the client's encoding.
export const TEXT: CommandOptions = { encoding: 'utf8' };

/** HSCAN, SSCAN, ZSCAN option words (SCAN adds TYPE). */
export const SCAN = ['MATCH', 'COUNT'] as const;

/** Arguments with any arrays among them spread in place. */
export function flat(items: readonly Many<RedisArg>[]): RedisArg[] {
  const out: RedisArg[] = [];
  for (const item of items) {
    if (Array.isArray(item)) out.push(...(item as readonly RedisArg[]));
    else out.push(item as RedisArg);
  }
  return out;
}

/** `count, ...keys` as the multi-key commands (ZUNION, LMPOP, SINTERCARD, ...) take them. */
export function numbered(args: RedisArg[], keys: Many<RedisArg>): RedisArg[] {
  const list = (Array.isArray(keys) ? keys : [keys]) as readonly RedisArg[];
  args.push(list.length, ...list);
  return args;
}

type OptionValue = boolean | RedisArg | readonly RedisArg[] | { offset: number; count: number } | undefined;

/**
 * Appends Redis option words in the order given: `true` adds the word, a value adds the word and the
 * value, an array the word and its items, a `{ offset, count }` LIMIT both numbers; `false` and
 * `undefined` add nothing. One rule for every command's options object.
 */
export function words<O extends object>(
  args: RedisArg[],
  options: O | undefined,
  order: readonly (keyof O & string)[],
): RedisArg[] {
  if (options === undefined) return args;
  for (const word of order) {
    const value = options[word] as OptionValue;
    if (value === undefined || value === false) continue;
    if (value === true) args.push(word);
    else if (Array.isArray(value)) args.push(word, ...(value as readonly RedisArg[]));
    else if (typeof value === 'object' && !Buffer.isBuffer(value)) {
      const limit = value as { offset: number; count: number };
      args.push(word, limit.offset, limit.count);
    } else args.push(word, value as RedisArg);
  }
  return args;
}

/** `head` followed by the pairs of an Entries argument, or by flat key/value arguments as given. */
export function entryArgs(head: RedisArg[], rest: readonly (Entries | RedisArg)[]): RedisArg[] {
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

// LPOP, RPOP, SPOP, SRANDMEMBER, ZRANDMEMBER: `(key, options?)` or `(key, count, options?)`.
export function countArgs(
  key: RedisArg,
  countOrOptions: number | CommandOptions | undefined,
  options: CommandOptions | undefined,
): [args: RedisArg[], options: CommandOptions | undefined] {
  return typeof countOrOptions === 'number' ? [[key, countOrOptions], options] : [[key], countOrOptions];
}

/** An optional trailing argument (`FLUSHDB ASYNC`, `PING message`). */
export function optional(args: RedisArg[], value: RedisArg | undefined): RedisArg[] {
  if (value !== undefined) args.push(value);
  return args;
}
