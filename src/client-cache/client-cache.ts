import { getKeyIndexes } from '@ioredis/commands';
import { formatAddress, sameAddress } from '../address.js';
import { Command, buffersFor, createConnection, type RedisConnection } from '../connection/connection.js';
import { ConnectionClosedError, ReplyError } from '../errors.js';
import { MAY_WRITE, WRITE, commandFlags } from '../protocol/commands.js';
import type { Address, ConnectionOptions, RedisArg, ReplyEncoding } from '../types.js';
import { cacheGroups, type CacheGroups } from './cacheable.js';
import { InvalidationLink } from './invalidation-link.js';
import { argsKey, copyReply, indexKey } from './keys.js';
import { LruStore } from './lru-store.js';
import { validateClientCache, type ClientCacheSettings } from './options.js';

/** `stats().clientCache`: counters since the pool was made, and the entries held now. */
export interface ClientCacheStats {
  /** Reads answered from memory. */
  hits: number;
  /** Cacheable reads sent to the server. */
  misses: number;
  /** Keys named in the server's invalidation messages. */
  invalidations: number;
  /** Times the whole cache was dropped (a connection or the invalidation connection lost, a failover, a server flush). */
  flushes: number;
  entries: number;
}

/** What the cache needs from its pool. */
export interface CacheHost {
  /** The pool's data connection options (AUTH, db, TLS, name): the invalidation connections use them too. */
  connectionOptions(): ConnectionOptions;
  log(level: 'debug' | 'log' | 'warn', message: string): void;
}

/** The pool's cache for its `clientCache` option (validated here: a TypeError naming it), or null without one. */
export function clientCacheFor(option: unknown, host: CacheHost): ClientCache | null {
  const options = validateClientCache(option);
  return options === null ? null : new ClientCache(options, host);
}

/** How the pool sends a command past the cache. */
export type SendDirect = (name: string, args: readonly RedisArg[], buffers: boolean) => Promise<unknown>;

/** Reads of one Redis key under way: an invalidation bumps `gen`, and replies sent before it are not kept. */
interface InFlight {
  reads: number;
  gen: number;
}

// Flushes of every key the server tracks for us: their invalidation is one null message.
const FLUSHING = new Set(['flushall', 'flushdb', 'swapdb']);

/**
 * A pool's client-side cache. Every shared connection runs `CLIENT TRACKING ON REDIRECT <id>` (the
 * id of the InvalidationLink to the same server) before any read it carries may be kept. A reply is
 * kept only when nothing that could make it stale happened while it was in flight: no invalidation
 * of its key (per-key generation), no flush and no connection whose tracking is not live (`epoch`).
 */
export class ClientCache {
  private readonly store: LruStore;
  private hits = 0;
  private misses = 0;
  private invalidations = 0;
  private flushes = 0;
  /** Bumped by every flush and whenever a connection's tracking is not live: replies in flight are not kept. */
  private epoch = 0;
  /** Each connection told to track, with the redirect id it was given (0: not tracking a live link). */
  private readonly tracked = new Map<RedisConnection, number>();
  /** Connections not tracking a live link: while any is left, no reply is kept. */
  private readonly untracked = new Set<RedisConnection>();
  private readonly links = new Map<string, InvalidationLink>();
  /** Links being closed (no connection left to their server, or the cache turned off): close() waits for them. */
  private readonly closing = new Set<Promise<void>>();
  private readonly inFlight = new Map<string, InFlight>();
  /** CLIENT TRACKING was refused (ACL, an old server): the cache stays empty. */
  private disabled = false;
  private closed = false;

  /** Broadcast mode: CLIENT TRACKING's extra words, and the prefixes as index keys (null: default mode). */
  private readonly bcastWords: readonly string[];
  private readonly bcastPrefixes: readonly string[] | null;

  constructor(
    options: ClientCacheSettings,
    private readonly host: CacheHost,
  ) {
    this.store = new LruStore(options.maxEntries, options.ttl);
    this.bcastWords = options.broadcast ? ['BCAST', ...options.prefixes.flatMap((p) => ['PREFIX', p])] : [];
    this.bcastPrefixes = options.broadcast ? options.prefixes.map((p) => indexKey(p)) : null;
  }

  /** Broadcast mode with prefixes: the server invalidates only keys under them, so only those may be kept. */
  private tracks(key: RedisArg): boolean {
    const prefixes = this.bcastPrefixes;
    if (prefixes === null || prefixes.length === 0) return true;
    const k = indexKey(key);
    for (const p of prefixes) if (k.startsWith(p)) return true;
    return false;
  }

