import { serverKind, type ServerKind } from './server-kind.js';

export interface SentinelTopologyOptions {
  /** `'redis'` (default): `redis-server` data nodes and sentinels; `'valkey'`: `valkey-server` for both. */
  server?: ServerKind;
  /** Replicas per service. Default 1. */
  replicas?: number;
  /** Sentinel processes. Default 1. */
  sentinels?: number;
  /** Sentinels that must agree a master is down. Default: a majority of `sentinels`. */
  quorum?: number;
  /** `down-after-milliseconds`. Default 1 000. */
  downAfterMs?: number;
  /** `failover-timeout`. Default 3 000. */
  failoverTimeoutMs?: number;
  /** `requirepass` (and `masterauth`) of every data node; the sentinels get it as `auth-pass`. */
  password?: string;
  /** The sentinels' own password. */
  sentinelPassword?: string;
  /** The default service name. Default `'mymaster'` (or the first of `services`). */
  service?: string;
  /** Several services, each with its own master and replicas, all watched by the same sentinels. */
  services?: string[];
  /** Extra command-line arguments for every data node. */
  serverArgs?: string[];
  /** Extra command-line arguments for every sentinel. */
  sentinelArgs?: string[];
  /** Deadline for each start-up stage (replication, sentinel agreement), in ms. Default 15 000. */
  startTimeoutMs?: number;
}

export interface FailoverOptions {
  /** Default: the topology's `service`. */
  service?: string;
  /** Deadline for the whole failover, in ms. Default 20 000 (30 000 with `waitForReplicas`). */
  timeoutMs?: number;
  /**
   * Also wait until every running data node replicates from the new master. Sentinel demotes the old
   * master only 8-10 s after the switch, so this makes failover() that much slower. Default false.
   */
  waitForReplicas?: boolean;
}

/** The options with their defaults applied and checked. */
export interface Settings {
  server: ServerKind;
  replicas: number;
  sentinels: number;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  startTimeoutMs: number;
  serverArgs: string[];
  sentinelArgs: string[];
}

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new TypeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** Applies the defaults and checks the counts; a TypeError names the first bad option. */
export function topologySettings(options: SentinelTopologyOptions): Settings {
  const sentinels = checkCount('sentinels', options.sentinels ?? 1, 1);
  const quorum = checkCount('quorum', options.quorum ?? Math.floor(sentinels / 2) + 1, 1);
  if (quorum > sentinels) throw new TypeError(`quorum (${quorum}) cannot exceed sentinels (${sentinels})`);
  return {
    server: serverKind(options.server),
    replicas: checkCount('replicas', options.replicas ?? 1, 0),
    sentinels,
    quorum,
    downAfterMs: checkCount('downAfterMs', options.downAfterMs ?? 1_000, 1),
    failoverTimeoutMs: checkCount('failoverTimeoutMs', options.failoverTimeoutMs ?? 3_000, 1),
    startTimeoutMs: checkCount('startTimeoutMs', options.startTimeoutMs ?? 15_000, 1),
    serverArgs: [...(options.serverArgs ?? [])],
    sentinelArgs: [...(options.sentinelArgs ?? [])],
  };
}
