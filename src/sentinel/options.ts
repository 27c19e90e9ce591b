import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { buffersFor } from '../connection/connection.js';
import { validatePoolSize } from '../pool/pool.js';
import type { Logger, PoolOptions } from '../types.js';
import { validateClientCache } from '../client-cache/options.js';

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
  /** A write resolves only after WAIT (one per flush) confirms it on `replicas` replicas within `timeout` ms. */
  durability?: { replicas: number; timeout: number };
  /** Queue writes from the first failover event of a service until +switch-master or an abort. Default true. */
  holdWritesDuringFailover?: boolean;
  /** ms between checks of each master's address with the sentinels (catches a missed event); 0 turns it off. Default 5 000. */
  masterCheckInterval?: number;
  /** Most commands waiting for a master at once; more reject at once. Default 100 000. */
  maxQueuedCommands?: number;
  /** `'master'`: a slaveFor client sends to the master while no healthy replica is known. Default `'none'`. */
  replicaFallback?: 'none' | 'master';
  logger?: Logger;
}

export const SENTINEL_DEFAULTS = {
  timeout: 200,
  failoverTimeout: 10_000,
  masterCheckInterval: 5_000,
  maxQueuedCommands: 100_000,
  holdWritesDuringFailover: true,
  replicaFallback: 'none',
  minsize: 1,
  maxsize: 10,
} as const;

const MS_OPTIONS = [
  'timeout',
  'failoverTimeout',
  'connectTimeout',
  'commandTimeout',
  'masterCheckInterval',
  'keepAlive',
  'pingInterval',
] as const;

function isCount(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** Refuses a bad option at once with a TypeError naming it (nothing is connected yet). */
export function validateSentinelOptions(options: SentinelOptions): void {
  validatePoolSize(options.minsize ?? SENTINEL_DEFAULTS.minsize, options.maxsize ?? SENTINEL_DEFAULTS.maxsize);
  buffersFor(options.encoding, false);
  validateClientCache(options.clientCache);
  if (options.db !== undefined && !isCount(options.db, 0)) {
    throw new TypeError(`db must be a non-negative integer, got ${String(options.db)}`);
  }
  for (const key of MS_OPTIONS) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new TypeError(`${key} must be a non-negative number of milliseconds, got ${String(v)}`);
    }
  }
  if (options.maxQueuedCommands !== undefined && !isCount(options.maxQueuedCommands, 0)) {
    throw new TypeError(`maxQueuedCommands must be a non-negative integer, got ${String(options.maxQueuedCommands)}`);
  }
  const d = options.durability as unknown;
  if (d !== undefined) {
    const { replicas, timeout } = (d ?? {}) as { replicas?: unknown; timeout?: unknown };
    if (d === null || typeof d !== 'object' || !isCount(replicas, 1) || !isCount(timeout, 1)) {
      throw new TypeError(
        `durability must be { replicas: integer >= 1, timeout: integer ms >= 1 } (WAIT with 0 would block for ever), got ${JSON.stringify(d)}`,
      );
    }
  }
  const fallback = options.replicaFallback as unknown;
  if (fallback !== undefined && fallback !== 'none' && fallback !== 'master') {
    throw new TypeError(`replicaFallback must be 'none' or 'master', got ${JSON.stringify(fallback)}`);
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || /\s/.test(options.name))) {
    throw new TypeError(`name must be a string without spaces (CLIENT SETNAME), got ${JSON.stringify(options.name)}`);
  }
}
