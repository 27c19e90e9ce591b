export { freePort } from './ports.js';
export { waitFor } from './wait.js';
export type { WaitCheck, WaitForOptions } from './wait.js';
export { RedisProcess, RedisServer, SentinelServer } from './redis-server.js';
export type { RedisServerOptions, SentinelMonitorOptions, SentinelServerOptions } from './redis-server.js';
export { SentinelTopology } from './sentinel-topology.js';
export type { FailoverOptions, SentinelTopologyOptions } from './sentinel-topology.js';
export type { ServerKind } from './server-kind.js';
