import { EventEmitter } from 'node:events';
import { createConnection, type RedisConnection } from '../connection/connection.js';
import { PoolClosedError } from '../errors.js';
import { createPool } from '../pool/create-pool.js';
import type { CommandTarget } from '../pool/pool.js';
import type {
  Address,
  AddressInput,
  CommandOptions,
  ConnectionOptions,
  PoolOptions,
  RedisArg,
  ReplyEncoding,
} from '../types.js';
import { RedisCommands } from '../commands/index.js';
import { Multi, Pipeline } from './pipeline.js';

export type MessageListener = (message: string | Buffer, channel: string) => void;
export type PatternMessageListener = (message: string | Buffer, channel: string, pattern: string) => void;

/**
 * The client: typed commands over a pool (createRedisPool, masterFor, slaveFor) or one connection
 * (createRedis). `execute` runs any command.
 */
export class Redis extends RedisCommands {
  private readonly channelListeners = new Map<string, Set<MessageListener>>();
  private readonly patternListeners = new Map<string, Set<PatternMessageListener>>();
  private readonly shardListeners = new Map<string, Set<MessageListener>>();
  private listening = false;

  constructor(private readonly target: CommandTarget) {
    super();
  }

  /** The pool (or connection adapter) this client sends through. */
  get connection(): CommandTarget {
    return this.target;
  }

  /** `[host, port]` of the server, or null before discovery. */
  get address(): Address | null {
    return this.target.address;
  }

  get db(): number {
    return this.target.db;
  }

  get closed(): boolean {
    return this.target.closed;
  }

  /** Runs any command: `execute('HSET', 'h', 'f', 'v')`. */
  execute<T = unknown>(command: string, ...args: RedisArg[]): Promise<T> {
    return this.target.send(command, args) as Promise<T>;
  }

  protected call<T>(name: string, args: readonly RedisArg[], options?: CommandOptions): Promise<T> {
    return this.target.send(name, args, options?.encoding, options?.cache) as Promise<T>;
  }

  /** Commands sent together in one write; exec() resolves `[error, result]` per command. */
  pipeline(): Pipeline {
    return new Pipeline(this.target);
  }

  /** MULTI ... EXEC, sent in one write on one connection so nothing else interleaves. */
  multi(): Multi {
    return new Multi(this.target);
  }

  /**
   * Runs `fn` with a client over one connection of its own (for WATCH / MULTI / EXEC with reads in
   * between, or long blocking work); the connection goes back to the pool afterwards.
   */
  async withConnection<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    const conn = await this.target.acquire();
    const single = new SingleConnection(conn, false);
    try {
      return await fn(new Redis(single));
    } finally {
      // The connection outlives this wrapper (it goes back to the pool): stop forwarding its events.
      single.detach();
      this.target.release(conn);
    }
  }

  // ---- publish / subscribe ----

  /** Subscribes to channels; `listener` gets `(message, channel)`. Resolves the subscription count. */
  subscribe(channels: string | string[], listener?: MessageListener): Promise<number> {
    return this.subscribeTo('SUBSCRIBE', this.channelListeners, channels, listener);
  }

  /** Subscribes to patterns; `listener` gets `(message, channel, pattern)`. */
  psubscribe(patterns: string | string[], listener?: PatternMessageListener): Promise<number> {
    return this.subscribeTo('PSUBSCRIBE', this.patternListeners, patterns, listener);
  }

  /** Subscribes to shard channels (SSUBSCRIBE, Redis 7+); `listener` gets `(message, channel)`. */
  ssubscribe(channels: string | string[], listener?: MessageListener): Promise<number> {
    return this.subscribeTo('SSUBSCRIBE', this.shardListeners, channels, listener);
  }

  /** Unsubscribes (all channels when none are named) and drops their listeners. */
  unsubscribe(...channels: string[]): Promise<number> {
    return this.unsubscribeFrom('UNSUBSCRIBE', this.channelListeners, channels);
  }

  punsubscribe(...patterns: string[]): Promise<number> {
    return this.unsubscribeFrom('PUNSUBSCRIBE', this.patternListeners, patterns);
  }

  sunsubscribe(...channels: string[]): Promise<number> {
    return this.unsubscribeFrom('SUNSUBSCRIBE', this.shardListeners, channels);
  }

  /**
   * Every message: `on('message', (channel, message) => ...)`, `on('pmessage', (pattern, channel, message) => ...)`,
   * `on('smessage', (channel, message) => ...)`; and the pool's `'resubscribed'` / `'warning'` events.
   */
  on(event: 'message' | 'smessage', listener: (channel: string, message: string | Buffer) => void): this;
  on(event: 'pmessage', listener: (pattern: string, channel: string, message: string | Buffer) => void): this;
  on(event: string, listener: (...args: never[]) => void): this;
  on(event: string, listener: (...args: never[]) => void): this {
    this.target.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: string, listener: (...args: never[]) => void): this {
    this.target.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  private subscribeTo<L>(
    command: string,
    listeners: Map<string, Set<L>>,
    names: string | string[],
    listener: L | undefined,
  ): Promise<number> {
    const list = typeof names === 'string' ? [names] : names;
    if (listener !== undefined) for (const n of list) addTo(listeners, n, listener);
    this.listen();
    return this.target.send(command, list) as Promise<number>;
  }

  private unsubscribeFrom<L>(command: string, listeners: Map<string, Set<L>>, names: string[]): Promise<number> {
    if (names.length === 0) listeners.clear();
    for (const n of names) listeners.delete(n);
    return this.target.send(command, names) as Promise<number>;
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    const toChannel =
      (listeners: Map<string, Set<MessageListener>>) =>
      (channel: string, message: string | Buffer): void => {
        const set = listeners.get(channel);
        if (set !== undefined) for (const l of set) l(message, channel);
      };
    this.target.on('message', toChannel(this.channelListeners));
    this.target.on('smessage', toChannel(this.shardListeners));
    this.target.on('pmessage', (pattern: string, channel: string, message: string | Buffer) => {
      const set = this.patternListeners.get(pattern);
      if (set !== undefined) for (const l of set) l(message, channel, pattern);
    });
  }

  /** Closes the pool or connection under this client (synchronous); later calls reject PoolClosedError. */
  close(): void {
    this.target.close();
  }

  waitClosed(): Promise<void> {
    return this.target.waitClosed();
  }
}

