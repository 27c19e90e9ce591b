import { createConnection, type RedisConnection } from '../connection/connection.js';
import { formatAddress } from '../address.js';
import { TimeoutError } from '../errors.js';
import { withTimeout } from '../timeout.js';
import { toText } from '../text.js';
import type { Address, ConnectionOptions, RedisArg } from '../types.js';
import { inspect } from 'node:util';
import { redactedView } from '../redact.js';
import { nextDelay } from '../backoff.js';

/** What a sentinel node reports to its pool. */
export interface SentinelNodeListener {
  /** One event from the sentinel's `PSUBSCRIBE *`. */
  onEvent(event: string, data: string, node: SentinelNode): void;
  /** The event subscription is up (subscribed) or down (lost; reconnecting). */
  onLink(node: SentinelNode, up: boolean): void;
  log(level: 'debug' | 'warn', message: string): void;
}

/**
 * One sentinel: a connection for SENTINEL commands (reopened on demand) and a subscriber connection of
 * its own (PSUBSCRIBE *), reconnected and resubscribed on its own, so losing one sentinel never stops
 * events from the others.
 */
export class SentinelNode {
  /** util.inspect / console.log show the fields with passwords and TLS keys redacted. */
  [inspect.custom](): object {
    return redactedView(this);
  }

  private command: RedisConnection | null = null;
  private connecting: Promise<RedisConnection> | null = null;
  private subscriber: RedisConnection | null = null;
  private subscribing: Promise<void> | null = null;
  private resubscribeTimer: NodeJS.Timeout | null = null;
  private resubscribeDelay = 0;
  private stopped = false;
  /** Set when the last attempt to reach this sentinel failed; healthy ones are asked first. */
  lastError: Error | null = null;

  constructor(
    readonly address: Address,
    private readonly options: ConnectionOptions,
    private readonly listener: SentinelNodeListener,
  ) {}

  private log(level: 'debug' | 'warn', message: string): void {
    this.listener.log(level, message);
  }

  get key(): string {
    return formatAddress(this.address);
  }

  get healthy(): boolean {
    return this.lastError === null && this.command !== null && !this.command.closed;
  }

  get subscribed(): boolean {
    return this.subscriber !== null && !this.subscriber.closed;
  }

  /** The command connection, opened within `timeout` ms if needed. */
  connect(timeout: number): Promise<RedisConnection> {
    if (this.command !== null && !this.command.closed) return Promise.resolve(this.command);
    if (this.connecting !== null) return this.connecting;
    this.connecting = createConnection(this.address, { ...this.options, connectTimeout: timeout }).then(
      (conn) => {
        this.connecting = null;
        if (this.stopped) {
          conn.close();
          throw new TimeoutError('Sentinel pool closed while connecting');
        }
        this.command = conn;
        this.lastError = null;
        conn.once('close', () => {
          if (this.command === conn) this.command = null;
        });
        return conn;
      },
      (err: Error) => {
        this.connecting = null;
        this.lastError = err;
        throw err;
      },
    );
    return this.connecting;
  }

  /** Sends one command to this sentinel, connecting first; each step bounded by `timeout`. */
  async execute(timeout: number, name: string, args: readonly RedisArg[]): Promise<unknown> {
    const conn = await this.connect(timeout);
    try {
      return await withTimeout(
        conn.send(name, args),
        timeout,
        `${name} ${String(args[0] ?? '')} on sentinel ${this.key}`,
      );
    } catch (err) {
      if (err instanceof TimeoutError) {
        // A sentinel that does not answer in time is treated as down until it answers again.
        this.lastError = err;
        conn.close();
      }
      throw err;
    }
  }

  /** Opens the event subscription; resolves once PSUBSCRIBE is confirmed. */
  subscribe(timeout: number): Promise<void> {
    if (this.stopped || this.subscribed) return Promise.resolve();
    this.subscribing ??= this.openSubscriber(timeout).finally(() => {
      this.subscribing = null;
    });
    return this.subscribing;
  }

  private async openSubscriber(timeout: number): Promise<void> {
    {
      const conn = await createConnection(this.address, { ...this.options, connectTimeout: timeout });
      if (this.stopped) {
        conn.close();
        return;
      }
      conn.on('pmessage', (_pattern: string, channel: string, message: unknown) => {
        this.listener.onEvent(channel, toText(message), this);
      });
      conn.once('close', () => {
        if (this.subscriber === conn) this.subscriber = null;
        if (!this.stopped) {
          this.log('warn', `Lost the event subscription to sentinel ${this.key}; reconnecting`);
          this.listener.onLink(this, false);
          this.scheduleResubscribe(timeout);
        }
      });
      this.subscriber = conn;
      await withTimeout(conn.send('PSUBSCRIBE', ['*']), timeout, `PSUBSCRIBE on sentinel ${this.key}`).catch(
        (err: Error) => {
          conn.close();
          throw err;
        },
      );
      this.resubscribeDelay = 0;
      this.listener.onLink(this, true);
    }
  }

  private scheduleResubscribe(timeout: number): void {
    if (this.stopped || this.resubscribeTimer !== null) return;
    this.resubscribeDelay = nextDelay(this.resubscribeDelay, 50, 1000);
    this.resubscribeTimer = setTimeout(() => {
      this.resubscribeTimer = null;
      this.subscribe(Math.max(timeout, 1000)).then(
        () => this.log('debug', `Resubscribed to sentinel ${this.key}`),
        () => this.scheduleResubscribe(timeout),
      );
    }, this.resubscribeDelay);
  }

  /** Closes both connections directly (sentinels refuse QUIT); nothing reconnects afterwards. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.resubscribeTimer !== null) clearTimeout(this.resubscribeTimer);
    this.resubscribeTimer = null;
    const conns = [this.command, this.subscriber].filter((c): c is RedisConnection => c !== null);
    this.command = this.subscriber = null;
    for (const c of conns) c.close();
    const settle = (p: Promise<unknown> | null) =>
      p?.then(
        () => undefined,
        () => undefined,
      );
    return Promise.all([...conns.map((c) => c.waitClosed()), settle(this.connecting), settle(this.subscribing)]).then(
      () => undefined,
    );
  }
}
