export { SentinelServer, SENTINEL_TRANSPORT } from './sentinel-server.js';
export { SentinelClient } from './sentinel-client.js';
export type { SentinelTransportOptions, SentinelTransportStatus } from './options.js';
