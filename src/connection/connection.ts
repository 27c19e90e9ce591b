import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { inspect } from 'node:util';
import Denque from 'denque';
import RedisParser from 'redis-parser';
import { formatAddress, parseAddress } from '../address.js';
import {
  ConnectionClosedError,
  DurabilityError,
  ProtocolError,
  RedisError,
  ReplyError,
  TimeoutError,
  replyErrorFor,
} from '../errors.js';
import { WriteBatch } from '../protocol/encode.js';
import { redactedView } from '../redact.js';
import { BLOCKING, READONLY, SUBSCRIBE, TRANSACTION, WRITE, commandFlags } from '../protocol/commands.js';
import type {
  Address,
  AddressInput,
  ConnectionOptions,
  RedisArg,
  ReplyEncoding,
  ReplyParser,
  ReplyParserOptions,
} from '../types.js';

/** One command waiting for its reply. Pools keep a reference to send it again after a failover. */
export class Command {
  /** Set once the command has been settled early (timeout); its reply is still consumed in order. */
  done = false;
  /** Coarse clock tick after which the command times out (Infinity: never). */
  deadline = Infinity;
  /** Confirmations still expected for a (P)SUBSCRIBE / (P)UNSUBSCRIBE. */
  expected = 0;
  /** Times a pool has sent it again (READONLY or a dropped connection). */
  attempts = 0;
  /** durability: the reply waits for the WAIT sent after this flush before it resolves. */
  held = false;
  answered = false;
  value: unknown = undefined;

  /** What the command table says about it (READONLY, BLOCKING, ...), looked up once per command. */
  readonly flags: number;

  constructor(
    readonly name: string,
    readonly args: readonly RedisArg[],
    readonly buffers: boolean,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: Error) => void,
  ) {
    this.flags = commandFlags(name);
  }
}

/**
 * What a connection does with a failed command. The default rejects; a managed pool replaces it to
 * send a command again elsewhere (READONLY, or a read-only command on a dropped connection).
 */
export interface FailureHandler {
  /** Any error reply of a command not yet settled; return true when the handler took the command. */
  onReplyError?(command: Command, error: ReplyError, connection: RedisConnection): boolean;
  /** Connection closed with these commands unanswered; `written[i]` says if it reached the socket. */
  onClosed?(commands: Command[], written: boolean[], error: ConnectionClosedError, connection: RedisConnection): void;
}

const DEFAULT_CONNECT_TIMEOUT = 10_000;

/**
 * Whether replies are wanted as Buffers: `null` yes, `'utf8'` no, `undefined` the client's default.
 * Other encodings are refused rather than silently decoded as UTF-8.
 */
export function buffersFor(encoding: ReplyEncoding | undefined, fallback: boolean): boolean {
  if (encoding === undefined) return fallback;
  if (encoding === null) return true;
  if (encoding === 'utf8' || encoding === 'utf-8') return false;
  throw new TypeError(`Unsupported reply encoding ${JSON.stringify(encoding)}: use 'utf8' (strings) or null (Buffers)`);
}

function defaultParser(options: ReplyParserOptions): ReplyParser {
  return new RedisParser(options) as unknown as ReplyParser;
}

function toText(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString() : String(value);
}

/**
 * Commands queued in one tick leave in one write, except that a write goes out as soon as this many
 * are queued (or EARLY_FLUSH_BYTES of them): then the server works on the first ones while the client
 * issues the rest, instead of the two taking turns. Measured (npm run bench, through Sentinel):
 * 100 concurrent GETs 434k -> 732k ops/s, 1 KB SET+GET c50 226k -> 368k, pipelines of 100 392k -> 431k;
 * 16 and 32 commands did no better than 24, and a byte limit changed nothing for small values.
 */
const EARLY_FLUSH_COMMANDS = 24;
const EARLY_FLUSH_BYTES = 64 * 1024;

/**
 * One socket to one Redis server: commands are queued in order, those issued in the same tick leave
 * together (in writes of EARLY_FLUSH_COMMANDS), and replies are matched to the queue straight from the
 * parser callback.
 */
