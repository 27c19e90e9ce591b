import type { EventEmitter } from 'node:events';
import type { Discovery } from './managed-pool.js';
import type { PoolState } from './pool-state.js';

/** What the pool knows about its last failover (stats). */
export interface FailoverRecord {
  /** When writes started to be held (or the switch came, when nothing was held). */
  at: number;
  /** How long writes were held. */
  heldMs: number;
  /** From the switch to the first connection to the new master (null until then). */
  followedMs: number | null;
}

/** What the hold needs from its master pool. */
export interface HoldPool {
  readonly service: string;
  lastFailover: FailoverRecord | null;
  releaseHold(why: string): number;
}

/**
 * The timing of a master pool's failover hold (the pool's `holding` state): the timer that ends it
 * after failoverTimeout, and the record of the last failover that stats() shows.
 */
export class FailoverHold {
  /** When writes started to be held (0 once the hold ended). */
  private started = 0;
  private timer: NodeJS.Timeout | null = null;
  /** When the last +switch-master came (0: none yet). */
  private switchedAt = 0;

  constructor(
    private readonly pool: HoldPool,
    private readonly discovery: Discovery,
    private readonly timeoutMs: number,
  ) {}

  /** Writes are held from now. */
  start(): void {
    this.started = Date.now();
  }

  /** (Re)starts the timer: a failover not finished within failoverTimeout releases the writes. */
  arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.discovery.log(
        'warn',
        `Failover of ${this.pool.service} not finished within failoverTimeout; releasing writes`,
      );
      this.pool.releaseHold('failoverTimeout passed');
    }, this.timeoutMs);
  }

  disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The hold ends: how long writes were held, also recorded on the failover. */
  end(): number {
    const heldMs = Date.now() - this.started;
    this.started = 0;
    const last = this.pool.lastFailover;
    if (last !== null && last.heldMs === 0) last.heldMs = heldMs;
    return heldMs;
  }

  /** +switch-master to a master the pool already followed (discovery found it before the event). */
  confirmed(): void {
    this.pool.lastFailover = { at: this.started || Date.now(), heldMs: 0, followedMs: 0 };
  }

  /** +switch-master to a new master: following it starts now. */
  switched(): void {
    this.switchedAt = Date.now();
    this.pool.lastFailover = { at: this.started || this.switchedAt, heldMs: 0, followedMs: null };
  }

  /** A connection is open: the first after a switch says how long following it took. */
  connected(): void {
    const last = this.pool.lastFailover;
    if (this.switchedAt > 0 && last !== null && last.followedMs === null) {
      last.followedMs = Date.now() - this.switchedAt;
    }
  }
}

/** Resolves when `pool` leaves the `holding` state, or at `deadline` (the hold's own timer bounds it). */
export function leftHolding(pool: EventEmitter, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const onState = (change: { to: PoolState }): void => {
      if (change.to !== 'holding') done();
    };
    const done = (): void => {
      clearTimeout(timer);
      pool.off('state', onState);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    pool.on('state', onState);
  });
}