  stats(): ClientCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      invalidations: this.invalidations,
      flushes: this.flushes,
      entries: this.store.size,
    };
  }

  /** Replies may be kept: every connection tracks a live invalidation link. */
  private get ready(): boolean {
    return this.untracked.size === 0 && !this.disabled && !this.closed;
  }

  /**
   * One command through the cache: a cacheable read may be answered from memory; a write drops its keys.
   * `use` false: the per-call opt-out (`{ cache: false }`).
   */
  send(
    name: string,
    args: readonly RedisArg[],
    encoding: ReplyEncoding | undefined,
    defaultBuffers: boolean,
    use: boolean,
    direct: SendDirect,
  ): Promise<unknown> {
    let buffers: boolean;
    try {
      buffers = buffersFor(encoding, defaultBuffers);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (use) {
      const groups = cacheGroups(name, args);
      if (groups !== null && this.tracks(args[0]!)) return this.read(groups, name, args, buffers, direct);
    }
    if ((commandFlags(name) & (WRITE | MAY_WRITE)) === 0) return direct(name, args, buffers);
    const keys = keysOf(name, args);
    this.dropLocal(keys);
    // Dropped again on the reply: a read racing the write on another connection may have kept the old value.
    return direct(name, args, buffers).finally(() => this.dropLocal(keys));
  }

  /** Pipelines and MULTI: their reads are not cached; their writes drop their keys like single writes. */
  watchBatch(
    commands: readonly (readonly [string, readonly RedisArg[], unknown])[],
    replies: Promise<unknown>[],
  ): void {
    for (let i = 0; i < commands.length; i++) {
      const [name, args] = commands[i]!;
      if ((commandFlags(name) & (WRITE | MAY_WRITE)) === 0) continue;
      const keys = keysOf(name, args);
      this.dropLocal(keys);
      replies[i]!.then(
        () => this.dropLocal(keys),
        () => this.dropLocal(keys),
      );
    }
  }

  private read(
    groups: CacheGroups,
    name: string,
    args: readonly RedisArg[],
    buffers: boolean,
    direct: SendDirect,
  ): Promise<unknown> {
    const first = args[0]!;
    const single = args.length === 1 && typeof first === 'string';
    const group = (single ? groups.single : groups.other)[buffers ? 1 : 0];
    const id = single ? first : argsKey(args);
    const cached = this.store.get(group, id);
    if (cached !== undefined) {
      this.hits++;
      return Promise.resolve(copyReply(cached));
    }
    this.misses++;
    // Read before sending: what counts is the state when the read left.
    const epoch = this.epoch;
    const keep = this.ready;
    const reply = direct(name, args, buffers);
    if (!keep) return reply;
    const key = indexKey(first);
    let flight = this.inFlight.get(key);
    if (flight === undefined) this.inFlight.set(key, (flight = { reads: 0, gen: 0 }));
    flight.reads++;
    const gen = flight.gen;
    const f = flight;
    return reply.then(
      (value) => {
        this.landed(key, f);
        if (epoch === this.epoch && f.gen === gen) this.store.set(group, id, key, copyReply(value));
        return value;
      },
      (err: unknown) => {
        this.landed(key, f);
        throw err;
      },
    );
  }

  private landed(key: string, flight: InFlight): void {
    if (--flight.reads === 0 && this.inFlight.get(key) === flight) this.inFlight.delete(key);
  }

  /** Drops what this client's own write makes stale (null: everything). */
  private dropLocal(keys: readonly RedisArg[] | null): void {
    if (keys === null) this.flush('a flush sent by this client');
    else for (const k of keys) this.invalidateKey(indexKey(k));
  }

  private invalidateKey(key: string): void {
    this.store.invalidate(key);
    const flight = this.inFlight.get(key);
    if (flight !== undefined) flight.gen++;
  }

  /** Drops every entry; replies in flight are not kept either. */
  flush(why: string): void {
    this.epoch++;
    this.flushes++;
    if (this.store.size > 0) this.host.log('debug', `Client cache dropped (${this.store.size} entries): ${why}`);
    this.store.clear();
  }

  // ---- tracking ----

  /** A connection joins the shared set (new, or given back): it tracks the live link to its server. */
  attach(conn: RedisConnection): void {
    if (this.closed || this.disabled || conn.closed) return;
    if (!this.tracked.has(conn)) {
      this.tracked.set(conn, 0);
      conn.once('close', () => this.detach(conn));
    }
    const link = this.linkFor(conn.address);
    if (link.id === 0) this.markUntracked(conn);
    else if (this.tracked.get(conn) !== link.id) this.track(conn, link.id);
  }

  private linkFor(address: Address): InvalidationLink {
    const where = formatAddress(address);
    let link = this.links.get(where);
    if (link === undefined) {
      link = new InvalidationLink(address, {
        // Buffers: invalidated keys arrive as their bytes; no WAIT or timeout on a connection that only listens.
        open: (a) =>
          createConnection(a, {
            ...this.host.connectionOptions(),
            encoding: null,
            durability: undefined,
            commandTimeout: undefined,
          }),
        onLive: (l) => this.onLinkLive(l),
        onLost: (l) => this.onLinkLost(l),
        onInvalidate: (keys) => this.onInvalidate(keys),
        onRefused: (l, err) =>
          this.disable(`${formatAddress(l.address)} refused the invalidation connection: ${err.message}`),
        log: (level, message) => this.host.log(level, message),
      });
      this.links.set(where, link);
    }
    return link;
  }

  private markUntracked(conn: RedisConnection): void {
    this.tracked.set(conn, 0);
    this.untracked.add(conn);
    // A read sent before this may be carried by this connection: not kept.
    this.epoch++;
  }

  /** Queued ahead of anything sent later on this connection, so every later read is tracked. */
  private track(conn: RedisConnection, id: number): void {
    this.tracked.set(conn, id);
    this.untracked.delete(conn);
    const command = new Command(
      'CLIENT',
      ['TRACKING', 'ON', 'REDIRECT', id, ...this.bcastWords],
      false,
      () => {},
      (err) => this.trackingFailed(conn, err),
    );
    // Never sent again on another connection by a managed pool's retries.
    command.attempts = Infinity;
    conn.enqueue(command);
  }

  private trackingFailed(conn: RedisConnection, err: Error): void {
    // A closed connection drops the cache through its 'close' event.
    if (err instanceof ConnectionClosedError || conn.closed || this.closed) return;
    if (err instanceof ReplyError) {
      this.disable(`CLIENT TRACKING refused by ${formatAddress(conn.address)}: ${err.message}`);
      return;
    }
    // Refused by the connection itself (a state it was put in meanwhile): not tracking, so nothing is kept.
    this.markUntracked(conn);
  }

  /** The server will not track for us (an old server, an ACL): no reply is kept any more; commands go on. */
  private disable(why: string): void {
    if (this.disabled || this.closed) return;
    this.disabled = true;
    this.flush(why);
    this.host.log('warn', `Client cache off: ${why}`);
    for (const link of this.links.values()) this.closeLink(link);
    this.links.clear();
  }

  private detach(conn: RedisConnection): void {
    const id = this.tracked.get(conn);
    this.tracked.delete(conn);
    this.untracked.delete(conn);
    // The server forgets what this connection tracked: its invalidations will never come.
    if (id !== undefined && id !== 0) this.flush('a tracked connection closed');
    for (const c of this.tracked.keys()) if (sameAddress(c.address, conn.address)) return;
    const where = formatAddress(conn.address);
    const link = this.links.get(where);
    this.links.delete(where);
    if (link !== undefined) this.closeLink(link);
  }

  private onLinkLive(link: InvalidationLink): void {
    if (this.closed || this.disabled) return;
    // track() deletes from the set as it goes: a Set iterator skips what is deleted, nothing else.
    for (const conn of this.untracked) {
      if (conn.closed || !sameAddress(conn.address, link.address)) continue;
      // Inside MULTI the command would only be queued (and DISCARD would drop it), and a lent connection in
      // subscriber mode refuses it: done when given back (such connections are closed instead).
      if (conn.inTransaction || conn.inPubSub) continue;
      this.track(conn, link.id);
    }
  }

  private onLinkLost(link: InvalidationLink): void {
    this.flush('the invalidation connection closed');
    for (const conn of this.tracked.keys()) if (sameAddress(conn.address, link.address)) this.markUntracked(conn);
  }

  private onInvalidate(keys: readonly Buffer[] | null): void {
    if (keys === null) {
      this.flush('the server flushed');
      return;
    }
    for (const k of keys) {
      this.invalidations++;
      this.invalidateKey(Buffer.isBuffer(k) ? k.toString('latin1') : indexKey(String(k)));
    }
  }

  private closeLink(link: InvalidationLink): void {
    const done = link.close().finally(() => this.closing.delete(done));
    this.closing.add(done);
  }

  /** Closes every invalidation connection; resolves when their sockets are closed. */
  close(): Promise<void> {
    this.closed = true;
    this.store.clear();
    for (const link of this.links.values()) this.closeLink(link);
    this.links.clear();
    return Promise.allSettled(this.closing).then(() => undefined);
  }
}

/** The keys a write touches (null: it flushes every key). */
function keysOf(name: string, args: readonly RedisArg[]): RedisArg[] | null {
  if (FLUSHING.has(name.toLowerCase())) return null;
  try {
    return getKeyIndexes(name, args as RedisArg[], { nameCaseInsensitive: true }).map((i) => args[i]!);
  } catch {
    // A command the table cannot read: drop everything rather than keep a stale reply.
    return null;
  }
}
