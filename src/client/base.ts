import type { CommandOptions, RedisArg } from '../types.js';

/**
 * What typed command methods are written against: `call` sends one command and resolves its raw
 * reply. The Redis client sends it at once; a Pipeline or Multi records it for `exec()`.
 */
export abstract class CommandsBase {
  protected abstract call<T = unknown>(name: string, args: readonly RedisArg[], options?: CommandOptions): Promise<T>;
}
