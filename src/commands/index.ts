// Every typed command, one family per file, each class extending the previous one; RedisCommands is
// the last, what Redis and Pipeline build on.
import { AclCommands } from './acl.js';

/**
 * Typed Redis commands over `call`. Bulk strings come back as strings, or as Buffers with
 * `{ encoding: null }`; integers as numbers; nil as null. Commands left out, and why: `LEFT_OUT`.
 */
export abstract class RedisCommands extends AclCommands {}

export { LEFT_OUT, CONTAINERS, methodName } from './left-out.js';
export { Script, defineScript } from './script.js';
export type * from './types.js';
export type { ExpiryOptions, SetOptions, GetExOptions, LcsIdxOptions, LcsMatches } from './strings.js';
export type { ExpireMode, ExpireOptions, RestoreOptions, CopyOptions, SortOptions } from './keys.js';
export type { LPosOptions, ListPop } from './lists.js';
export type { ZAddMember, ZAddInput, ZAddOptions, SortedSetPop } from './sorted-sets.js';
export type { WithScoresOptions, ZRangeByScoreOptions, ZRangeOptions, ZCombineOptions } from './sorted-sets-ranges.js';
export type {
  StreamTrim,
  XAddOptions,
  StreamOffsets,
  XReadOptions,
  XReadGroupOptions,
  XPendingRange,
  XClaimOptions,
} from './streams.js';
export type * from './stream-replies.js';
export type { StreamInfo, StreamGroupInfo, StreamConsumerInfo } from './stream-groups.js';
export type { GeoUnit, GeoPosition, GeoAddMember, GeoMember, GeoReplyOptions, GeoSearchOptions } from './geo.js';
export type { BitRange, BitfieldOperation } from './bitmaps.js';
export type { FunctionLibrary, FunctionStats } from './scripting.js';
export type { ClientKillFilter, ClientInfo } from './clients.js';
export type { CommandInfo, SlowlogEntry, LatencyEvent } from './introspection.js';
export type { AclLogEntry } from './acl.js';
