import type { RedisArg } from '../types.js';
import { TEXT, words } from './args.js';
import { parseInfoList, parseInfoObject, type StreamEntry } from './stream-replies.js';
import { StreamCommands } from './streams.js';
import type { Flag } from './types.js';

/** XINFO STREAM (not FULL); keys as Redis names the fields. */
export interface StreamInfo {
  length: number;
  'radix-tree-keys': number;
  'radix-tree-nodes': number;
  'last-generated-id': string;
  /** @since Redis 7.0 */
  'max-deleted-entry-id'?: string;
  /** @since Redis 7.0 */
  'entries-added'?: number;
  /** @since Redis 7.0 */
  'recorded-first-entry-id'?: string;
  groups: number;
  'first-entry': StreamEntry | null;
  'last-entry': StreamEntry | null;
  [field: string]: unknown;
}

/** XINFO GROUPS: one consumer group. */
export interface StreamGroupInfo {
  name: string;
  consumers: number;
  pending: number;
  'last-delivered-id': string;
  /** @since Redis 7.0 */
  'entries-read'?: number | null;
  /** @since Redis 7.0 */
  lag?: number | null;
  [field: string]: unknown;
}

/** XINFO CONSUMERS: one consumer of a group. */
export interface StreamConsumerInfo {
  name: string;
  pending: number;
  /** ms since the consumer last tried to read or claim. */
  idle: number;
  /** ms since the consumer last read or claimed successfully, @since Redis 7.2 (-1: never). */
  inactive?: number;
  [field: string]: unknown;
}

/** Consumer groups (XGROUP) and stream introspection (XINFO). */
export abstract class StreamGroupCommands extends StreamCommands {
  /** Creates `group` on `key`, reading after `id` (`'$'`: only new entries, `'0'`: all). */
  xgroupCreate(
    key: RedisArg,
    group: RedisArg,
    id: string,
    options?: { MKSTREAM?: boolean; ENTRIESREAD?: number },
  ): Promise<'OK'> {
    return this.call('XGROUP', words(['CREATE', key, group, id], options, ['MKSTREAM', 'ENTRIESREAD']), TEXT);
  }

  /** 1 if the consumer was created, 0 if it existed. */
  xgroupCreateconsumer(key: RedisArg, group: RedisArg, consumer: RedisArg): Promise<Flag> {
    return this.call('XGROUP', ['CREATECONSUMER', key, group, consumer]);
  }

  /** Deletes a consumer; resolves how many pending entries it had. */
  xgroupDelconsumer(key: RedisArg, group: RedisArg, consumer: RedisArg): Promise<number> {
    return this.call('XGROUP', ['DELCONSUMER', key, group, consumer]);
  }

  xgroupDestroy(key: RedisArg, group: RedisArg): Promise<Flag> {
    return this.call('XGROUP', ['DESTROY', key, group]);
  }

  xgroupSetid(key: RedisArg, group: RedisArg, id: string, options?: { ENTRIESREAD?: number }): Promise<'OK'> {
    return this.call('XGROUP', words(['SETID', key, group, id], options, ['ENTRIESREAD']), TEXT);
  }

  /** The stream's length, ids and first/last entries; `{ FULL: true }` (or `{ FULL: { COUNT } }`) adds entries, groups, PELs. */
  xinfoStream(key: RedisArg): Promise<StreamInfo>;
  xinfoStream(key: RedisArg, options: { FULL: true | { COUNT: number } }): Promise<Record<string, unknown>>;
  xinfoStream(
    key: RedisArg,
    options?: { FULL?: true | { COUNT: number } },
  ): Promise<StreamInfo | Record<string, unknown>>;
  xinfoStream(key: RedisArg, options?: { FULL?: true | { COUNT: number } }): Promise<unknown> {
    const args: RedisArg[] = ['STREAM', key];
    const full = options?.FULL;
    if (full !== undefined) args.push('FULL');
    if (typeof full === 'object') args.push('COUNT', full.COUNT);
    return this.call('XINFO', args, TEXT).then(parseInfoObject);
  }

  xinfoGroups(key: RedisArg): Promise<StreamGroupInfo[]> {
    return this.call('XINFO', ['GROUPS', key], TEXT).then(parseInfoList) as Promise<StreamGroupInfo[]>;
  }

  xinfoConsumers(key: RedisArg, group: RedisArg): Promise<StreamConsumerInfo[]> {
    return this.call('XINFO', ['CONSUMERS', key, group], TEXT).then(parseInfoList) as Promise<StreamConsumerInfo[]>;
  }
}
