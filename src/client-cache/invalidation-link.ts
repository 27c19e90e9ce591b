import type { RedisConnection } from '../connection/connection.js';
import { ReplyError } from '../errors.js';
import type { Address } from '../types.js';
import { nextDelay } from '../backoff.js';

/** The channel a RESP2 connection receives CLIENT TRACKING ... REDIRECT invalidations on. */
export const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** What a link needs from the cache that owns it. */
export interface LinkHost {
  /** A plain connection to `address` (Buffers for replies: keys arrive as their bytes). */
  open(address: Address): Promise<RedisConnection>;
  /** The link is subscribed and its CLIENT ID known: connections may now be told to redirect to it. */
  onLive(link: InvalidationLink): void;
  /** The link was live and is gone: invalidations for its id are lost from now on. */
  onLost(link: InvalidationLink): void;
  /** An invalidation message: the keys, or null for a flush (FLUSHDB, FLUSHALL, ...). */
  onInvalidate(keys: readonly Buffer[] | null): void;
  /** The server refused CLIENT ID or the SUBSCRIBE (an ACL without the channel, say): trying again will not help. */
  onRefused(link: InvalidationLink, error: Error): void;
  log(level: 'debug' | 'log' | 'warn', message: string): void;
}

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1000;

/**
 * One connection per server that receives the invalidations of every tracked connection to that
 * server (`CLIENT TRACKING ON REDIRECT <its id>`: a redirect id must be a client of the same server).
 * Sends CLIENT ID before SUBSCRIBE (RESP2 refuses other commands in subscriber mode); reconnects with
 * back-off until closed. Never throws: failures are log lines.
 */
export class InvalidationLink {
  /** CLIENT ID of the live connection; 0 while not live. */
  id = 0;
  private conn: RedisConnection | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delay = 0;
  private closed = false;
  private opening: Promise<void> | null = null;

  constructor(
    readonly address: Address,
    private readonly host: LinkHost,
  ) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    this.opening = this.host.open(this.address).then(
      (conn) => {
        this.opening = null;
        if (!this.closed) return this.adopt(conn);
        conn.close();
        return conn.waitClosed();
      },
      (err: Error) => {
        this.opening = null;
        this.retry(`could not connect: ${err.message}`);
      },
    );
  }

  private adopt(conn: RedisConnection): void {
    this.conn = conn;
    conn.on('message', (channel: string, message: unknown) => {
      if (channel === INVALIDATE_CHANNEL) this.host.onInvalidate(message as Buffer[] | null);
    });
    conn.once('close', () => this.onClose(conn));
    // Both in one write; the id is only used once the subscription is confirmed.
    const id = conn.send('CLIENT', ['ID']);
    const subscribed = conn.send('SUBSCRIBE', [INVALIDATE_CHANNEL]);
    Promise.all([id, subscribed]).then(
      ([clientId]) => {
        if (this.closed || this.conn !== conn || conn.closed) return;
        this.delay = 0;
        this.id = Number(clientId);
        this.host.onLive(this);
      },
      (err: Error) => {
        conn.close();
        if (err instanceof ReplyError && !this.closed) this.host.onRefused(this, err);
        else this.host.log('debug', `Invalidation connection set-up failed: ${err.message}`);
      },
    );
  }

  private onClose(conn: RedisConnection): void {
    if (this.conn !== conn) return;
    this.conn = null;
    const wasLive = this.id !== 0;
    this.id = 0;
    if (wasLive) this.host.onLost(this);
    this.retry('the connection closed');
  }

  private retry(why: string): void {
    if (this.closed || this.timer !== null) return;
    this.host.log('debug', `Invalidation connection to ${this.address.join(':')}: ${why}; trying again`);
    this.delay = nextDelay(this.delay, FIRST_RETRY_MS, MAX_RETRY_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, this.delay);
    // The data connections keep the process alive; the cache's background work does not.
    this.timer.unref();
  }

  /** Stops for good; resolves when the socket is closed. */
  close(): Promise<void> {
    this.closed = true;
    this.id = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const conn = this.conn;
    this.conn = null;
    conn?.close();
    return Promise.allSettled([conn?.waitClosed(), this.opening]).then(() => undefined);
  }
}
