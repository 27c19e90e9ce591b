/** The connection name used when `connectionName` is not given. */
export const DEFAULT_CONNECTION_NAME = 'default';

/** Prefix of every token this module registers (tokens are readable strings). */
export const SENTINEL_MODULE_PREFIX = 'SentinelModule';

/** Default bound on the shutdown routine, in ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;

/** Internal: the connection's resources, for the core module's shutdown hook (never exported). */
export const SENTINEL_CONNECTION = Symbol('SentinelModule:connection');
