export { SentinelHealthIndicator } from './sentinel-health.indicator.js';
export type { SentinelCheckOptions, SentinelPingCheckOptions } from './sentinel-health.indicator.js';
export { SentinelHealthModule } from './sentinel-health.module.js';
