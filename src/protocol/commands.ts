import { exists, hasFlag } from '@ioredis/commands';
import type { RedisArg } from '../types.js';

/** Bits of what the command table (@ioredis/commands) says about a command. */
export const READONLY = 1;
export const BLOCKING = 2;
export const SUBSCRIBE = 4;
export const TRANSACTION = 8;
export const WRITE = 16;
export const KNOWN = 32;

const SUBSCRIBE_FAMILY = new Set([
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'ssubscribe',
  'sunsubscribe',
]);
const TRANSACTION_FAMILY = new Set(['multi', 'exec', 'discard', 'watch', 'unwatch']);

const cache = new Map<string, number>();

function lookup(name: string): number {
  const lower = name.toLowerCase();
  if (!exists(lower)) return 0;
  let bits = KNOWN;
  if (hasFlag(lower, 'readonly')) bits |= READONLY;
  if (hasFlag(lower, 'write')) bits |= WRITE;
  if (hasFlag(lower, 'blocking') || lower === 'monitor') bits |= BLOCKING;
  if (SUBSCRIBE_FAMILY.has(lower)) bits |= SUBSCRIBE;
  if (TRANSACTION_FAMILY.has(lower)) bits |= TRANSACTION;
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

/** True when the command may block the connection: the BLPOP family, WAIT, and XREAD/XREADGROUP with BLOCK. */
export function isBlocking(name: string, args: readonly RedisArg[], flags = commandFlags(name)): boolean {
  if ((flags & BLOCKING) === 0) return false;
  const lower = name.toLowerCase();
  if (lower === 'xread' || lower === 'xreadgroup') {
    return args.some((a) => typeof a === 'string' && a.toUpperCase() === 'BLOCK');
  }
  return true;
}

/** Safe to send again after a connection dropped with it in flight: the table marks it read-only. */
export function isReadOnly(name: string): boolean {
  return (commandFlags(name) & READONLY) !== 0;
}

export function isWrite(name: string): boolean {
  return (commandFlags(name) & WRITE) !== 0;
}
