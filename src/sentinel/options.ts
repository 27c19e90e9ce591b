import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { Logger, PoolOptions } from '../types.js';

/** Options of createSentinel / createSentinelPool (see API.md). */
export interface SentinelOptions extends PoolOptions {
  sentinelUsername?: string;
  sentinelPassword?: string;
  sentinelTls?: boolean | TlsConnectionOptions;
  /** ms for each discovery step against one sentinel (query, connect, ROLE). Default 200. */
  timeout?: number;
  /** ms a command waits for a master while none is known, before it rejects MasterNotFoundError. Default 10 000. */
  failoverTimeout?: number;
  /** Maps an announced `host:port` to the address to connect to. */
  natMap?: Record<string, { host: string; port: number }>;
  /** A write resolves only after WAIT (one per flush) confirms it on `replicas` replicas. */
  durability?: { replicas: number; timeout: number };
  /** Queue writes from the first failover event of a service until +switch-master or an abort. Default true. */
  holdWritesDuringFailover?: boolean;
  /** ms between checks of each master's address with the sentinels (catches a missed event); 0 turns it off. Default 5 000. */
  masterCheckInterval?: number;
  /** Most commands waiting for a master at once; more reject at once. Default 100 000. */
  maxQueuedCommands?: number;
  logger?: Logger;
}

export const SENTINEL_DEFAULTS = {
  timeout: 200,
  failoverTimeout: 10_000,
  masterCheckInterval: 5_000,
  maxQueuedCommands: 100_000,
  holdWritesDuringFailover: true,
  minsize: 1,
  maxsize: 10,
} as const;