export class RedisConnection extends EventEmitter {
  /** util.inspect / console.log: the socket as a summary (a TLS socket keeps its key options), no secrets. */
  [inspect.custom](): object {
    return redactedView(this);
  }

  readonly address: Address;
  /** The db selected at connect time. */
  readonly db: number;
  /** Generation tag a pool puts on its connections; a pool drops connections of an older one. */
  generation = 0;
  failureHandler: FailureHandler | null = null;

  private readonly socket: net.Socket;
  private readonly parser: ReplyParser;
  private readonly queue = new Denque<Command>();
  private readonly batch = new WriteBatch();
  /** Commands at the tail of `queue` that are not written yet. */
  private unflushed = 0;
  private flushScheduled = false;
  private parserBuffers: boolean;
  private readonly defaultBuffers: boolean;
  private readonly encoding: BufferEncoding;
  private isClosed = false;
  private closeError: Error | null = null;
  private fatalError: RedisError | null = null;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private readonly channels = new Set<string>();
  private readonly patterns = new Set<string>();
  /** True from the first SUBSCRIBE sent until the server confirms there is no subscription left. */
  private subscriberMode = false;
  /**
   * Commands queued before the SUBSCRIBE that started subscriber mode and not yet answered: their
   * replies are theirs, not pub/sub pushes.
   */
  private aheadOfSubscribe = 0;
  private readonly commandTimeout: number;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private tick = 0;
  private tickMs = 0;
  private readonly durability: { replicas: number; timeout: number } | null;
  /** True between MULTI and EXEC / DISCARD queued on this connection. */
  private inMulti = false;
  private watching = false;
  /** Writes of the current flush, confirmed together by one WAIT (durability option). */
  private waitGroup: Command[] | null = null;

