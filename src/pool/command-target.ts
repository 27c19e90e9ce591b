import type { EventEmitter } from 'node:events';
import type { RedisConnection } from '../connection/connection.js';
import type { Address, RedisArg, ReplyEncoding } from '../types.js';

/** Checks minsize / maxsize: integers, 0 <= minsize <= maxsize, maxsize >= 1. */
export function validatePoolSize(minsize: unknown, maxsize: unknown): { minsize: number; maxsize: number } {
  if (typeof minsize !== 'number' || !Number.isInteger(minsize) || minsize < 0) {
    throw new TypeError(`minsize must be an integer >= 0, got ${String(minsize)}`);
  }
  if (typeof maxsize !== 'number' || !Number.isInteger(maxsize) || maxsize < 1) {
    throw new TypeError(`maxsize must be an integer >= 1, got ${String(maxsize)}`);
  }
  if (minsize > maxsize) throw new TypeError(`minsize (${minsize}) must not be greater than maxsize (${maxsize})`);
  return { minsize, maxsize };
}

/** What the Redis client needs from whatever carries its commands (a connection or a pool). */
export interface CommandTarget extends EventEmitter {
  readonly closed: boolean;
  readonly address: Address | null;
  readonly db: number;
  /** `cache: false` keeps this read away from the client-side cache (pools with `clientCache`). */
  send(name: string, args: readonly RedisArg[], encoding?: ReplyEncoding, cache?: boolean): Promise<unknown>;
  /** Sends commands back to back on one connection, nothing in between (pipelines, MULTI/EXEC). */
  sendBatch(
    commands: readonly (readonly [string, readonly RedisArg[], ReplyEncoding | undefined])[],
    atomic?: boolean,
  ): Promise<unknown>[];
  /** A connection of its own (released with `release`); for WATCH/MULTI or long blocking work. */
  acquire(): Promise<RedisConnection>;
  release(connection: RedisConnection): void;
  close(): void;
  waitClosed(): Promise<void>;
}