function addTo<L>(map: Map<string, Set<L>>, key: string, listener: L): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(listener);
}

const PUBSUB_EVENTS = ['message', 'pmessage', 'smessage'] as const;

/** A single connection seen as a command target (createRedis, withConnection). */
export class SingleConnection extends EventEmitter implements CommandTarget {
  private closing = false;
  private readonly forwarders: [event: string, listener: (...args: unknown[]) => void][] = [];

  constructor(
    readonly conn: RedisConnection,
    private readonly owns: boolean,
  ) {
    super();
    for (const event of PUBSUB_EVENTS) {
      const forward = (...args: unknown[]): void => void this.emit(event, ...args);
      conn.on(event, forward);
      this.forwarders.push([event, forward]);
    }
  }

  /** Stops forwarding the connection's pub/sub events (a borrowed connection going back to its pool). */
  detach(): void {
    for (const [event, forward] of this.forwarders.splice(0)) this.conn.off(event, forward);
  }

  get closed(): boolean {
    return this.closing || this.conn.closed;
  }
  get address(): Address {
    return this.conn.address;
  }
  get db(): number {
    return this.conn.db;
  }

  send(name: string, args: readonly RedisArg[], encoding?: ReplyEncoding): Promise<unknown> {
    if (this.closing) return Promise.reject(new PoolClosedError('Client is closed'));
    return this.conn.send(name, args, encoding);
  }

  sendBatch(
    commands: readonly (readonly [string, readonly RedisArg[], ReplyEncoding | undefined])[],
  ): Promise<unknown>[] {
    return commands.map(([name, args, encoding]) => this.send(name, args, encoding));
  }

  acquire(): Promise<RedisConnection> {
    if (this.closing) return Promise.reject(new PoolClosedError('Client is closed'));
    return Promise.resolve(this.conn);
  }

  release(): void {}

  close(): void {
    this.closing = true;
    if (this.owns) this.conn.close();
  }

  waitClosed(): Promise<void> {
    return this.owns ? this.conn.waitClosed() : Promise.resolve();
  }
}

/** A client over one connection. */
export async function createRedis(address: AddressInput, options: ConnectionOptions = {}): Promise<Redis> {
  const conn = await createConnection(address, options);
  return new Redis(new SingleConnection(conn, true));
}

/** A client over a pool (`minsize`, `maxsize`); connects `minsize` connections before resolving. */
export async function createRedisPool(address: AddressInput, options: PoolOptions = {}): Promise<Redis> {
  return new Redis(await createPool(address, options));
}
