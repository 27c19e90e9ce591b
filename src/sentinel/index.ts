export { RedisSentinel, createSentinel } from './redis-sentinel.js';
export { SentinelPool, createSentinelPool } from './sentinel-pool.js';
export { ManagedPool } from './managed-pool.js';
export type { SentinelOptions } from './options.js';
export type { MasterState, ReplicaState, SentinelState } from './state.js';
