import type { RedisArg } from '../types.js';
import { TEXT, flat } from './args.js';
import { PubSubCommands } from './pubsub.js';
import type { Many } from './types.js';

/**
 * WATCH / UNWATCH, for a client over one connection (`withConnection`, `createRedis`): a pooled client
 * refuses them, as it refuses raw MULTI, since its connections are shared. MULTI / EXEC are `multi()`.
 */
export abstract class TransactionCommands extends PubSubCommands {
  /** The next `multi().exec()` on this connection aborts if one of the keys changes first. */
  watch(...keys: Many<RedisArg>[]): Promise<'OK'> {
    return this.call('WATCH', flat(keys), TEXT);
  }

  unwatch(): Promise<'OK'> {
    return this.call('UNWATCH', [], TEXT);
  }
}
