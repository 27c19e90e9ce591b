import { sameAddress, formatAddress } from '../address.js';
import { createConnection, type Command, type RedisConnection } from '../connection/connection.js';
import {
  MasterNotFoundError,
  MasterReplyError,
  PoolClosedError,
  SlaveNotFoundError,
  SlaveReplyError,
} from '../errors.js';
import { READONLY } from '../protocol/commands.js';
import { ConnectionsPool } from '../pool/pool.js';
import { WaitQueue } from '../pool/wait-queue.js';
import type { Address, PoolOptions } from '../types.js';
import { ReplyRetries } from './reply-retries.js';
import { ReplicaConnector } from './replica-connector.js';
import { canMove, type PoolState } from './pool-state.js';
import { nextDelay } from '../backoff.js';
import { FailoverHold, leftHolding, type FailoverRecord } from './failover-hold.js';

export type { FailoverRecord };

/** What a managed pool needs from its SentinelPool. */
export interface Discovery {
  /** `exclude`: a master just demoted; a sentinel still reporting it is behind and is skipped. */
  discoverMaster(service: string, timeout?: number, exclude?: Address | null): Promise<RedisConnection>;
  /** Connects to `address` and checks that it is a master. */
  verifyMaster(service: string, address: Address): Promise<RedisConnection>;
  /** Healthy replicas in the order connections should spread over them. */
  replicaCandidates(service: string): Promise<Address[]>;
  verifyReplica(service: string, address: Address): Promise<RedisConnection>;
  log(level: 'debug' | 'log' | 'warn', message: string): void;
}

export interface ManagedPoolOptions extends PoolOptions {
  failoverTimeout: number;
  maxQueuedCommands: number;
  holdWritesDuringFailover: boolean;
  /** `'master'`: a replica pool sends to the master while no healthy replica is known. */
  replicaFallback?: 'none' | 'master';
}

/**
 * The pool behind masterFor / slaveFor: its address comes from the sentinels, and it follows failovers.
 * Its `state` says where it is, and changes only through `moveTo()`, which logs each transition:
 *
 * - `idle`: nothing asked yet (lazy), or nothing wanted after a failed discovery.
 * - `discovering`: no usable server; asking the sentinels (with back-off); commands wait (failoverTimeout).
 * - `connected`: commands flow to the server the sentinels named.
 * - `holding`: a failover is under way (master pools): writes wait until `+switch-master` or an abort
 *   (at most failoverTimeout); reads still go while a connection is open.
 * - `closed`: for good; every call rejects PoolClosedError.
 *
 * On a switch every connection to the old server is closed (none goes back into the pool) and
 * subscriptions move to the new one.
 */
export class ManagedPool extends ConnectionsPool {
  private poolState: PoolState = 'idle';
  private readonly hold: FailoverHold;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 0;
  private lastError: Error | null = null;
  private readonly replicas: ReplicaConnector;
  /** The address +switch-master announced, tried first by the next discovery. */
  private announced: Address | null = null;
  /** The master before the last switch: sentinels that still report it are behind. */
  private demoted: Address | null = null;
  /** The master +odown took away (address cleared): the one a following switch demotes. */
  private wentDown: Address | null = null;
  private readonly retries: ReplyRetries;
  private readonly managed: ManagedPoolOptions;
  /** Writes rejected with mayHaveBeenApplied (the server may or may not have applied them). */
  inDoubt = 0;
  lastFailover: FailoverRecord | null = null;

  constructor(
    readonly service: string,
    readonly role: 'master' | 'slave',
    private readonly discovery: Discovery,
    options: ManagedPoolOptions,
  ) {
    super(null, options);
    this.managed = options;
    this.waiting = new WaitQueue(options.failoverTimeout, options.maxQueuedCommands, (reason, length) =>
      this.notFound(
        reason === 'full'
          ? `${length} commands already wait for the ${role} of ${service}`
          : `no ${role} for ${service} within failoverTimeout (${options.failoverTimeout} ms)`,
      ),
    );
    this.retries = new ReplyRetries(this, options.failoverTimeout);
    this.replicas = new ReplicaConnector(service, discovery, options.failoverTimeout, options.replicaFallback);
    this.hold = new FailoverHold(this, discovery, options.failoverTimeout);
  }

