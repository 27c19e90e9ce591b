export * from './errors.js';
export type {
  Address,
  AddressInput,
  CommandOptions,
  ConnectionOptions,
  Logger,
  ParserFactory,
  PoolOptions,
  RedisArg,
  ReplyEncoding,
} from './types.js';
export { RedisConnection, createConnection } from './connection/connection.js';
export { ConnectionsPool, createPool, type CommandTarget } from './pool/pool.js';
export {
  Redis,
  createRedis,
  createRedisPool,
  type MessageListener,
  type PatternMessageListener,
} from './client/redis.js';
export { Pipeline, Multi, type PipelineResult } from './client/pipeline.js';
export {
  RedisSentinel,
  SentinelPool,
  ManagedPool,
  createSentinel,
  createSentinelPool,
  type SentinelOptions,
  type MasterState,
  type ReplicaState,
  type SentinelState,
} from './sentinel/index.js';
export * from './nest/index.js';
