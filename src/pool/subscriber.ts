import type { Command, RedisConnection } from '../connection/connection.js';
import { PoolClosedError } from '../errors.js';
import { SUBSCRIBE_COMMAND, UNSUBSCRIBE, subscriptionKind, type SubscriptionKind } from '../protocol/commands.js';
import { toText } from '../text.js';
import { nextDelay } from '../backoff.js';

/** What a pool's subscriber needs from its pool. */
export interface SubscriberHost {
  /** A new connection to the pool's server (a managed pool asks the sentinels first). */
  openConnection(): Promise<RedisConnection>;
  /** False for a connection opened before the pool moved to another server (a switch while connecting). */
  isCurrent(connection: RedisConnection): boolean;
  /** How long a subscribe call may wait for the subscriber connection (ms); 0: it fails with the first attempt. */
  subscribeWaitMs(): number;
  /** Pub/sub events and 'resubscribed' / 'warning' go out through the pool. */
  emit(event: string, ...args: unknown[]): boolean;
  log(level: 'debug' | 'log' | 'warn', message: string): void;
  /** The subscriber connection closed without being asked to: the server may be gone. */
  onSubscriberLost(connection: RedisConnection): void;
}

/** Every subscription a pool holds, by kind. */
export interface Subscriptions {
  channels: string[];
  patterns: string[];
  shardChannels: string[];
}

interface Pending {
  command: Command;
  /** Names this command added (removed again if it fails). */
  added: string[];
  kind: SubscriptionKind;
  deadline: number;
}

const PUBSUB_EVENTS = ['message', 'pmessage', 'smessage'] as const;
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1000;

/**
 * The pool's subscriber connection and the subscriptions it must carry. When the connection is lost
 * (a failover, a restart, CLIENT KILL) it connects again with back-off for as long as the pool is open
 * and anything is subscribed, subscribes to everything again and emits 'resubscribed'. Nothing here
 * throws or emits 'error': a failure is a log line, and a 'warning' once the outage is long.
 */
export class PoolSubscriber {
  private readonly sets: Record<SubscriptionKind, Set<string>> = {
    channels: new Set(),
    patterns: new Set(),
    shardChannels: new Set(),
  };
  private conn: RedisConnection | null = null;
  private opening: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 0;
  private readonly pending: Pending[] = [];
  /** Set when a connection carrying subscriptions was lost: the next one subscribes again. */
  private lost = false;
  private downSince = 0;
  private warned = false;
  private closed = false;

  constructor(private readonly host: SubscriberHost) {}

  /** After this long without a subscriber connection, one 'warning' per outage. */
  private get warnAfterMs(): number {
    return Math.max(this.host.subscribeWaitMs(), 5_000);
  }

  /** The open subscriber connection, if any. */
  get connection(): RedisConnection | null {
    return this.conn !== null && !this.conn.closed ? this.conn : null;
  }

  get subscriptions(): Subscriptions {
    return {
      channels: [...this.sets.channels],
      patterns: [...this.sets.patterns],
      shardChannels: [...this.sets.shardChannels],
    };
  }

  private get count(): number {
    return this.sets.channels.size + this.sets.patterns.size + this.sets.shardChannels.size;
  }

  /** Runs one command of the SUBSCRIBE family. */
  send(command: Command): void {
    if (this.closed) {
      command.reject(new PoolClosedError('Pool is closed'));
      return;
    }
    const kind = subscriptionKind(command.flags);
    const set = this.sets[kind];
    const names = command.args.map((a) => toText(a));
    if ((command.flags & UNSUBSCRIBE) !== 0) {
      if (names.length === 0) set.clear();
      else for (const n of names) set.delete(n);
      const conn = this.connection;
      if (conn === null) command.resolve(this.count);
      else conn.enqueue(command);
      return;
    }
    const added = names.filter((n) => !set.has(n));
    for (const n of added) set.add(n);
    const conn = this.connection;
    if (conn !== null) {
      conn.enqueue(command);
      return;
    }
    this.pending.push({ command, added, kind, deadline: Date.now() + this.host.subscribeWaitMs() });
    this.connect();
  }

  /** Closes the subscriber connection (a failover): it is opened again on the new server. */
  retire(): void {
    this.conn?.close();
  }