  get state(): PoolState {
    return this.poolState;
  }

  get isMaster(): boolean {
    return this.role === 'master';
  }

  /** True while writes are held for a failover in progress. */
  get holding(): boolean {
    return this.poolState === 'holding';
  }

  /** Commands waiting for a server (or for the hold to end). */
  get queued(): number {
    return this.waiting.length;
  }

  /** Addresses of every open shared connection (replica pools spread over several servers). */
  get connectedAddresses(): Address[] {
    return this.shared.map((c) => c.address);
  }

  /** The one place the state changes; every transition is logged at debug level. */
  private moveTo(next: PoolState, why: string): void {
    const prev = this.poolState;
    if (prev === next) return;
    if (!canMove(prev, next)) {
      this.discovery.log('debug', `${this.describe()}: ignored ${prev} -> ${next} (${why})`);
      return;
    }
    this.poolState = next;
    this.discovery.log('debug', `${this.describe()}: ${prev} -> ${next} (${why})`);
    // Any step away from 'connected' (a failover starting, a lost server) may change what the server holds.
    if (next !== 'connected') this.clientCache?.flush(`${prev} -> ${next}`);
    this.emit('state', { from: prev, to: next, reason: why });
  }

  /** After a change of connections: connected when one is open, else discovering while anything wants one. */
  private settle(why: string): void {
    if (this.poolState === 'holding' || this.poolState === 'closed') return;
    if (this.shared.length > 0) this.moveTo('connected', why);
    else if (this.waiting.length > 0 || this.retryTimer !== null || this.minsize > 0) this.moveTo('discovering', why);
    else this.moveTo('idle', why);
  }

  private describe(): string {
    return `${this.role} pool of ${this.service}`;
  }

  protected override log(level: 'debug' | 'log' | 'warn', message: string): void {
    this.discovery.log(level, `${this.describe()}: ${message}`);
  }

  protected override get subscribeWaitMs(): number {
    return this.managed.failoverTimeout;
  }

  // ---- routing ----

  /** Writes wait while a failover is held; reads go. */
  protected override admits(command: Command): boolean {
    return this.poolState !== 'holding' || (command.flags & READONLY) !== 0;
  }

  notFound(detail: string): Error {
    const cause = this.lastError ?? undefined;
    const message = `No ${this.role} found for ${this.service}: ${detail}${cause ? ` (last error: ${cause.message})` : ''}`;
    const options = { cause, service: this.service };
    return this.isMaster ? new MasterNotFoundError(message, options) : new SlaveNotFoundError(message, options);
  }

  /** Sends a command again through the pool (a resend after READONLY, UNBLOCKED, LOADING, a lost connection). */
  resend(command: Command): void {
    this.dispatch(command);
  }

  // ---- connecting ----

  protected override fill(): Promise<void> {
    // While a retry is scheduled, a command that arrives waits for it instead of starting another round.
    if (this.retryTimer !== null) return Promise.resolve();
    // Topping up to minsize while connected is not a discovery.
    if (this.poolState === 'idle' || (this.poolState === 'connected' && this.shared.length === 0)) {
      this.moveTo('discovering', 'connecting');
    }
    return super.fill();
  }

  protected override async openConnection(): Promise<RedisConnection> {
    const conn = this.isMaster ? await this.openMaster() : await this.openReplica();
    // Every connection of the pool (shared, lent, subscriber) comes from here: trace it as the service's.
    conn.tracer.label(this.service, this.role);
    return conn;
  }

  private async openReplica(): Promise<RedisConnection> {
    const conn = await this.replicas.open();
    // The first replica names the pool's address (the master, while on replicaFallback).
    if (this.currentAddress === null || this.replicas.onFallback) this.currentAddress = conn.address;
    return conn;
  }

