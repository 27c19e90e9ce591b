import { formatAddress, sameAddress } from '../address.js';
import type { RedisConnection } from '../connection/connection.js';
import { SlaveNotFoundError, SlaveReplyError } from '../errors.js';
import type { Address } from '../types.js';
import type { Discovery } from './managed-pool.js';

/**
 * Where a replica pool's connections go: one discovery gives the healthy replicas, connections spread
 * over them round-robin, a replica that answered MASTERDOWN is avoided for a while, and with
 * replicaFallback 'master' the master stands in while no replica is healthy.
 */
export class ReplicaConnector {
  private replicas: Address[] = [];
  private next = 0;
  /** Replicas that answered MASTERDOWN: avoided until this time. */
  private readonly avoided = new Map<string, number>();
  /** On the master for want of a replica (replicaFallback: 'master'). */
  onFallback = false;

  constructor(
    private readonly service: string,
    private readonly discovery: Discovery,
    private readonly avoidMs: number,
    private readonly fallback: 'none' | 'master' = 'none',
  ) {}

  /** Forget the list: the next connection asks the sentinels again. */
  forget(): void {
    this.replicas = [];
  }

  knows(address: Address): boolean {
    return this.replicas.some((a) => sameAddress(a, address));
  }

  avoid(address: Address): void {
    this.avoided.set(formatAddress(address), Date.now() + this.avoidMs);
  }

  async open(): Promise<RedisConnection> {
    if (this.replicas.length === 0) {
      const now = Date.now();
      try {
        const all = await this.discovery.replicaCandidates(this.service);
        const usable = all.filter((a) => (this.avoided.get(formatAddress(a)) ?? 0) <= now);
        this.replicas = usable.length > 0 ? usable : all;
      } catch (err) {
        if (this.fallback !== 'master' || (err instanceof SlaveNotFoundError && err.unknownService)) throw err;
        return this.openFallback(err as Error);
      }
      this.next = Math.floor(Math.random() * this.replicas.length);
    }
    let lastError: unknown = null;
    for (let i = 0; i < this.replicas.length; i++) {
      const address = this.replicas[this.next++ % this.replicas.length]!;
      try {
        const conn = await this.discovery.verifyReplica(this.service, address);
        this.onFallback = false;
        return conn;
      } catch (err) {
        if (err instanceof SlaveReplyError) throw err;
        lastError = err;
      }
    }
    this.replicas = [];
    const error = new SlaveNotFoundError(`No slave found for ${this.service}`, {
      cause: lastError ?? undefined,
      service: this.service,
    });
    if (this.fallback === 'master') return this.openFallback(error);
    throw error;
  }

  /** replicaFallback 'master': no healthy replica, so read from the master until one is back. */
  private async openFallback(why: Error): Promise<RedisConnection> {
    const conn = await this.discovery.discoverMaster(this.service);
    if (!this.onFallback) {
      this.discovery.log('warn', `No healthy replica of ${this.service} (${why.message}); reading from the master`);
    }
    this.onFallback = true;
    return conn;
  }
}