  /** Stops for good: pending calls reject PoolClosedError; resolves when the socket is closed. */
  close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const error = new PoolClosedError('Pool is closed');
    for (const p of this.pending.splice(0)) p.command.reject(error);
    const conn = this.conn;
    this.conn = null;
    conn?.close();
    return Promise.allSettled([conn?.waitClosed(), this.opening]).then(() => undefined);
  }

  private connect(): void {
    if (this.closed || this.opening !== null || this.retryTimer !== null || this.connection !== null) return;
    this.opening = this.host.openConnection().then(
      (conn) => {
        this.opening = null;
        this.adopt(conn);
      },
      (err: Error) => {
        this.opening = null;
        this.attemptFailed(err);
      },
    );
  }

  private adopt(conn: RedisConnection): void {
    if (this.closed) {
      conn.close();
      return;
    }
    if (!this.host.isCurrent(conn)) {
      // The pool switched servers while this one was connecting: it would subscribe on the old one.
      conn.close();
      this.connect();
      return;
    }
    this.conn = conn;
    this.retryDelay = 0;
    for (const event of PUBSUB_EVENTS) conn.on(event, (...args: unknown[]) => this.host.emit(event, ...args));
    conn.once('close', () => this.onClose(conn));
    if (this.lost) this.resubscribe(conn);
    for (const p of this.pending.splice(0)) if (!p.command.done) conn.enqueue(p.command);
  }

  private resubscribe(conn: RedisConnection): void {
    this.lost = false;
    const subscriptions = this.subscriptions;
    const jobs: Promise<unknown>[] = [];
    for (const kind of Object.keys(this.sets) as SubscriptionKind[]) {
      const names = [...this.sets[kind]];
      if (names.length > 0) jobs.push(conn.send(SUBSCRIBE_COMMAND[kind], names));
    }
    const outage = this.downSince > 0 ? Date.now() - this.downSince : 0;
    Promise.all(jobs).then(
      () => {
        this.downSince = 0;
        this.warned = false;
        this.host.log('log', `Subscribed again after ${outage} ms: ${describe(subscriptions)}`);
        this.host.emit('resubscribed', subscriptions);
      },
      // The connection closed again meanwhile: onClose starts the next attempt.
      (err: Error) => this.host.log('debug', `Resubscribing failed: ${err.message}`),
    );
  }

  private onClose(conn: RedisConnection): void {
    if (this.conn !== conn) return;
    this.conn = null;
    if (this.closed) return;
    if (this.count > 0) {
      this.lost = true;
      if (this.downSince === 0) this.downSince = Date.now();
    }
    this.host.onSubscriberLost(conn);
    if (this.count > 0 || this.pending.length > 0) this.connect();
  }

  private attemptFailed(err: Error): void {
    if (this.closed) return;
    const now = Date.now();
    // Calls that waited their bound reject; what they added is no longer wanted.
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      if (p.deadline > now) continue;
      this.pending.splice(i, 1);
      for (const n of p.added) this.sets[p.kind].delete(n);
      if (!p.command.done) p.command.reject(err);
    }
    if (this.count === 0 && this.pending.length === 0) {
      this.lost = false;
      this.downSince = 0;
      return;
    }
    this.host.log('debug', `No subscriber connection yet: ${err.message}`);
    if (!this.warned && this.downSince > 0 && now - this.downSince >= this.warnAfterMs) {
      this.warned = true;
      this.host.emit('warning', {
        message: `Subscriptions (${describe(this.subscriptions)}) have had no connection for ${now - this.downSince} ms; still trying`,
        cause: err,
      });
    }
    this.retryDelay = nextDelay(this.retryDelay, FIRST_RETRY_MS, MAX_RETRY_MS);
    // Kept referenced: a process that only subscribes must not exit during a failover.
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, this.retryDelay);
  }
}

function describe(s: Subscriptions): string {
  const parts: string[] = [];
  if (s.channels.length > 0) parts.push(`channels ${s.channels.join(', ')}`);
  if (s.patterns.length > 0) parts.push(`patterns ${s.patterns.join(', ')}`);
  if (s.shardChannels.length > 0) parts.push(`shard channels ${s.shardChannels.join(', ')}`);
  return parts.join('; ') || 'none';
}
