import { EventEmitter } from 'node:events';
import { parseAddress } from '../address.js';
import { Command, RedisConnection, buffersFor, createConnection } from '../connection/connection.js';
import { PoolClosedError, RedisError } from '../errors.js';
import { BLOCKING, CONFIRMS_WRITES, SUBSCRIBE, TRANSACTION, isBlocking } from '../protocol/commands.js';
import { confirmWritesOnEach } from './confirm-writes.js';
import type { Address, AddressInput, ConnectionOptions, PoolOptions, RedisArg, ReplyEncoding } from '../types.js';
import { inspect } from 'node:util';
import { redactedView } from '../redact.js';
import { PoolSubscriber, type Subscriptions } from './subscriber.js';
import { WaitQueue } from './wait-queue.js';
import { Lender } from './lender.js';
import { validatePoolSize, type CommandTarget } from './command-target.js';
import { clientCacheFor, type ClientCache, type ClientCacheStats } from '../client-cache/client-cache.js';
import { Opener } from './opener.js';

export { validatePoolSize, type CommandTarget };

/**
 * Connections to one server. Ordinary commands are pipelined over the shared connections (one per
 * tick, least loaded first); blocking commands, WATCH/MULTI and subscriptions get a connection of
 * their own so they never stall the rest. Filled lazily to `minsize` on first use.
 */
export class ConnectionsPool extends EventEmitter implements CommandTarget {
  /** util.inspect / console.log show the fields with passwords and TLS keys redacted. */
  [inspect.custom](): object {
    return redactedView(this);
  }

  readonly minsize: number;
  readonly maxsize: number;
  /** Bumped when connections must not be reused (a failover); older ones are closed, never pooled. */
  generation = 0;

  protected readonly options: ConnectionOptions;
  protected currentAddress: Address | null;
  /** Commands waiting for a connection, in order (managed pools bound the wait). */
  protected waiting = new WaitQueue(0, Infinity, () => new RedisError('Pool queue is full'));
  protected isClosed = false;
  protected readonly shared: RedisConnection[] = [];
  private readonly lender: Lender;
  private readonly opener: Opener;
  private current: RedisConnection | null = null;
  /** The subscriber connection and every subscription, resubscribed after the connection is lost. */
  protected readonly subscriber: PoolSubscriber;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  /** The `clientCache` option's cache; null without it (the one check on the command path). */
  protected readonly clientCache: ClientCache | null;

  constructor(address: AddressInput | null, options: PoolOptions = {}) {
    super();
    const { minsize, maxsize } = validatePoolSize(options.minsize ?? 1, options.maxsize ?? 10);
    buffersFor(options.encoding, false);
    this.minsize = minsize;
    this.maxsize = maxsize;
    this.options = options;
    if (address !== null) {
      const a = parseAddress(address);
      this.currentAddress = [a.host, a.port];
      if (a.tls && options.ssl === undefined) this.options = { ...options, ssl: true };
    } else {
      this.currentAddress = null;
    }
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.clientCache = clientCacheFor(options.clientCache, {
      connectionOptions: () => this.options,
      log: (level, message) => this.log(level, message),
    });
    this.opener = new Opener(this, {
      open: () => this.openConnection(),
      wire: (conn) => {
        this.prepare(conn);
        conn.once('close', () => this.forget(conn));
      },
      share: (conn) => this.addShared(conn),
      filled: () => this.drainWaiting(),
      fillFailed: (err) => this.onFillFailed(err),
    });
    this.lender = new Lender({
      isClosed: () => this.isClosed,
      generation: () => this.generation,
      db: this.db,
      takeIdleShared: () => this.takeIdleShared(),
      takeBusiestLast: () => this.takeLeastBusyShared(),
      openOwn: () => this.opener.openOwn(),
      giveBack: (conn) => {
        this.addShared(conn);
        if (this.waiting.length > 0) this.drainWaiting();
      },
    });
    this.subscriber = new PoolSubscriber({
      openConnection: () => this.opener.openForSubscriber(),
      isCurrent: (conn) => conn.generation === this.generation,
      subscribeWaitMs: () => this.subscribeWaitMs,
      emit: (event, ...args) => this.emit(event, ...args),
      log: (level, message) => this.log(level, message),
      onSubscriberLost: (conn) => this.onConnectionLost(conn),
    });
  }

  /** How long a subscribe call waits for the subscriber connection (plain pools: not at all). */
  protected get subscribeWaitMs(): number {
    return 0;
  }

  /** Hook: where a pool's background events are written (managed pools use the sentinel pool's logger). */
  protected log(_level: 'debug' | 'log' | 'warn', _message: string): void {}

  /** The server the subscriber connection is on (null while there is none). */
  get subscriberAddress(): Address | null {
    return this.subscriber.connection?.address ?? null;
  }

  /** Channels, patterns and shard channels this pool is subscribed to (kept across reconnects). */
  get subscriptions(): Subscriptions {
    return this.subscriber.subscriptions;
  }

  get address(): Address | null {
    return this.currentAddress;
  }

