import { Command, createConnection, type RedisConnection } from '../connection/connection.js';
import {
  ConnectionClosedError,
  MasterNotFoundError,
  MasterReplyError,
  PoolClosedError,
  ReadOnlyError,
  ReplyError,
  SlaveNotFoundError,
  SlaveReplyError,
} from '../errors.js';
import { READONLY } from '../protocol/commands.js';
import { ConnectionsPool } from '../pool/pool.js';
import type { Address, PoolOptions } from '../types.js';

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
}

/** Times a command is sent again (READONLY, a dropped connection) before it rejects. */
const MAX_ATTEMPTS = 3;

/**
 * The pool behind masterFor / slaveFor: its address comes from the sentinels. It follows failovers:
 * on a switch every connection to the old server is closed (none goes back into the pool), commands
 * wait in a bounded queue for the new one, and writes are held while a failover is under way.
 */
export class ManagedPool extends ConnectionsPool {
  private holdUntil = 0;
  private holdTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 0;
  private lastError: Error | null = null;
  private replicas: Address[] = [];
  /** The address +switch-master announced, tried first by the next discovery. */
  private announced: Address | null = null;
  /** The master before the last switch: sentinels that still report it are behind. */
  private demoted: Address | null = null;
  private nextReplica = 0;
  private readonly waitUntil = new WeakMap<Command, number>();
  private readonly managed: ManagedPoolOptions;

  constructor(
    readonly service: string,
    readonly role: 'master' | 'slave',
    private readonly discovery: Discovery,
    options: ManagedPoolOptions,
  ) {
    super(null, options);
    this.managed = options;
  }

  get isMaster(): boolean {
    return this.role === 'master';
  }

  /** True while writes are held for a failover in progress. */
  get holding(): boolean {
    return this.holdUntil > 0;
  }

  /** Addresses of every open shared connection (replica pools spread over several servers). */
  get connectedAddresses(): Address[] {
    return this.shared.map((c) => c.address);
  }

  // ---- routing ----

  protected override pickShared(command: Command): RedisConnection | null {
    // Keep order: nothing overtakes commands already waiting; writes wait while a failover is held.
    if (this.waiting.length > 0 || (this.holdUntil > 0 && (command.flags & READONLY) === 0)) {
      if (this.shared.length === 0) this.fill();
      return null;
    }
    return super.pickShared(command);
  }

  protected override enqueueWaiting(command: Command): void {
    if (this.waiting.length >= this.managed.maxQueuedCommands) {
      command.reject(
        this.notFound(`${this.waiting.length} commands already wait for the ${this.role} of ${this.service}`),
      );
      return;
    }
    this.waitUntil.set(command, Date.now() + this.managed.failoverTimeout);
    this.waiting.push(command);
    // An idle refill's retry now has a command waiting on it.
    this.retryTimer?.ref();
    this.armExpiry();
  }

  protected override drainWaiting(): void {
    if (this.holdUntil > 0) {
      // Reads at the head may go; the first write stops the drain to keep order.
      while (this.waiting.length > 0) {
        const head = this.waiting.peekFront()!;
        if ((head.flags & READONLY) === 0) return;
        const conn = super.pickShared(head);
        if (conn === null) return;
        this.waiting.shift();
        if (!head.done) conn.enqueue(head);
      }
      return;
    }
    // Drain on a connection picked without the hold/order check (which would refuse while commands wait).
    while (this.waiting.length > 0 && !this.isClosed) {
      const conn = super.pickShared(this.waiting.peekFront()!);
      if (conn === null) return;
      for (let c = this.waiting.shift(); c !== undefined; c = this.waiting.shift()) if (!c.done) conn.enqueue(c);
    }
  }

