import type { RedisArg } from '../types.js';

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The Redis key as the server names it in invalidation messages: its bytes as a latin1 string, so a
 * string key and a Buffer key with the same bytes meet, and binary keys never collide.
 */
export function indexKey(key: RedisArg): string {
  if (typeof key === 'string') return NON_ASCII.test(key) ? Buffer.from(key).toString('latin1') : key;
  if (typeof key === 'number') return String(key);
  return key.toString('latin1');
}

/**
 * The entry id of a call that is not one string argument: every argument, each length-prefixed so that
 * `HMGET h 'a b'` and `HMGET h a b` never share an entry (command and reply form are the store group).
 */
export function argsKey(args: readonly RedisArg[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (typeof a === 'string') out += `s${a.length}:${a}`;
    else if (typeof a === 'number') out += `n${a};`;
    else out += `b${a.length}:${a.toString('latin1')}`;
  }
  return out;
}

/** A copy of a reply, so neither the caller nor a reply parser can change what the cache holds. */
export function copyReply(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyReply);
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  return value;
}
