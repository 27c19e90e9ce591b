import type { RedisArg } from '../types.js';
import { flat } from './args.js';
import { HyperLogLogCommands } from './hyperloglog.js';
import type { Flag, Many } from './types.js';

/** A bit range for BITCOUNT / BITPOS, in bytes unless `unit` is `'BIT'` (@since Redis 7.0). */
export interface BitRange {
  start: number;
  end?: number;
  unit?: 'BYTE' | 'BIT';
}

/** One BITFIELD operation; `type` as Redis spells it (`'u8'`, `'i16'`), `offset` a number or `'#n'`. */
export type BitfieldOperation =
  | { GET: readonly [type: string, offset: number | string] }
  | { SET: readonly [type: string, offset: number | string, value: number] }
  | { INCRBY: readonly [type: string, offset: number | string, increment: number] }
  | { OVERFLOW: 'WRAP' | 'SAT' | 'FAIL' };

/** Bit operations on strings. */
export abstract class BitmapCommands extends HyperLogLogCommands {
  /** Resolves the bit's previous value. */
  setbit(key: RedisArg, offset: number, value: 0 | 1): Promise<Flag> {
    return this.call('SETBIT', [key, offset, value]);
  }

  getbit(key: RedisArg, offset: number): Promise<Flag> {
    return this.call('GETBIT', [key, offset]);
  }

  bitcount(key: RedisArg, range?: BitRange): Promise<number> {
    return this.call('BITCOUNT', rangeArgs([key], range));
  }

  /** First bit set to `bit` in the range; -1 when there is none. */
  bitpos(key: RedisArg, bit: 0 | 1, range?: BitRange): Promise<number> {
    return this.call('BITPOS', rangeArgs([key, bit], range));
  }

  /** Stores AND / OR / XOR / NOT of the keys in `destination`; resolves its length in bytes. */
  bitop(operation: 'AND' | 'OR' | 'XOR' | 'NOT', destination: RedisArg, ...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('BITOP', flat([operation, destination, ...keys]));
  }

  /** One result per GET / SET / INCRBY (null where OVERFLOW FAIL stopped an INCRBY). */
  bitfield(key: RedisArg, operations: readonly BitfieldOperation[]): Promise<(number | null)[]> {
    return this.call('BITFIELD', bitfieldArgs(key, operations));
  }

  /** BITFIELD_RO: GET operations only, allowed on replicas. */
  bitfieldRo(key: RedisArg, gets: readonly (readonly [type: string, offset: number | string])[]): Promise<number[]> {
    return this.call(
      'BITFIELD_RO',
      bitfieldArgs(
        key,
        gets.map((get) => ({ GET: get })),
      ),
    );
  }
}

function rangeArgs(args: RedisArg[], range: BitRange | undefined): RedisArg[] {
  if (range === undefined) return args;
  args.push(range.start);
  if (range.end !== undefined) args.push(range.end);
  if (range.unit !== undefined) args.push(range.unit);
  return args;
}

function bitfieldArgs(key: RedisArg, operations: readonly BitfieldOperation[]): RedisArg[] {
  const args: RedisArg[] = [key];
  for (const op of operations) {
    for (const [word, value] of Object.entries(op) as [string, RedisArg | readonly RedisArg[]][]) {
      args.push(word);
      if (Array.isArray(value)) args.push(...(value as readonly RedisArg[]));
      else args.push(value as RedisArg);
    }
  }
  return args;
}