  private async openMaster(): Promise<RedisConnection> {
    if (this.currentAddress !== null) return createConnection(this.currentAddress, this.options);
    const announced = this.announced;
    this.announced = null;
    const conn =
      (announced !== null ? await this.discovery.verifyMaster(this.service, announced).catch(() => null) : null) ??
      (await this.discovery.discoverMaster(this.service, undefined, this.demoted));
    if (!sameAddress(this.currentAddress, conn.address)) {
      this.discovery.log('log', `Discovered master ${formatAddress(conn.address)} for ${this.service}`);
    }
    this.currentAddress = conn.address;
    return conn;
  }

  /**
   * A connection of its own (blocking commands, withConnection): while no server is known it waits
   * like any command, asking again with back-off, up to failoverTimeout.
   */
  override async acquire(): Promise<RedisConnection> {
    const deadline = Date.now() + this.managed.failoverTimeout;
    // A connection of its own may carry writes (BLMOVE, WATCH/MULTI): not to a master about to be demoted.
    if (this.poolState === 'holding') await leftHolding(this, deadline);
    for (let delay = 25; ; delay = Math.min(500, delay * 2)) {
      try {
        return await super.acquire();
      } catch (err) {
        const left = deadline - Date.now();
        if (this.isClosed || !this.mayWait(err) || left <= 0) throw err;
        this.lastError = err as Error;
        // The last attempt falls on the deadline: the whole failoverTimeout, as for queued commands.
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
      }
    }
  }

  /** Not finding a server yet is worth waiting for; an auth error or an unknown service is not. */
  private mayWait(err: unknown): boolean {
    if (err instanceof MasterNotFoundError || err instanceof SlaveNotFoundError) return !err.unknownService;
    return !(err instanceof MasterReplyError || err instanceof SlaveReplyError || err instanceof PoolClosedError);
  }

  protected override onFillFailed(err: Error): void {
    this.lastError = err;
    if (!this.mayWait(err)) {
      super.onFillFailed(err);
      this.settle('discovery failed for good');
      return;
    }
    this.discovery.log('debug', `No ${this.role} for ${this.service} yet: ${err.message}`);
    this.scheduleRetry();
    this.settle('discovery will be retried');
  }