  /** @internal Use createConnection(). */
  constructor(socket: net.Socket, address: Address, options: ConnectionOptions) {
    super();
    this.socket = socket;
    this.address = address;
    this.db = options.db ?? 0;
    const enc = options.encoding === undefined ? 'utf8' : options.encoding;
    this.defaultBuffers = enc === null;
    this.encoding = enc ?? 'utf8';
    this.parserBuffers = true;
    this.commandTimeout = options.commandTimeout ?? 0;
    this.durability = options.durability ?? null;
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.parser = (options.parser ?? defaultParser)({
      returnReply: (reply) => this.onReply(reply),
      returnError: (error) => this.onReplyError(error),
      returnFatalError: (error) =>
        this.onFatal(
          new ProtocolError(`Protocol error from ${formatAddress(address)}: ${error.message}`, { cause: error }),
        ),
      returnBuffers: true,
      stringNumbers: false,
    });
    // Parse replies as Buffers only when the command at the head of the queue asks for them.
    this.setParserBuffers(this.defaultBuffers);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.execute(chunk);
      } catch (err) {
        // A throwing reply handler or a parser bug must not crash the process: fail this connection.
        this.onFatal(
          err instanceof RedisError
            ? err
            : new ProtocolError(`Failed to handle reply from ${formatAddress(address)}: ${(err as Error).message}`, {
                cause: err,
              }),
        );
      }
    });
    socket.on('error', (err) => {
      this.closeError ??= err;
    });
    socket.on('close', () => this.onSocketClose());
  }

  /** True from the moment close() is called or the socket closes. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Commands sent and not yet answered. */
  get inFlight(): number {
    return this.queue.length;
  }

  /** True while the connection is in subscriber mode (only (P)(UN)SUBSCRIBE and PING allowed). */
  get inPubSub(): boolean {
    return this.subscriberMode;
  }

  get subscriptions(): { channels: string[]; patterns: string[] } {
    return { channels: [...this.channels], patterns: [...this.patterns] };
  }

  /** Runs any command: `execute('SET', 'k', 'v')`. */
  execute<T = unknown>(command: string, ...args: RedisArg[]): Promise<T> {
    return this.send(command, args) as Promise<T>;
  }

  /** Sends one command; `encoding` overrides the connection's (`null`: Buffers). */
  send(name: string, args: readonly RedisArg[], encoding?: ReplyEncoding): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.enqueue(new Command(name, args, buffersFor(encoding, this.defaultBuffers), resolve, reject));
    });
  }

  /** Queues a prepared command (pools use this to send a command again). Never throws. */
  enqueue(command: Command): void {
    if (this.isClosed) {
      command.reject(this.closedError(false));
      return;
    }
    const flags = command.flags;
    if ((flags & SUBSCRIBE) !== 0) {
      // Subscriber mode refuses WAIT: confirm the writes queued before the SUBSCRIBE ahead of it.
      if (this.waitGroup !== null && !this.subscriberMode) this.pushWait(this.waitGroup);
      this.prepareSubscribe(command);
    } else if (this.subscriberMode && !/^(ping|quit|reset)$/i.test(command.name)) {
      command.reject(
        new RedisError(
          `Connection in subscriber mode: ${command.name} is not allowed (only (P)SUBSCRIBE, (P)UNSUBSCRIBE, PING)`,
        ),
      );
      return;
    }
    try {
      this.batch.push(command.name, command.args);
    } catch (err) {
      command.reject(err as Error);
      return;
    }
    if (this.commandTimeout > 0 && (flags & BLOCKING) === 0) this.armTimeout(command);
    if (this.queue.length === 0 && command.buffers !== this.parserBuffers && !this.subscriberMode) {
      this.setParserBuffers(command.buffers);
    }
    this.queue.push(command);
    this.unflushed++;
    if ((flags & TRANSACTION) !== 0) this.trackTransaction(command.name);
    // Inside MULTI a write is only QUEUED: EXEC is what WAIT confirms.
    if (this.durability !== null && !this.inMulti && needsWait(flags, command.name)) {
      command.held = true;
      (this.waitGroup ??= []).push(command);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flush, this);
    }
    // A long tick does not wait for its end: the server starts on the first commands while the
    // client is still issuing the rest (see EARLY_FLUSH_COMMANDS). A transaction leaves whole.
    if ((this.unflushed >= EARLY_FLUSH_COMMANDS || this.batch.size >= EARLY_FLUSH_BYTES) && !this.inMulti) {
      this.write();
    }
  }

  /** MULTI opens a transaction and WATCH a watch on this connection; EXEC / DISCARD end both. */
  private trackTransaction(name: string): void {
    const lower = name.toLowerCase();
    if (lower === 'multi') this.inMulti = true;
    else if (lower === 'watch') this.watching = true;
    else if (lower === 'unwatch') this.watching = false;
    else if (lower === 'exec' || lower === 'discard') this.inMulti = this.watching = false;
  }

  /** True after MULTI or WATCH until EXEC / DISCARD (UNWATCH for a watch): not fit to share. */
  get inTransaction(): boolean {
    return this.inMulti || this.watching;
  }

  /** @internal Writes every command queued this tick (the end-of-tick flush). */
  flushNow(): void {
    this.flushScheduled = false;
    this.write();
  }

  /** Writes the queued commands in one socket write (plus a WAIT for their writes under durability). */
  private write(): void {
    if (this.batch.empty || this.isClosed) return;
    // Under durability, WAIT goes after EXEC: inside MULTI it would only be queued.
    if (this.waitGroup !== null && !this.inMulti) this.pushWait(this.waitGroup);
    const out = this.batch.take();
    this.unflushed = 0;
    if (typeof out === 'string') {
      this.socket.write(out);
    } else {
      this.socket.cork();
      for (const chunk of out) this.socket.write(chunk);
      this.socket.uncork();
    }
  }

  /** One WAIT after a flush's writes; they resolve when it confirms enough replicas. */
  private pushWait(group: Command[]): void {
    this.waitGroup = null;
    const { replicas, timeout } = this.durability!;
    const settle = (confirmed: unknown) => {
      for (const c of group) {
        if (!c.answered || c.done) continue;
        if (Number(confirmed) >= replicas) c.resolve(c.value);
        else
          c.reject(
            new DurabilityError(
              `${c.name} was applied by the master but confirmed by ${String(confirmed)} of ${replicas} replicas within ${timeout} ms; it may be lost in a failover`,
            ),
          );
      }
    };
    const fail = (error: Error) => {
      for (const c of group) {
        if (!c.answered || c.done) continue;
        c.reject(
          new ConnectionClosedError(
            `${c.name} was applied by the master but not confirmed by replicas: ${error.message}`,
            { mayHaveBeenApplied: true },
          ),
        );
      }
    };
    const wait = new Command('WAIT', [replicas, timeout], false, settle, fail);
    wait.attempts = Infinity;
    this.batch.push(wait.name, wait.args);
    this.queue.push(wait);
    this.unflushed++;
  }

  /** Closes the socket at once; commands in flight reject with ConnectionClosedError. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError ??= new Error('closed by the client');
    this.socket.destroy();
  }

  /** Resolves once the socket is closed and every command in flight has settled. */
  waitClosed(): Promise<void> {
    return this.closedPromise;
  }

  private setParserBuffers(buffers: boolean): void {
    this.parserBuffers = buffers;
    this.parser.setReturnBuffers(buffers);
  }

  private prepareSubscribe(command: Command): void {
    const name = command.name.toLowerCase();
    const set = name.startsWith('p') ? this.patterns : this.channels;
    const names = command.args.map(toText);
    if (name === 'subscribe' || name === 'psubscribe' || name === 'ssubscribe') {
      for (const n of names) set.add(n);
      command.expected = Math.max(1, names.length);
      if (!this.subscriberMode) this.aheadOfSubscribe = this.queue.length;
      this.subscriberMode = true;
    } else {
      command.expected = names.length > 0 ? names.length : Math.max(1, set.size);
      if (names.length === 0) set.clear();
      else for (const n of names) set.delete(n);
    }
  }

  private onReply(reply: unknown): void {
    // Confirmations also come outside subscriber mode: an UNSUBSCRIBE sent while not subscribed is
    // answered with one `unsubscribe` array per channel, which must count toward that command.
    // A command queued before SUBSCRIBE gets its own reply even if it is an array that starts with
    // 'message' (an LRANGE, say).
    const confirming = (this.queue.peekFront()?.expected ?? 0) > 0;
    const pushes = this.subscriberMode && this.aheadOfSubscribe === 0;
    if ((pushes || confirming) && Array.isArray(reply) && this.onPubSubReply(reply)) return;
    const command = this.queue.shift();
    if (command === undefined) {
      this.onFatal(new ProtocolError(`Unexpected reply from ${formatAddress(this.address)} with no command waiting`));
      return;
    }
    this.afterShift();
    if (command.held) {
      command.value = reply;
      command.answered = true;
    } else if (!command.done) command.resolve(reply);
  }

  /** Handles a push in subscriber mode; false when the reply belongs to an ordinary command. */
  private onPubSubReply(reply: unknown[]): boolean {
    const kind = toText(reply[0]);
    switch (kind) {
      case 'message':
        this.emit('message', this.decodeText(reply[1]), reply[2]);
        return true;
      case 'pmessage':
        this.emit('pmessage', this.decodeText(reply[1]), this.decodeText(reply[2]), reply[3]);
        return true;
      case 'smessage':
        this.emit('smessage', this.decodeText(reply[1]), reply[2]);
        return true;
      case 'subscribe':
      case 'psubscribe':
      case 'ssubscribe':
      case 'unsubscribe':
      case 'punsubscribe':
      case 'sunsubscribe': {
        const count = Number(reply[2]);
        const command = this.queue.peekFront();
        if (command !== undefined && --command.expected <= 0) {
          this.queue.shift();
          this.afterShift();
          if (!command.done) command.resolve(count);
        }
        if (count === 0 && kind.endsWith('unsubscribe') && this.channels.size === 0 && this.patterns.size === 0) {
          this.subscriberMode = false;
        }
        return true;
      }
      case 'pong': {
        const command = this.queue.shift();
        if (command !== undefined) {
          this.afterShift();
          // ['pong', message]: resolve what PING resolves outside subscriber mode, in the call's encoding.
          const value = command.args.length > 0 ? reply[1] : 'PONG';
          const buffer = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
          if (!command.done) command.resolve(command.buffers ? buffer : toText(value));
        }
        return true;
      }
      default:
        return false;
    }
  }

  private decodeText(value: unknown): string {
    return Buffer.isBuffer(value) ? value.toString(this.encoding) : String(value);
  }

  private afterShift(): void {
    if (this.aheadOfSubscribe > 0) this.aheadOfSubscribe--;
    const next = this.queue.peekFront();
    const want =
      next === undefined || (this.subscriberMode && this.aheadOfSubscribe === 0) ? this.defaultBuffers : next.buffers;
    if (want !== this.parserBuffers) this.setParserBuffers(want);
  }

  private onReplyError(raw: Error): void {
    const command = this.queue.shift();
    if (command === undefined) {
      this.onFatal(
        new ProtocolError(`Unexpected error reply from ${formatAddress(this.address)} with no command waiting`),
      );
      return;
    }
    // A refused (P)SUBSCRIBE (no channel given, for example) subscribed to nothing: with no
    // subscription left, the connection is not in subscriber mode.
    if (command.expected > 0 && this.channels.size === 0 && this.patterns.size === 0) this.subscriberMode = false;
    this.afterShift();
    const error = replyErrorFor(raw.message, command.name);
    if (command.done) return;
    if (this.failureHandler?.onReplyError?.(command, error, this) === true) return;
    command.reject(error);
  }

  private onFatal(error: RedisError): void {
    if (this.closeError === null || this.closeError.message === 'closed by the client') this.closeError = error;
    this.fatalError = error;
    this.isClosed = true;
    this.socket.destroy();
  }

  private closedError(written: boolean): RedisError {
    if (this.fatalError !== null) return this.fatalError;
    const reason = this.closeError ? `: ${this.closeError.message}` : '';
    return new ConnectionClosedError(
      written
        ? `Connection to ${formatAddress(this.address)} closed before the reply arrived${reason}; the command may or may not have been applied`
        : `Connection to ${formatAddress(this.address)} is closed${reason}`,
      { mayHaveBeenApplied: written },
    );
  }

  private onSocketClose(): void {
    this.isClosed = true;
    this.flushScheduled = false;
    if (this.timeoutTimer !== null) clearInterval(this.timeoutTimer);
    this.timeoutTimer = null;
    const pending: Command[] = [];
    const written: boolean[] = [];
    const writtenCount = this.queue.length - this.unflushed;
    let i = 0;
    for (let c = this.queue.shift(); c !== undefined; c = this.queue.shift(), i++) {
      if (c.done) continue;
      pending.push(c);
      written.push(i < writtenCount);
    }
    this.unflushed = 0;
    this.aheadOfSubscribe = 0;
    this.batch.take();
    this.parser.reset();
    if (pending.length > 0) {
      const handler = this.failureHandler?.onClosed;
      if (handler !== undefined && this.fatalError === null) {
        handler(pending, written, this.closedError(true) as ConnectionClosedError, this);
      } else {
        for (let k = 0; k < pending.length; k++) pending[k]!.reject(this.closedError(written[k]!));
      }
    }
    this.emit('close', this.fatalError ?? this.closeError);
    this.resolveClosed();
  }

  private armTimeout(command: Command): void {
    if (this.timeoutTimer === null) {
      // One coarse clock per connection instead of a timer per command: ticks of a tenth of the timeout.
      this.tickMs = Math.max(1, Math.min(100, Math.floor(this.commandTimeout / 10)));
      this.timeoutTimer = setInterval(() => this.onTick(), this.tickMs);
      this.timeoutTimer.unref();
    }
    command.deadline = this.tick + Math.ceil(this.commandTimeout / this.tickMs);
  }

  private onTick(): void {
    this.tick++;
    const n = this.queue.length;
    if (n === 0) {
      clearInterval(this.timeoutTimer!);
      this.timeoutTimer = null;
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = this.queue.peekAt(i)!;
      if (c.done) continue;
      if (c.deadline > this.tick) {
        if (c.deadline !== Infinity) break;
        continue;
      }
      c.done = true;
      c.reject(
        new TimeoutError(
          `Command ${c.name} timed out after ${this.commandTimeout} ms on ${formatAddress(this.address)}`,
        ),
      );
    }
  }
}

