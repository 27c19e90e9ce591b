import { Redis } from '../client/redis.js';
import { ReplyError } from '../errors.js';
import type { Address, AddressInput, RedisArg } from '../types.js';
import type { SentinelOptions } from './options.js';
import { SentinelPool, createSentinelPool } from './sentinel-pool.js';
import { parseState, parseStates, type MasterState, type ReplicaState, type SentinelState } from './state.js';

function ok(reply: unknown): true {
  const text = Buffer.isBuffer(reply) ? reply.toString() : reply;
  if (text !== 'OK') throw new ReplyError(`Unexpected reply ${JSON.stringify(text)} (expected OK)`);
  return true;
}

/** The Sentinel client: SENTINEL commands, and managed clients for each service's master and replicas. */
export class RedisSentinel {
  private readonly masterClients = new Map<string, Redis>();
  private readonly slaveClients = new Map<string, Redis>();

  constructor(readonly pool: SentinelPool) {}

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
    const reply = await this.pool.execute('PING');
    return (Buffer.isBuffer(reply) ? reply.toString() : reply) as 'PONG';
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
    const reply = await this.execute('CKQUORUM', name);
    return Buffer.isBuffer(reply) ? reply.toString() : String(reply);
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
