import type { CommandOptions, RedisArg } from '../types.js';

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

/** What a bulk string may be at run time, for the broad last overloads (which `Parameters<>` sees). */
export type Bulky = string | Buffer;

export type Opts = CommandOptions;

/** A list end for LMOVE, BLMOVE, LMPOP, BLMPOP. */
export type End = 'LEFT' | 'RIGHT';

/** `LIMIT offset count` of the range commands. */
export interface Limit {
  offset: number;
  count: number;
}

/** SCAN, HSCAN, SSCAN, ZSCAN. */
export interface ScanOptions extends CommandOptions {
  MATCH?: string;
  COUNT?: number;
  /** SCAN only: keys of this type (`string`, `hash`, `list`, `set`, `zset`, `stream`). */
  TYPE?: string;
}