  /**
   * Tries discovery again with a growing pause (25 ms doubling to 500 ms) while commands wait (each
   * bounded by failoverTimeout) or while the pool is below minsize, so it is full again when the
   * server is back rather than at the next command.
   */
  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.isClosed || !this.wantsConnections()) return;
    this.retryDelay = nextDelay(this.retryDelay, 25, 500);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wantsConnections()) this.fill();
      else this.settle('nothing waits any more');
    }, this.retryDelay);
    // Waiting commands keep the process alive; an idle refill does not.
    if (this.waiting.length === 0) this.retryTimer.unref();
  }

  private wantsConnections(): boolean {
    return this.waiting.length > 0 || (this.minsize > 0 && this.freesize === 0);
  }

  protected override prepare(conn: RedisConnection): void {
    this.retryDelay = 0;
    this.lastError = null;
    this.hold.connected();
    conn.failureHandler = {
      onReplyError: (command, error) => this.retries.onReplyError(command, error, conn),
      onClosed: (commands, written, error) => this.retries.onClosed(commands, written, error, conn),
    };
    // Adopted after this hook: settle once the connection is in the shared set.
    queueMicrotask(() => this.settle('connected'));
  }

  protected override onConnectionLost(conn: RedisConnection): void {
    // An unexpected drop on the current generation: the server may be gone; ask the sentinels again.
    if (!this.isClosed && conn.generation === this.generation) this.rediscover(conn, 'a connection was lost');
  }

  // ---- what the sentinels and the servers tell us ----

  /** Forget the address and every connection; reconnect through discovery if anything is waiting. */
  rediscover(reason: RedisConnection | undefined, why: string): void {
    if (this.isClosed) return;
    if (reason !== undefined && reason.generation !== this.generation) return;
    // New information (a switch, READONLY, a lost connection): discover now, not after the back-off.
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryDelay = 0;
    this.retire();
    this.currentAddress = null;
    this.replicas.forget();
    if (this.poolState !== 'holding') this.moveTo('discovering', why);
    if (this.waiting.length > 0 || this.minsize > 0) this.fill();
  }

  /** A replica answered MASTERDOWN: use the others for a while. */
  avoidReplica(address: Address): void {
    this.replicas.avoid(address);
  }

  /**
   * +switch-master (or a periodic check) says the master is now `address`; returns how long writes were
   * held. `newFailover` false: a late duplicate of a switch already followed (nothing is recorded).
   */
  switchMaster(address: Address, newFailover = true): number {
    if (this.isClosed) return 0;
    const cur = this.currentAddress;
    if (sameAddress(cur, address)) {
      // Discovery may have found the promoted replica before the event came: already following.
      if (newFailover) this.hold.confirmed();
      return this.releaseHold('the sentinels confirm the master');
    }
    const previous = cur ?? this.wentDown;
    this.wentDown = null;
    this.discovery.log('log', `Master of ${this.service} is now ${formatAddress(address)}`);
    if (previous !== null) this.demoted = previous;
    if (sameAddress(this.demoted, address)) this.demoted = null;
    // Set before rediscover(): its fill() reads `announced` synchronously, in openMaster().
    this.announced = address;
    this.hold.switched();
    this.rediscover(undefined, `+switch-master to ${formatAddress(address)}`);
    // Released only once the old master's connections are retired, so no held write is queued on them.
    return this.releaseHold('+switch-master');
  }

  /** Whether `address` is the master this pool switched away from (a sentinel naming it is behind). */
  leftBehind(address: Address): boolean {
    return sameAddress(this.demoted, address);
  }

  /** The master is objectively down: stop using it now, queue commands until a new one is known. */
  masterDown(address: Address): void {
    if (!sameAddress(this.currentAddress, address)) return;
    this.retire();
    this.wentDown = address;
    this.currentAddress = null;
    if (this.poolState !== 'holding') this.moveTo('discovering', `+odown ${formatAddress(address)}`);
  }

  /** -odown: the master is back without a failover; commands waiting for it need not wait for the back-off. */
  masterUp(): void {
    this.wentDown = null;
    // The master is back without a failover: it may have restarted (and forgotten what it tracked).
    this.clientCache?.flush('-odown');
    this.releaseHold('-odown');
    if (this.currentAddress === null && this.waiting.length > 0) this.rediscover(undefined, '-odown');
  }

  /** A replica this pool uses went down or changed role. */
  replicaGone(address: Address): void {
    const uses = this.shared.some((c) => sameAddress(c.address, address));
    if (uses || this.replicas.knows(address)) this.rediscover(undefined, 'a replica is gone');
  }

  /** A replica is healthy again: a pool reading from the master for want of one moves back to replicas. */
  replicaBack(): void {
    if (this.replicas.onFallback) this.rediscover(undefined, 'a replica is back');
  }

  /** First event of a failover: writes wait (bounded by failoverTimeout) until the switch or an abort. */
  holdWrites(): void {
    if (!this.managed.holdWritesDuringFailover || !this.isMaster || this.isClosed) return;
    if (this.poolState !== 'holding') {
      this.discovery.log('log', `Failover of ${this.service} under way: holding writes`);
      this.hold.start();
      this.moveTo('holding', 'a failover started');
    }
    this.hold.arm();
  }

  /** Ends the hold (switch, abort, -odown, timeout); returns how long writes were held (0 if they were not). */
  releaseHold(why: string): number {
    this.hold.disarm();
    if (this.poolState !== 'holding') return 0;
    const heldMs = this.hold.end();
    this.moveTo(this.shared.length > 0 ? 'connected' : 'discovering', why);
    this.drainWaiting();
    if (this.shared.length === 0 && (this.waiting.length > 0 || this.minsize > 0)) this.fill();
    return heldMs;
  }

  protected override onClose(): void {
    this.moveTo('closed', 'close()');
    this.hold.disarm();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retries.close(new PoolClosedError('Pool is closed'));
  }
}
