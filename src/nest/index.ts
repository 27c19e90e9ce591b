export { SentinelModule } from './sentinel.module.js';
export { InjectRedis, InjectSentinel, InjectSentinelPool } from './sentinel.decorators.js';
export { getRedisToken, getSentinelOptionsToken, getSentinelPoolToken, getSentinelToken } from './sentinel.tokens.js';
export { DEFAULT_CONNECTION_NAME } from './sentinel.constants.js';
export type {
  RedisRole,
  SentinelModuleAsyncOptions,
  SentinelModuleForRootOptions,
  SentinelModuleOptions,
  SentinelModuleRegistration,
  SentinelOptionsFactory,
  SentinelServiceConfig,
  SentinelServiceOptions,
} from './sentinel.interfaces.js';