  get db(): number {
    return this.options.db ?? 0;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Every open connection, shared or reserved. */
  get size(): number {
    return this.shared.length + this.lender.size + (this.subscriber.connection !== null ? 1 : 0);
  }

  /** Connections free to carry pipelined commands. */
  get freesize(): number {
    return this.shared.length;
  }

  execute<T = unknown>(command: string, ...args: RedisArg[]): Promise<T> {
    return this.send(command, args) as Promise<T>;
  }

  /** `cache: false`: this read is not answered from (nor kept in) the client-side cache. */
  send(name: string, args: readonly RedisArg[], encoding?: ReplyEncoding, cache?: boolean): Promise<unknown> {
    if (this.clientCache !== null) {
      return this.clientCache.send(name, args, encoding, this.options.encoding === null, cache !== false, this.sendNow);
    }
    return new Promise((resolve, reject) => {
      this.dispatch(new Command(name, args, buffersFor(encoding, this.options.encoding === null), resolve, reject));
    });
  }

  private readonly sendNow = (name: string, args: readonly RedisArg[], buffers: boolean): Promise<unknown> =>
    new Promise((resolve, reject) => this.dispatch(new Command(name, args, buffers, resolve, reject)));

  /** The client-side cache's counters (null without the `clientCache` option). */
  get cacheStats(): ClientCacheStats | null {
    return this.clientCache?.stats() ?? null;
  }

  sendBatch(
    commands: readonly (readonly [string, readonly RedisArg[], ReplyEncoding | undefined])[],
    atomic = false,
  ): Promise<unknown>[] {
    const defaultBuffers = this.options.encoding === null;
    const list: Command[] = [];
    const promises = commands.map(
      ([name, args, encoding]) =>
        new Promise<unknown>((resolve, reject) => {
          list.push(new Command(name, args, buffersFor(encoding, defaultBuffers), resolve, reject));
        }),
    );
    if (this.isClosed) {
      for (const c of list) c.reject(new PoolClosedError('Pool is closed'));
      return promises;
    }
    if (atomic) {
      for (const [i, c] of list.entries()) {
        // A transaction is never sent again piecemeal after a failure.
        c.attempts = Infinity;
        // In doubt, the caller sees one rejection per command of the transaction, whichever part was unanswered.
        c.inDoubtWeight = i === list.length - 1 ? list.length - 2 : 0;
      }
    }
    // Every command must be admitted (a pipeline may start with a read and hold a write).
    const conn = list.every((c) => this.admits(c)) ? this.pickShared(list[0]!) : null;
    if (conn !== null) for (const c of list) conn.enqueue(c);
    else for (const c of list) this.waiting.push(c);
    this.clientCache?.watchBatch(commands, promises);
    return promises;
  }

  /** Routes one command: pipelined on a shared connection, or on one of its own when it may block. */
  protected dispatch(command: Command): void {
    if (this.isClosed) {
      command.reject(new PoolClosedError('Pool is closed'));
      return;
    }
    const flags = command.flags;
    if ((flags & (BLOCKING | SUBSCRIBE | TRANSACTION)) !== 0) {
      if ((flags & SUBSCRIBE) !== 0) {
        this.subscriber.send(command);
        return;
      }
      if ((flags & TRANSACTION) !== 0) {
        command.reject(
          new RedisError(`${command.name} on a pool would mix with other commands; use multi() or withConnection()`),
        );
        return;
      }
      if ((flags & CONFIRMS_WRITES) !== 0) {
        this.confirmWrites(command);
        return;
      }
      if (isBlocking(command.name, command.args, flags)) {
        this.runReserved(command);
        return;
      }
    }
    const conn = this.pickShared(command);
    if (conn !== null) conn.enqueue(command);
    else this.waiting.push(command);
  }

  /** WAIT / WAITAOF: on the connections the client's writes went to, after them (confirm-writes.ts). */
  private confirmWrites(command: Command): void {
    if (this.waiting.length === 0 && this.admits(command) && confirmWritesOnEach(command, this.shared)) return;
    // Nothing written yet, or commands waiting (held writes): it leaves with them, in order, on one connection.
    const conn = this.pickShared(command);
    if (conn !== null) conn.enqueue(command);
    else this.waiting.push(command);
  }

  /** Hook: false while a command must wait although a connection is open (writes held in a failover). */
  protected admits(_command: Command): boolean {
    return true;
  }

  /** The shared connection for this tick, or null when the command must wait (a fill is queued if needed). */
  protected pickShared(command: Command): RedisConnection | null {
    // Keep order: nothing overtakes commands already waiting.
    if (this.waiting.length > 0 || !this.admits(command)) {
      if (this.shared.length === 0) this.fill();
      return null;
    }
    return this.leastLoaded();
  }

  /** The shared connection for this tick (least loaded), or null after queueing a fill. */
  private leastLoaded(): RedisConnection | null {
    const cur = this.current;
    if (cur !== null && !cur.closed) return cur;
    const n = this.shared.length;
    if (n === 0 || (n < this.minsize && this.opener.filling === null)) {
      this.fill();
      if (this.shared.length === 0) return null;
    }
    // A connection whose socket just closed stays in `shared` until its 'close' event; a command
    // resent from its close handler must not go back to it.
    const best = leastBusy(this.shared);
    if (best === null) {
      this.fill();
      return null;
    }
    this.current = best;
    process.nextTick(clearCurrent, this);
    return best;
  }

  /** @internal */
  clearCurrent(): void {
    this.current = null;
  }

  /** Opens connections up to minsize (at least one), then hands them the waiting commands. */
  protected fill(): Promise<void> {
    return this.opener.fill();
  }

  /** Hook: managed pools install their failure handler here. */
  protected prepare(_conn: RedisConnection): void {}

  private forget(conn: RedisConnection): void {
    const i = this.shared.indexOf(conn);
    if (i >= 0) this.shared.splice(i, 1);
    this.lender.forget(conn);
    if (this.current === conn) this.current = null;
    this.onConnectionLost(conn);
    // Commands that waited because only this (closed) connection was left need a new one.
    if (this.waiting.length > 0 && !this.isClosed) this.fill();
  }

  /** Hook: a connection closed (managed pools rediscover). */
  protected onConnectionLost(_conn: RedisConnection): void {}

  /** Hands the waiting commands, in order, to one connection, up to the first one that may not go yet. */
  protected drainWaiting(): void {
    while (this.waiting.length > 0 && !this.isClosed) {
      if (!this.admits(this.waiting.peek()!)) return;
      const conn = this.leastLoaded();
      if (conn === null) return;
      for (let c = this.waiting.peek(); c !== undefined && this.admits(c); c = this.waiting.peek()) {
        this.waiting.shift();
        if (!c.done) conn.enqueue(c);
      }
    }
  }

  /** Hook: connecting failed; the base rejects every waiting command with the error. */
  protected onFillFailed(err: Error): void {
    this.waiting.rejectAll(err);
    this.lender.rejectWaiters(err);
  }

  /** Hook: how a new connection is made. Managed pools discover the address first. */
  protected openConnection(): Promise<RedisConnection> {
    if (this.currentAddress === null) return Promise.reject(new RedisError('Pool has no address'));
    return createConnection(this.currentAddress, this.options);
  }

  /** A connection of its own, taken from the idle shared ones or newly opened, up to maxsize. */
  acquire(): Promise<RedisConnection> {
    return this.lender.acquire();
  }

  /** Gives back an acquired connection; one of an old generation, closed, or in a transaction is closed. */
  release(conn: RedisConnection): void {
    this.lender.release(conn);
  }

  private takeIdleShared(): RedisConnection | null {
    for (let i = this.shared.length - 1; i >= 0 && this.shared.length > 1; i--) {
      const c = this.shared[i]!;
      if (c.inFlight === 0 && c !== this.current) return this.shared.splice(i, 1)[0]!;
    }
    return null;
  }

  /** A connection joins the shared set (fresh, or given back by a borrower): tracked by the cache first. */
  private addShared(conn: RedisConnection): void {
    this.clientCache?.attach(conn);
    this.shared.push(conn);
  }

  private takeLeastBusyShared(): RedisConnection | null {
    const c = this.opener.opening === 0 ? leastBusy(this.shared) : null;
    if (c === null) return null;
    this.shared.splice(this.shared.indexOf(c), 1);
    if (this.current === c) this.current = null;
    return c;
  }

  /** Runs a blocking command on a connection of its own, given back when it settles. */
  private runReserved(command: Command): void {
    this.acquire().then(
      (conn) => conn.enqueue(command.onSettled(() => this.release(conn))),
      (err: Error) => command.reject(err),
    );
  }

  /** Moves to a new generation: every connection open now is closed and none goes back into the pool. */
  retire(): void {
    this.clientCache?.flush('the pool moved to a new generation (failover)');
    this.generation++;
    this.current = null;
    const old = [...this.shared, ...this.lender.takeAll()];
    this.shared.length = 0;
    for (const c of old) c.close();
    this.subscriber.retire();
  }

  /** Closes every connection; commands waiting or in flight reject. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const err = new PoolClosedError('Pool is closed');
    this.waiting.rejectAll(err);
    this.lender.rejectWaiters(err);
    const all = [...this.shared, ...this.lender.takeAll()];
    this.shared.length = 0;
    this.current = null;
    this.onClose();
    for (const c of all) c.close();
    const cache = this.clientCache?.close();
    Promise.allSettled([...all.map((c) => c.waitClosed()), this.opener.filling, this.subscriber.close(), cache]).then(
      () => this.resolveClosed(),
    );
  }

  /** Hook: called once when close() starts. */
  protected onClose(): void {}

  waitClosed(): Promise<void> {
    return this.closedPromise;
  }
}

function clearCurrent(pool: ConnectionsPool): void {
  pool.clearCurrent();
}

/** The open connection with the fewest commands in flight (a closed one may linger until its 'close' event). */
function leastBusy(connections: readonly RedisConnection[]): RedisConnection | null {
  let best: RedisConnection | null = null;
  for (const c of connections) if (!c.closed && (best === null || c.inFlight < best.inFlight)) best = c;
  return best;
}

export type { Command };
