import { EventEmitter } from 'node:events';
import { Redis } from '../client/redis.js';
import type { SentinelEvents } from './failover-follower.js';
import type { FailoverRecord } from './managed-pool.js';
import type { ClientCacheStats } from '../client-cache/client-cache.js';
import type { PoolState } from './pool-state.js';
import { ReplyError } from '../errors.js';
import { toText } from '../text.js';
import type { Address, AddressInput, RedisArg } from '../types.js';
import type { SentinelOptions } from './options.js';
import { SentinelPool, createSentinelPool } from './sentinel-pool.js';
import { parseState, parseStates, type MasterState, type ReplicaState, type SentinelState } from './state.js';

function ok(reply: unknown): true {
  const text = toText(reply);
  if (text !== 'OK') throw new ReplyError(`Unexpected reply ${JSON.stringify(text)} (expected OK)`);
  return true;
}

/** @internal The events a RedisSentinel forwards from its pool (API.md "Events and tracing"). */
export const SENTINEL_EVENT_NAMES: readonly (keyof SentinelEvents)[] = [
  'failover-start',
  'switch-master',
  'failover-end',
  'failover-abort',
  'sentinel-up',
  'sentinel-down',
  'resubscribed',
  'warning',
];

/** One service and role in `stats()`. */
export interface PoolStats {
  service: string;
  role: 'master' | 'slave';
  state: PoolState;
  /** `[host, port]` in use, or null while none is known. */
  address: Address | null;
  /** Open connections (shared, lent out, subscriber). */
  size: number;
  /** Commands waiting for a server or for the write hold to end. */
  queued: number;
  /** Writes are held for a failover in progress. */
  holding: boolean;
  /** The last failover followed: when it began, how long writes were held, switch to first new connection. */
  lastFailover: FailoverRecord | null;
  /** Writes rejected with `mayHaveBeenApplied` (ConnectionClosedError). */
  inDoubt: number;
  /** With the `clientCache` option: hits, misses, invalidations, flushes and entries held. */
  clientCache?: ClientCacheStats;
}

/**
 * The Sentinel client: SENTINEL commands, and managed clients for each service's master and replicas.
 * An EventEmitter of the events in `SentinelEvents` ('failover-start', 'switch-master', 'failover-end',
 * 'failover-abort', 'sentinel-up', 'sentinel-down', 'resubscribed', 'warning'); it never emits 'error'.
 */
export class RedisSentinel extends EventEmitter {
  private readonly masterClients = new Map<string, Redis>();
  private readonly slaveClients = new Map<string, Redis>();

  constructor(readonly pool: SentinelPool) {
    super();
    for (const event of SENTINEL_EVENT_NAMES) pool.on(event, (payload: unknown) => this.emit(event, payload));
  }

  /** Per service and role: address, size, queued commands, write hold, last failover, in-doubt writes. */
  stats(): PoolStats[] {
    return this.pool.managedPools().map((p) => {
      const stats: PoolStats = {
        service: p.service,
        role: p.role,
        state: p.state,
        address: p.address,
        size: p.size,
        queued: p.queued,
        holding: p.holding,
        lastFailover: p.lastFailover === null ? null : { ...p.lastFailover },
        inDoubt: p.inDoubt,
      };
      const cache = p.cacheStats;
      if (cache !== null) stats.clientCache = cache;
      return stats;
    });
  }

  /** True from the moment close() is called. */
  get closed(): boolean {
    return this.pool.closed;
  }

  /** A client for the service's master (lazy: connects on first use; the same client for the same name). */
  masterFor(name: string): Redis {
    let client = this.masterClients.get(name);
    if (client === undefined || client.connection !== this.pool.masterFor(name))
      this.masterClients.set(name, (client = new Redis(this.pool.masterFor(name))));
    return client;
  }

  /** A client for healthy replicas of the service (lazy). */
  slaveFor(name: string): Redis {
    let client = this.slaveClients.get(name);
    if (client === undefined || client.connection !== this.pool.slaveFor(name))
      this.slaveClients.set(name, (client = new Redis(this.pool.slaveFor(name))));
    return client;
  }

  replicaFor(name: string): Redis {
    return this.slaveFor(name);
  }

  /** `SENTINEL <subcommand> ...args`, the raw reply. */
  execute(subcommand: string, ...args: RedisArg[]): Promise<unknown> {
    return this.pool.execute('SENTINEL', subcommand, ...args);
  }

  async ping(): Promise<'PONG'> {
    return toText(await this.pool.execute('PING')) as 'PONG';
  }

  async master(name: string): Promise<MasterState> {
    return parseState<MasterState>(await this.execute('MASTER', name));
  }

  /** `[host, port]` of the service's master as the sentinel reports it; null for an unknown name. */
  async masterAddress(name: string): Promise<Address | null> {
    const reply = (await this.execute('GET-MASTER-ADDR-BY-NAME', name)) as unknown[] | null;
    if (reply === null) return null;
    return this.pool.mapAddress(String(reply[0]), Number(reply[1]));
  }

  async masters(): Promise<MasterState[]> {
    return parseStates<MasterState>(await this.execute('MASTERS'));
  }

  async slaves(name: string): Promise<ReplicaState[]> {
    return parseStates<ReplicaState>(await this.execute('SLAVES', name));
  }

  replicas(name: string): Promise<ReplicaState[]> {
    return this.slaves(name);
  }

  async sentinels(name: string): Promise<SentinelState[]> {
    return parseStates<SentinelState>(await this.execute('SENTINELS', name));
  }

  async monitor(name: string, ip: string, port: number, quorum: number): Promise<true> {
    return ok(await this.execute('MONITOR', name, ip, port, quorum));
  }

  async remove(name: string): Promise<true> {
    return ok(await this.execute('REMOVE', name));
  }

  async set(name: string, option: string, value: RedisArg): Promise<true> {
    return ok(await this.execute('SET', name, option, value));
  }

  /** True once the sentinel accepted the failover (it may still abort later). */
  async failover(name: string): Promise<true> {
    return ok(await this.execute('FAILOVER', name));
  }

  /** The sentinel's status line (`OK ...`); rejects ReplyError (NOQUORUM ...) otherwise. */
  async checkQuorum(name: string): Promise<string> {
    return toText(await this.execute('CKQUORUM', name));
  }

  /** Closes the managed clients and the sentinel connections. */
  close(): void {
    this.pool.close();
  }

  waitClosed(): Promise<void> {
    return this.pool.waitClosed();
  }
}

/** Connects to the sentinels (at least one must answer) and subscribes to their events. */
export async function createSentinel(
  sentinels: readonly AddressInput[],
  options: SentinelOptions = {},
): Promise<RedisSentinel> {
  return new RedisSentinel(await createSentinelPool(sentinels, options));
}
