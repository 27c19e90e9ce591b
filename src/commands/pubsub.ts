import type { RedisArg } from '../types.js';
import { pairsToObject } from '../client/reply-parsers.js';
import { TEXT, flat, optional } from './args.js';
import { ScriptingCommands } from './scripting.js';
import type { Many } from './types.js';

/** PUBLISH and PUBSUB introspection (SUBSCRIBE and friends live with the subscriber connection, on Redis). */
export abstract class PubSubCommands extends ScriptingCommands {
  /** Resolves how many clients received the message. */
  publish(channel: RedisArg, message: RedisArg): Promise<number> {
    return this.call('PUBLISH', [channel, message]);
  }

  /** Publishes to a shard channel (SPUBLISH, Redis 7+); resolves how many clients received the message. */
  spublish(channel: RedisArg, message: RedisArg): Promise<number> {
    return this.call('SPUBLISH', [channel, message]);
  }

  /** Channels with at least one subscriber (matching `pattern`). */
  pubsubChannels(pattern?: string): Promise<string[]> {
    return this.call('PUBSUB', optional(['CHANNELS'], pattern), TEXT);
  }

  /** Subscriber count per channel. */
  pubsubNumsub(...channels: Many<string>[]): Promise<Record<string, number>> {
    return this.call<(string | number)[]>('PUBSUB', flat(['NUMSUB', ...channels]), TEXT).then(
      (reply) => pairsToObject(reply) as Record<string, number>,
    );
  }

  /** How many patterns are subscribed to (by all clients). */
  pubsubNumpat(): Promise<number> {
    return this.call('PUBSUB', ['NUMPAT']);
  }

  /** Shard channels with at least one subscriber (matching `pattern`). */
  pubsubShardchannels(pattern?: string): Promise<string[]> {
    return this.call('PUBSUB', optional(['SHARDCHANNELS'], pattern), TEXT);
  }

  /** Subscriber count per shard channel. */
  pubsubShardnumsub(...channels: Many<string>[]): Promise<Record<string, number>> {
    return this.call<(string | number)[]>('PUBSUB', flat(['SHARDNUMSUB', ...channels]), TEXT).then(
      (reply) => pairsToObject(reply) as Record<string, number>,
    );
  }
}
