import Denque from 'denque';
import type { RedisConnection } from '../connection/connection.js';
import { PoolClosedError } from '../errors.js';

/** What lending needs from its pool: the shared connections and a way to open one more. */
export interface LenderHost {
  isClosed(): boolean;
  generation(): number;
  readonly db: number;
  /** An idle shared connection taken out of the shared set, if one can be spared. */
  takeIdleShared(): RedisConnection | null;
  /** The least busy shared connection taken out (at maxsize with nothing lent: no release would come). */
  takeBusiestLast(): RedisConnection | null;
  /** A new connection of the pool's generation, wired like the shared ones; null at maxsize. */
  openOwn(): Promise<RedisConnection> | null;
  /** A connection given back goes to the shared set. */
  giveBack(connection: RedisConnection): void;
}

/**
 * Connections lent out for blocking commands and withConnection: taken from the idle shared ones,
 * opened up to maxsize, or waited for. One given back closed, stale, subscribed or inside a
 * transaction is closed, never shared again.
 */
export class Lender {
  private readonly lent = new Set<RedisConnection>();
  private readonly waiters = new Denque<{ resolve: (c: RedisConnection) => void; reject: (e: Error) => void }>();

  constructor(private readonly pool: LenderHost) {}

  get size(): number {
    return this.lent.size;
  }

  /** Every connection lent out now (they close with the pool or a failover). */
  takeAll(): RedisConnection[] {
    const all = [...this.lent];
    this.lent.clear();
    return all;
  }

  forget(connection: RedisConnection): void {
    this.lent.delete(connection);
  }

  async acquire(): Promise<RedisConnection> {
    if (this.pool.isClosed()) throw new PoolClosedError('Pool is closed');
    const idle = this.pool.takeIdleShared();
    if (idle !== null) return this.lend(idle);
    const opening = this.pool.openOwn();
    if (opening !== null) {
      const generation = this.pool.generation();
      const conn = await opening;
      if (this.pool.isClosed() || generation !== this.pool.generation()) {
        conn.close();
        if (this.pool.isClosed()) throw new PoolClosedError('Pool is closed');
        return this.acquire();
      }
      return this.lend(conn);
    }
    const busy = this.lent.size === 0 ? this.pool.takeBusiestLast() : null;
    if (busy !== null) return this.lend(busy);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(conn: RedisConnection): void {
    if (!this.lent.delete(conn)) return;
    const pool = this.pool;
    if (
      pool.isClosed() ||
      conn.closed ||
      conn.generation !== pool.generation() ||
      conn.inPubSub ||
      conn.inTransaction
    ) {
      conn.close();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve(this.lend(conn));
      return;
    }
    if (conn.db !== pool.db) conn.close();
    else pool.giveBack(conn);
  }

  rejectWaiters(error: Error): void {
    for (let w = this.waiters.shift(); w !== undefined; w = this.waiters.shift()) w.reject(error);
  }

  private lend(conn: RedisConnection): RedisConnection {
    this.lent.add(conn);
    return conn;
  }
}