  private armExpiry(): void {
    if (this.expiryTimer !== null || this.waiting.length === 0) return;
    const head = this.waiting.peekFront()!;
    const delay = Math.max(0, (this.waitUntil.get(head) ?? 0) - Date.now());
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.expireWaiting();
    }, delay + 1);
  }

  /** Rejects every command that waited longer than failoverTimeout. */
  private expireWaiting(): void {
    const now = Date.now();
    while (this.waiting.length > 0) {
      const head = this.waiting.peekFront()!;
      if ((this.waitUntil.get(head) ?? 0) > now) break;
      this.waiting.shift();
      if (!head.done) {
        head.done = true;
        head.reject(
          this.notFound(
            `no ${this.role} for ${this.service} within failoverTimeout (${this.managed.failoverTimeout} ms)`,
          ),
        );
      }
    }
    this.armExpiry();
  }

  private notFound(detail: string): Error {
    const cause = this.lastError ?? undefined;
    const message = `No ${this.role} found for ${this.service}: ${detail}${cause ? ` (last error: ${cause.message})` : ''}`;
    const options = { cause, service: this.service };
    return this.isMaster ? new MasterNotFoundError(message, options) : new SlaveNotFoundError(message, options);
  }

  // ---- connecting ----

  protected override async openConnection(): Promise<RedisConnection> {
    if (this.isMaster) {
      if (this.currentAddress === null) {
        const announced = this.announced;
        this.announced = null;
        const conn =
          (announced !== null ? await this.discovery.verifyMaster(this.service, announced).catch(() => null) : null) ??
          (await this.discovery.discoverMaster(this.service, undefined, this.demoted));
        if (
          this.currentAddress === null ||
          this.currentAddress[0] !== conn.address[0] ||
          this.currentAddress[1] !== conn.address[1]
        ) {
          this.discovery.log('log', `Discovered master ${conn.address[0]}:${conn.address[1]} for ${this.service}`);
        }
        this.currentAddress = conn.address;
        return conn;
      }
      return createConnection(this.currentAddress, this.options);
    }
    // Replicas: one discovery gives the healthy list; connections spread over it round-robin.
    if (this.replicas.length === 0) {
      this.replicas = await this.discovery.replicaCandidates(this.service);
      this.nextReplica = Math.floor(Math.random() * this.replicas.length);
    }
    let lastError: unknown = null;
    for (let i = 0; i < this.replicas.length; i++) {
      const address = this.replicas[this.nextReplica++ % this.replicas.length]!;
      try {
        const conn = await this.discovery.verifyReplica(this.service, address);
        this.currentAddress ??= conn.address;
        return conn;
      } catch (err) {
        if (err instanceof SlaveReplyError) throw err;
        lastError = err;
      }
    }
    this.replicas = [];
    throw new SlaveNotFoundError(`No slave found for ${this.service}`, { cause: lastError ?? undefined });
  }

  protected override onFillFailed(err: Error): void {
    this.lastError = err;
    const fatal =
      err instanceof MasterReplyError ||
      err instanceof SlaveReplyError ||
      err instanceof PoolClosedError ||
      ((err instanceof MasterNotFoundError || err instanceof SlaveNotFoundError) && err.unknownService);
    if (fatal) {
      super.onFillFailed(err);
      return;
    }
    this.discovery.log('debug', `No ${this.role} for ${this.service} yet: ${err.message}`);
    this.scheduleRetry();
  }

  /**
   * While a retry is scheduled, a command that arrives waits for it: without this, every command sent
   * while no master is known would start a discovery round at once, defeating the back-off.
   */
  protected override fill(): Promise<void> {
    if (this.retryTimer !== null) return Promise.resolve();
    return super.fill();
  }

  /**
   * Tries discovery again with a growing pause (25 ms doubling to 500 ms) while commands wait (each
   * bounded by failoverTimeout) or while the pool is below minsize, so it is full again when the
   * server is back rather than at the next command.
   */
  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.isClosed || !this.wantsConnections()) return;
    this.retryDelay = Math.min(500, this.retryDelay === 0 ? 25 : this.retryDelay * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wantsConnections()) this.fill();
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
    conn.failureHandler = {
      onReplyError: (command, error) => {
        if (!(error instanceof ReadOnlyError)) return false;
        // A demoted master: find the new one and send the command there (READONLY means not applied).
        this.discovery.log('warn', `READONLY from ${conn.address.join(':')} for ${this.service}; rediscovering`);
        this.rediscover(conn);
        if (!this.isMaster || ++command.attempts > MAX_ATTEMPTS) return false;
        this.dispatch(command);
        return true;
      },
      onClosed: (commands, written, error) => {
        for (let i = 0; i < commands.length; i++) {
          const command = commands[i]!;
          const resend = !this.isClosed && (!written[i] || (command.flags & READONLY) !== 0);
          if (resend && ++command.attempts <= MAX_ATTEMPTS) {
            this.dispatch(command);
          } else {
            const message = written[i]
              ? error.message
              : `Connection to ${conn.address.join(':')} closed before the command was sent`;
            const e = new ConnectionClosedError(message, { cause: error.cause, mayHaveBeenApplied: written[i]! });
            command.reject(this.isClosed ? new PoolClosedError('Pool is closed') : e);
          }
        }
      },
    };
  }

  protected override onConnectionLost(conn: RedisConnection): void {
    // An unexpected drop on the current generation: the server may be gone; ask the sentinels again.
    if (!this.isClosed && conn.generation === this.generation) this.rediscover(conn);
  }

  /** Forget the address and every connection; reconnect through discovery if anything is waiting. */
  rediscover(reason?: RedisConnection): void {
    if (this.isClosed) return;
    if (reason !== undefined && reason.generation !== this.generation) return;
    // New information (a switch, READONLY, a lost connection): discover now, not after the back-off.
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryDelay = 0;
    this.retire();
    this.currentAddress = null;
    this.replicas = [];
    if (this.waiting.length > 0 || this.minsize > 0) this.fill();
  }

  /** +switch-master (or a periodic check) says the master is now `address`. */
  switchMaster(address: Address): void {
    const cur = this.currentAddress;
    if (cur !== null && cur[0] === address[0] && cur[1] === address[1]) {
      this.releaseHold();
      return;
    }
    this.discovery.log('log', `Master of ${this.service} is now ${address[0]}:${address[1]}`);
    if (cur !== null) this.demoted = cur;
    if (this.demoted !== null && this.demoted[0] === address[0] && this.demoted[1] === address[1]) this.demoted = null;
    // Set before rediscover(): its fill() reads `announced` synchronously, in openConnection().
    this.announced = address;
    this.rediscover();
    // Released only once the old master's connections are retired, so no held write is queued on them.
    this.releaseHold();
  }

  /** The master is objectively down: stop using it now, queue commands until a new one is known. */
  masterDown(address: Address): void {
    const cur = this.currentAddress;
    if (cur === null || cur[0] !== address[0] || cur[1] !== address[1]) return;
    this.retire();
    this.currentAddress = null;
  }

  /** -odown: the master is back without a failover; commands waiting for it need not wait for the back-off. */
  masterUp(): void {
    this.releaseHold();
    if (this.currentAddress === null && this.waiting.length > 0) this.rediscover();
  }

  /** A replica this pool uses went down or changed role. */
  replicaGone(address: Address): void {
    const uses = this.shared.some((c) => c.address[0] === address[0] && c.address[1] === address[1]);
    if (uses || this.replicas.some((a) => a[0] === address[0] && a[1] === address[1])) this.rediscover();
  }

  /** First event of a failover: writes wait (bounded by failoverTimeout) until the switch or an abort. */
  holdWrites(): void {
    if (!this.managed.holdWritesDuringFailover || !this.isMaster) return;
    if (this.holdUntil === 0) this.discovery.log('log', `Failover of ${this.service} under way: holding writes`);
    this.holdUntil = Date.now() + this.managed.failoverTimeout;
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.releaseHold(), this.managed.failoverTimeout);
  }

  releaseHold(): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (this.holdUntil === 0) return;
    this.holdUntil = 0;
    this.drainWaiting();
  }

  protected override onClose(): void {
    for (const t of [this.holdTimer, this.expiryTimer, this.retryTimer]) if (t !== null) clearTimeout(t);
    this.holdTimer = this.expiryTimer = this.retryTimer = null;
    this.holdUntil = 0;
  }
}

export { ReplyError };
