export { RedisSentinel, createSentinel, type PoolStats } from './redis-sentinel.js';
export { SentinelPool, createSentinelPool } from './sentinel-pool.js';
export { ManagedPool, type FailoverRecord } from './managed-pool.js';
export type { PoolState } from './pool-state.js';
export type { SentinelEvents } from './failover-follower.js';
export { classifySentinelEvent, type SentinelAction } from './events.js';
export type { SentinelOptions } from './options.js';
export type { MasterState, ReplicaState, SentinelState } from './state.js';