const WAIT_AFTER = new Set(['exec', 'eval', 'evalsha', 'fcall', 'EXEC', 'EVAL', 'EVALSHA', 'FCALL']);

/** Commands whose effect WAIT should confirm under the durability option. */
function needsWait(flags: number, name: string): boolean {
  return (flags & WRITE) !== 0 || ((flags & READONLY) === 0 && WAIT_AFTER.has(name));
}

function flush(connection: RedisConnection): void {
  connection.flushNow();
}

/** Opens a socket (net or tls), then AUTH / SELECT / CLIENT SETNAME in one write; rejects with a typed error. */
export async function createConnection(
  address: AddressInput,
  options: ConnectionOptions = {},
): Promise<RedisConnection> {
  const parsed = parseAddress(address);
  buffersFor(options.encoding, false);
  // Checked before connecting: thrown after AUTH was sent, it left AUTH's promise to reject unobserved.
  if (options.db !== undefined && options.db !== 0 && (!Number.isInteger(options.db) || options.db < 0)) {
    throw new TypeError(`db must be a non-negative integer, got ${String(options.db)}`);
  }
  const connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  const useTls = parsed.tls || (options.ssl !== undefined && options.ssl !== false);
  const where = formatAddress(parsed);
  const deadline = Date.now() + connectTimeout;

  const socket = await new Promise<net.Socket>((resolve, reject) => {
    let sock: net.Socket;
    const onError = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new ConnectionClosedError(`Could not connect to ${where}: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TimeoutError(`Could not connect to ${where} within ${connectTimeout} ms`));
    }, connectTimeout);
    if (useTls) {
      const tlsOptions: tls.ConnectionOptions = typeof options.ssl === 'object' ? options.ssl : {};
      sock = tls.connect(
        {
          servername: net.isIP(parsed.host) ? undefined : parsed.host,
          ...tlsOptions,
          host: parsed.host,
          port: parsed.port,
        },
        () => {
          clearTimeout(timer);
          sock.off('error', onError);
          resolve(sock);
        },
      );
    } else {
      sock = net.connect({ host: parsed.host, port: parsed.port }, () => {
        clearTimeout(timer);
        sock.off('error', onError);
        resolve(sock);
      });
    }
    sock.once('error', onError);
  });

  const connection = new RedisConnection(socket, [parsed.host, parsed.port], options);
  try {
    const setup: Promise<unknown>[] = [];
    if (options.password !== undefined && options.password !== null) {
      setup.push(
        options.username !== undefined
          ? connection.send('AUTH', [options.username, options.password])
          : connection.send('AUTH', [options.password]),
      );
    }
    if (options.db !== undefined && options.db !== 0) setup.push(connection.send('SELECT', [options.db]));
    if (options.name !== undefined) setup.push(connection.send('CLIENT', ['SETNAME', options.name]));
    if (setup.length > 0) {
      const remaining = Math.max(1, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new TimeoutError(`Connection set-up on ${where} did not finish within ${connectTimeout} ms`)),
          remaining,
        );
      });
      try {
        await Promise.race([Promise.all(setup), timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
  } catch (err) {
    connection.close();
    // Settle the other set-up commands before the caller sees the error, so nothing is left pending.
    await connection.waitClosed();
    throw err;
  }
  return connection;
}
