export {
  SentinelThrottlerStorage,
  type SentinelThrottlerStorageOptions,
  type ThrottlerRecord,
} from './sentinel-throttler-storage.js';
