import type { RedisConnection } from '../connection/connection.js';
import { RedisError } from '../errors.js';

/** The pool's sizes, read from its public getters. */
export interface OpenerPool {
  readonly closed: boolean;
  readonly generation: number;
  readonly minsize: number;
  readonly maxsize: number;
  /** Every open connection, shared or reserved. */
  readonly size: number;
  /** Shared connections. */
  readonly freesize: number;
}

/** What the pool does with the connections opened for it. */
export interface OpenerHooks {
  /** A new connection (managed pools discover the address first). */
  open(): Promise<RedisConnection>;
  /** A connection of the current generation: the pool's failure handler, and forgotten on 'close'. */
  wire(connection: RedisConnection): void;
  /** A fresh connection joins the shared set. */
  share(connection: RedisConnection): void;
  /** A fill ended: the waiting commands go, or learn why there is no connection. */
  filled(): void;
  fillFailed(error: Error): void;
}

/**
 * Connections being opened for a pool: shared ones up to minsize, one fill at a time (the first may do
 * discovery, the rest go straight to its address), one more to lend (never past maxsize), and the
 * subscriber's. A shared one that comes back after the pool closed or moved on is closed, never pooled.
 */
export class Opener {
  /** Connections being opened now (they count toward maxsize). */
  opening = 0;
  /** The fill under way, if any. */
  filling: Promise<void> | null = null;

  constructor(
    private readonly pool: OpenerPool,
    private readonly hooks: OpenerHooks,
  ) {}

  /** Opens shared connections up to minsize (at least one), then tells the pool. */
  fill(): Promise<void> {
    if (this.filling !== null) return this.filling;
    const pool = this.pool;
    if (pool.closed) return Promise.resolve();
    // Never past maxsize: with every connection lent out, commands wait for a release.
    const want = Math.min(
      Math.max(1, pool.minsize) - pool.freesize - this.opening,
      pool.maxsize - pool.size - this.opening,
    );
    if (want <= 0) return Promise.resolve();
    this.filling = this.openShared(want).then(
      () => {
        this.filling = null;
        this.hooks.filled();
      },
      (err: Error) => {
        this.filling = null;
        this.hooks.fillFailed(err);
      },
    );
    return this.filling;
  }

  private async openShared(count: number): Promise<void> {
    const generation = this.pool.generation;
    this.opening += count;
    let opened = 0;
    try {
      // The first connection may do discovery (managed pools); the rest go straight to its address.
      const first = await this.hooks.open();
      this.opening--;
      opened++;
      if (!this.adopt(first, generation)) throw new RedisError('Pool changed while connecting');
      const rest = await Promise.allSettled(Array.from({ length: count - 1 }, () => this.hooks.open()));
      for (const r of rest) {
        this.opening--;
        opened++;
        if (r.status === 'fulfilled') this.adopt(r.value, generation);
      }
    } finally {
      this.opening -= count - opened;
    }
  }

  /** Adds a fresh connection to the shared set unless the pool closed or moved on meanwhile. */
  private adopt(conn: RedisConnection, generation: number): boolean {
    if (this.pool.closed || generation !== this.pool.generation) {
      conn.close();
      return false;
    }
    conn.generation = generation;
    this.hooks.wire(conn);
    this.hooks.share(conn);
    return true;
  }

  /** One more connection of this generation, unless at maxsize; wired like a shared one unless stale. */
  openOwn(): Promise<RedisConnection> | null {
    const pool = this.pool;
    if (pool.size + this.opening >= pool.maxsize) return null;
    const generation = pool.generation;
    this.opening++;
    return this.hooks
      .open()
      .finally(() => this.opening--)
      .then((conn) => {
        if (!pool.closed && generation === pool.generation) {
          conn.generation = generation;
          this.hooks.wire(conn);
        }
        return conn;
      });
  }

  /** The subscriber's connection: tagged with the generation it was asked in, watched by the subscriber itself. */
  openForSubscriber(): Promise<RedisConnection> {
    const generation = this.pool.generation;
    return this.hooks.open().then((conn) => {
      conn.generation = generation;
      return conn;
    });
  }
}
