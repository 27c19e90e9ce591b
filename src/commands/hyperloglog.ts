import type { RedisArg } from '../types.js';
import { TEXT, flat } from './args.js';
import { GeoCommands } from './geo.js';
import type { Flag, Many } from './types.js';

/** HyperLogLog: approximate distinct counts. */
export abstract class HyperLogLogCommands extends GeoCommands {
  /** 1 if the estimate changed. */
  pfadd(key: RedisArg, ...elements: Many<RedisArg>[]): Promise<Flag> {
    return this.call('PFADD', flat([key, ...elements]));
  }

  /** Approximate number of distinct elements (of the union, for several keys). */
  pfcount(...keys: Many<RedisArg>[]): Promise<number> {
    return this.call('PFCOUNT', flat(keys));
  }

  pfmerge(destination: RedisArg, ...sources: Many<RedisArg>[]): Promise<'OK'> {
    return this.call('PFMERGE', flat([destination, ...sources]), TEXT);
  }
}
