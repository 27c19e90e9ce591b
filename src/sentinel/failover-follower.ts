import { formatAddress, sameAddress } from '../address.js';
import type { Address } from '../types.js';
import { classifySentinelEvent, type SentinelAction } from './events.js';
import type { ManagedPool } from './managed-pool.js';

/** Events a RedisSentinel emits (API.md "Events and tracing"); payloads never carry a password. */
export interface SentinelEvents {
  'failover-start': { service: string };
  'switch-master': { service: string; from: Address; to: Address };
  'failover-end': { service: string; heldMs: number };
  'failover-abort': { service: string };
  'sentinel-up': { address: Address };
  'sentinel-down': { address: Address };
  resubscribed: {
    service: string;
    role: 'master' | 'slave';
    channels: string[];
    patterns: string[];
    shardChannels: string[];
  };
  warning: { message: string; cause?: unknown };
}

/** What the follower needs from its SentinelPool. */
export interface FollowerHost {
  masterPool(service: string): ManagedPool | undefined;
  slavePool(service: string): ManagedPool | undefined;
  mapAddress(host: string, port: number): Address;
  addPeer(address: Address): void;
  emit<E extends keyof SentinelEvents>(event: E, payload: SentinelEvents[E]): void;
  log(level: 'debug' | 'log' | 'warn', message: string): void;
}

/** The same event text from another sentinel within this window is the same event. */
const DUPLICATE_WINDOW_MS = 2000;

/**
 * Turns sentinel events into what the managed pools must do, once per event however many sentinels
 * report it, and into the events users see: each failover is one 'failover-start', one
 * 'switch-master' and one 'failover-end' (or one 'failover-abort').
 */
export class FailoverFollower {
  private readonly recent = new Map<string, number>();
  /** Services with a failover under way: when it started. */
  private readonly started = new Map<string, number>();
  /** The master each service last switched to (a late duplicate +switch-master changes nothing). */
  private readonly switchedTo = new Map<string, Address>();
  /** Services whose failover has an elected leader: another sentinel's lost election does not end it. */
  private readonly led = new Set<string>();

  constructor(
    private readonly host: FollowerHost,
    private readonly failoverTimeout: number,
  ) {}

  onEvent(event: string, data: string, from: string): void {
    const key = `${event} ${data}`;
    const now = Date.now();
    const seen = this.recent.get(key);
    if (seen !== undefined && now - seen < DUPLICATE_WINDOW_MS) return;
    this.recent.set(key, now);
    if (this.recent.size > 500) {
      for (const [k, t] of this.recent) if (now - t > DUPLICATE_WINDOW_MS) this.recent.delete(k);
    }
    this.host.log('debug', `${event} ${data} (from ${from})`);
    this.apply(classifySentinelEvent(event, data));
  }

  private map(address: Address): Address {
    return this.host.mapAddress(address[0], address[1]);
  }

  private apply(action: SentinelAction): void {
    if (action.kind === 'info') return;
    const { service } = action;
    const master = this.host.masterPool(service);
    const slave = this.host.slavePool(service);
    switch (action.kind) {
      case 'failover-start': {
        const first = this.start(service);
        // Every progress event but +try-failover comes from the sentinel that won the election.
        if (action.event !== '+try-failover') this.led.add(service);
        master?.holdWrites();
        if (action.replica !== undefined) slave?.replicaGone(this.map(action.replica));
        // After holdWrites: a listener's write (or stats()) must already see the hold.
        if (first) this.host.emit('failover-start', { service });
        return;
      }
      case 'switch-master':
        this.switchMaster(service, this.map(action.from), this.map(action.to));
        return;
      case 'failover-abort': {
        if (action.event === '-failover-abort-not-elected' && this.led.has(service)) return;
        this.led.delete(service);
        master?.releaseHold(action.event);
        if (this.started.delete(service)) this.host.emit('failover-abort', { service });
        return;
      }
      case 'master-down':
        master?.masterDown(this.map(action.address));
        return;
      case 'master-up':
        // Sentinel goes on with a started failover when the master is back: only its end releases writes.
        if (this.inFailover(service)) return;
        master?.masterUp();
        return;
      case 'replica-down':
        slave?.replicaGone(this.map(action.address));
        return;
      case 'replica-up':
        slave?.replicaBack();
        return;
      case 'demoted':
        master?.masterDown(this.map(action.address));
        return;
      case 'sentinel-found':
        this.host.addPeer(this.map(action.address));
        return;
    }
  }

  /** A failover that never ended (no switch, no abort) counts as over after twice failoverTimeout. */
  private inFailover(service: string): boolean {
    const since = this.started.get(service);
    return since !== undefined && Date.now() - since < 2 * this.failoverTimeout;
  }

  /** Records the start of a failover; false when one is already under way. */
  private start(service: string): boolean {
    if (this.inFailover(service)) return false;
    this.started.set(service, Date.now());
    this.led.delete(service);
    return true;
  }

  /** +switch-master, or the periodic check found another master: the pools follow, then the events. */
  switchMaster(service: string, from: Address, to: Address): void {
    const master = this.host.masterPool(service);
    const slave = this.host.slavePool(service);
    if (sameAddress(this.switchedTo.get(service), to) && !this.started.has(service)) {
      master?.switchMaster(to, false);
      return;
    }
    this.switchedTo.set(service, to);
    this.host.log('log', `+switch-master ${service}: ${formatAddress(from)} -> ${formatAddress(to)}`);
    this.host.emit('switch-master', { service, from, to });
    const heldMs = master?.switchMaster(to) ?? 0;
    slave?.replicaGone(to);
    this.started.delete(service);
    this.led.delete(service);
    this.host.log('log', `Failover of ${service} done: now ${formatAddress(to)}, writes held ${heldMs} ms`);
    this.host.emit('failover-end', { service, heldMs });
  }
}
