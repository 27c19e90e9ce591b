import { exists, hasFlag } from '@ioredis/commands';
import type { RedisArg } from '../types.js';

/**
 * The one table of what the library knows about command names: every file that needs to tell one
 * kind of command from another asks commandFlags() (looked up once per spelling) and tests bits.
 */
export const READONLY = 1;
export const BLOCKING = 2;
/** Any of (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE. */
export const SUBSCRIBE = 4;
/** MULTI, EXEC, DISCARD, WATCH, UNWATCH. */
export const TRANSACTION = 8;
export const WRITE = 16;
/** The UNSUBSCRIBE side of SUBSCRIBE (UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE). */
export const UNSUBSCRIBE = 64;
/** PSUBSCRIBE / PUNSUBSCRIBE: patterns. */
export const PATTERN = 128;
/** SSUBSCRIBE / SUNSUBSCRIBE: shard channels. */
export const SHARD = 256;
/** Allowed on a connection in subscriber mode besides the SUBSCRIBE family (RESP2: PING, QUIT, RESET). */
export const SUBSCRIBER_SAFE = 512;
/** Scripts and EXEC: may write although the table does not flag them `write`; WAIT confirms them. */
export const MAY_WRITE = 1024;
/** MULTI (opens a transaction). */
export const MULTI = 2048;
/** EXEC / DISCARD (end a transaction and any WATCH). */
export const END_TRANSACTION = 4096;
/** WATCH. */
export const WATCH = 8192;
/** UNWATCH. */
export const UNWATCH = 16384;
/** WAIT / WAITAOF: confirm the writes sent before them on the same connection. */
export const CONFIRMS_WRITES = 32768;

const NAMED: Record<string, number> = {
  subscribe: SUBSCRIBE,
  unsubscribe: SUBSCRIBE | UNSUBSCRIBE,
  psubscribe: SUBSCRIBE | PATTERN,
  punsubscribe: SUBSCRIBE | UNSUBSCRIBE | PATTERN,
  ssubscribe: SUBSCRIBE | SHARD,
  sunsubscribe: SUBSCRIBE | UNSUBSCRIBE | SHARD,
  multi: TRANSACTION | MULTI,
  exec: TRANSACTION | END_TRANSACTION | MAY_WRITE,
  discard: TRANSACTION | END_TRANSACTION,
  watch: TRANSACTION | WATCH,
  unwatch: TRANSACTION | UNWATCH,
  ping: SUBSCRIBER_SAFE,
  quit: SUBSCRIBER_SAFE,
  reset: SUBSCRIBER_SAFE,
  monitor: BLOCKING,
  wait: CONFIRMS_WRITES,
  waitaof: CONFIRMS_WRITES,
  eval: MAY_WRITE,
  evalsha: MAY_WRITE,
  fcall: MAY_WRITE,
};

const cache = new Map<string, number>();

function lookup(name: string): number {
  const lower = name.toLowerCase();
  let bits = NAMED[lower] ?? 0;
  if (!exists(lower)) return bits;
  if (hasFlag(lower, 'readonly')) bits |= READONLY;
  if (hasFlag(lower, 'write')) bits |= WRITE;
  if (hasFlag(lower, 'blocking')) bits |= BLOCKING;
  // Read-only script variants (EVAL_RO, FCALL_RO) are flagged readonly: they never write.
  if ((bits & READONLY) !== 0) bits &= ~MAY_WRITE;
  return bits;
}

/** Flags of a command by name (any case); cached per spelling so the hot path is one Map lookup. */
export function commandFlags(name: string): number {
  let bits = cache.get(name);
  if (bits === undefined) {
    bits = lookup(name);
    cache.set(name, bits);
  }
  return bits;
}

/** Which set of subscriptions a SUBSCRIBE-family command is about. */
export type SubscriptionKind = 'channels' | 'patterns' | 'shardChannels';

export function subscriptionKind(flags: number): SubscriptionKind {
  return (flags & PATTERN) !== 0 ? 'patterns' : (flags & SHARD) !== 0 ? 'shardChannels' : 'channels';
}

/** The command that subscribes to a kind of subscription. */
export const SUBSCRIBE_COMMAND: Record<SubscriptionKind, string> = {
  channels: 'SUBSCRIBE',
  patterns: 'PSUBSCRIBE',
  shardChannels: 'SSUBSCRIBE',
};

/** True when the command may block the connection: the BLPOP family, WAIT, and XREAD/XREADGROUP with BLOCK. */
export function isBlocking(name: string, args: readonly RedisArg[], flags = commandFlags(name)): boolean {
  if ((flags & BLOCKING) === 0) return false;
  const lower = name.toLowerCase();
  if (lower === 'xread' || lower === 'xreadgroup') {
    return args.some((a) => typeof a === 'string' && a.toUpperCase() === 'BLOCK');
  }
  return true;
}
