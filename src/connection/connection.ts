import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { inspect } from 'node:util';
import Denque from 'denque';
import { formatAddress } from '../address.js';
import { ConnectionClosedError, ProtocolError, RedisError, replyErrorFor } from '../errors.js';
import { WriteBatch } from '../protocol/encode.js';
import { redactedView } from '../redact.js';
import {
  BLOCKING,
  END_TRANSACTION,
  MAY_WRITE,
  MULTI,
  SUBSCRIBE,
  SUBSCRIBER_SAFE,
  TRANSACTION,
  UNWATCH,
  WATCH,
  WRITE,
} from '../protocol/commands.js';
import type { Address, ConnectionOptions, RedisArg, ReplyEncoding, ReplyParser } from '../types.js';
import { Command, buffersFor } from './command.js';
import { CommandTimeout } from './command-timeout.js';
import { Durability } from './durability.js';
import { CONNECTION_DEFAULTS } from './defaults.js';
import type { FailureHandler } from './failure-handler.js';
import { Liveness } from './liveness.js';
import { readSocket } from './socket-reader.js';
import { SubscriberState } from './subscriber-state.js';
import { ConnectionTracer, tracingWanted } from '../tracing/command-tracing.js';

export { Command, buffersFor } from './command.js';
export { createConnection } from './create-connection.js';
export type { FailureHandler } from './failure-handler.js';

function ignore(): void {}

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
 * parser callback. Emits 'message', 'pmessage', 'smessage' in subscriber mode and 'close' once, with
 * the error that closed it (null when closed by the client).
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
  private isClosed = false;
  /** close() was called: the reason given to commands unless something else closed it first. */
  private closedByClient = false;
  private closeError: Error | null = null;
  private fatalError: RedisError | null = null;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  private readonly subscriber: SubscriberState;
  private readonly timeout: CommandTimeout | null;
  private readonly durability: Durability | null;
  private readonly liveness: Liveness | null;
  /** True between MULTI and EXEC / DISCARD queued on this connection. */
  private inMulti = false;
  private watching = false;
  /** @internal A write (or a script / EXEC) was queued here: a pool's WAIT must be sent here too. */
  hasWritten = false;
  /** Whether commands are traced, asked of diagnostics_channel once per flush (the first command of a tick). */
  private tracing = false;
  /** @internal Publishes this connection's commands; a managed pool labels it with its service and role. */
  readonly tracer: ConnectionTracer;

  /** @internal Use createConnection(). */
  constructor(socket: net.Socket, address: Address, options: ConnectionOptions) {
    super();
    this.socket = socket;
    this.address = address;
    this.db = options.db ?? 0;
    this.tracer = new ConnectionTracer(address, this.db);
    const enc = options.encoding === undefined ? 'utf8' : options.encoding;
    this.defaultBuffers = enc === null;
    this.parserBuffers = true;
    this.subscriber = new SubscriberState(
      { queue: this.queue, emit: (event, ...args) => this.emit(event, ...args), afterShift: () => this.afterShift() },
      enc ?? 'utf8',
    );
    const commandTimeout = options.commandTimeout ?? 0;
    this.timeout = commandTimeout > 0 ? new CommandTimeout(commandTimeout, this.queue, formatAddress(address)) : null;
    this.durability = options.durability
      ? new Durability(options.durability.replicas, options.durability.timeout)
      : null;
    const pingInterval = options.pingInterval ?? CONNECTION_DEFAULTS.pingInterval;
    this.liveness =
      pingInterval > 0
        ? new Liveness(
            {
              queue: this.queue,
              inTransaction: () => this.inMulti || this.watching,
              ping: () => this.ping(),
              fail: (reason) => this.fail(reason),
            },
            pingInterval,
          )
        : null;
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.parser = readSocket(socket, address, options.parser, this.liveness, {
      returnReply: (reply) => this.onReply(reply),
      returnError: (error) => this.onReplyError(error),
      fail: (error) => this.onFatal(error),
      error: (err) => (this.closeError ??= err),
      close: () => this.onSocketClose(),
    });
    // Parse replies as Buffers only when the command at the head of the queue asks for them.
    this.setParserBuffers(this.defaultBuffers);
  }

  /** True from the moment close() is called or the socket closes. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Commands sent and not yet answered. */
  get inFlight(): number {
    return this.queue.length;
  }

  /** True while the connection is in subscriber mode (only the SUBSCRIBE family, PING, QUIT, RESET allowed). */
  get inPubSub(): boolean {
    return this.subscriber.active;
  }

  get subscriptions(): { channels: string[]; patterns: string[]; shardChannels: string[] } {
    const s = this.subscriber;
    return { channels: [...s.channels], patterns: [...s.patterns], shardChannels: [...s.shardChannels] };
  }

  /** True after MULTI or WATCH until EXEC / DISCARD (UNWATCH for a watch): not fit to share. */
  get inTransaction(): boolean {
    return this.inMulti || this.watching;
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
    if (!this.flushScheduled) this.tracing = tracingWanted();
    if (this.tracing) command.trace = this.tracer.start(command.name);
    if (this.isClosed) {
      command.reject(this.closedError(false));
      return;
    }
    const flags = command.flags;
    if ((flags & SUBSCRIBE) !== 0) {
      // Subscriber mode refuses WAIT: confirm the writes queued before the SUBSCRIBE ahead of it.
      if (this.durability !== null && !this.subscriber.active) this.pushWait(this.durability);
      this.subscriber.prepare(command);
    } else if (this.subscriber.active && (flags & SUBSCRIBER_SAFE) === 0) {
      command.reject(
        new RedisError(
          `Connection in subscriber mode: ${command.name} is not allowed (only the (P|S)(UN)SUBSCRIBE family, PING, QUIT, RESET)`,
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
    if (this.timeout !== null && (flags & BLOCKING) === 0) this.timeout.arm(command);
    if (this.queue.length === 0 && command.buffers !== this.parserBuffers && !this.subscriber.active) {
      this.setParserBuffers(command.buffers);
    }
    this.queue.push(command);
    this.unflushed++;
    if ((flags & (WRITE | MAY_WRITE)) !== 0) this.hasWritten = true;
    if ((flags & TRANSACTION) !== 0) this.trackTransaction(flags);
    // Inside MULTI a write is only QUEUED: EXEC is what WAIT confirms.
    if (this.durability !== null && !this.inMulti) this.durability.hold(command);
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
  private trackTransaction(flags: number): void {
    if ((flags & MULTI) !== 0) this.inMulti = true;
    else if ((flags & WATCH) !== 0) this.watching = true;
    else if ((flags & UNWATCH) !== 0) this.watching = false;
    else if ((flags & END_TRANSACTION) !== 0) this.inMulti = this.watching = false;
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
    if (this.durability !== null && !this.inMulti) this.pushWait(this.durability);
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

  /** Queues the WAIT for the writes held since the last one, if any. */
  private pushWait(durability: Durability): void {
    const wait = durability.takeWait();
    if (wait === null) return;
    this.batch.push(wait.name, wait.args);
    this.queue.push(wait);
    this.unflushed++;
  }

  /** An internal PING, settled in advance so that its reply reaches no one. */
  private ping(): void {
    if (this.isClosed) return;
    const ping = new Command('PING', [], false, ignore, ignore);
    ping.done = true;
    this.batch.push(ping.name, ping.args);
    this.queue.push(ping);
    this.unflushed++;
    this.write();
  }

  /** Closes the connection as lost: commands in flight see an ordinary close (onClosed). */
  private fail(reason: string): void {
    if (this.isClosed) return;
    this.closeError = new ConnectionClosedError(`${formatAddress(this.address)} ${reason}`);
    this.isClosed = true;
    this.socket.destroy();
  }

  /** Closes the socket at once; commands in flight reject with ConnectionClosedError. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedByClient = true;
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

  private onReply(reply: unknown): void {
    // Confirmations also come outside subscriber mode: an UNSUBSCRIBE sent while not subscribed is
    // answered with one `unsubscribe` array per channel, which must count toward that command.
    // A command queued before SUBSCRIBE gets its own reply even if it is an array that starts with
    // 'message' (an LRANGE, say).
    const confirming = (this.queue.peekFront()?.expected ?? 0) > 0;
    if ((confirming || this.subscriber.pushes) && Array.isArray(reply) && this.subscriber.onPush(reply)) return;
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

  /** The head of the queue was removed: count it, and parse the next reply as its command wants. */
  private afterShift(): void {
    const subscriber = this.subscriber;
    if (subscriber.ahead > 0) subscriber.ahead--;
    const next = this.queue.peekFront();
    const want = next === undefined || subscriber.pushes ? this.defaultBuffers : next.buffers;
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
    if (command.expected > 0) this.subscriber.refused();
    this.afterShift();
    if (command.done) return;
    const error = replyErrorFor(raw.message, command.name);
    const handler = this.failureHandler;
    if (handler?.onReplyError !== undefined) {
      // The attempt ends here, also when the handler sends the command again.
      if (command.trace !== null) command.endAttempt(error);
      if (handler.onReplyError(command, error, this)) return;
    }
    command.reject(error);
  }

  private onFatal(error: RedisError): void {
    // A protocol error explains the close better than close() called in response to it.
    if (this.closeError === null) this.closeError = error;
    this.fatalError = error;
    this.isClosed = true;
    this.socket.destroy();
  }

  private closedError(written: boolean): RedisError {
    if (this.fatalError !== null) return this.fatalError;
    const why = this.closeError?.message ?? (this.closedByClient ? 'closed by the client' : null);
    const reason = why === null ? '' : `: ${why}`;
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
    this.timeout?.stop();
    this.liveness?.stop();
    const pending: Command[] = [];
    const written: boolean[] = [];
    const writtenCount = this.queue.length - this.unflushed;
    let i = 0;
    for (let c = this.queue.shift(); c !== undefined; c = this.queue.shift(), i++) {
      if (c.done) continue;
      if (c.trace !== null) c.endAttempt(this.closedError(i < writtenCount));
      pending.push(c);
      written.push(i < writtenCount);
    }
    this.unflushed = 0;
    this.subscriber.ahead = 0;
    this.batch.take();
    this.parser.reset();
    if (pending.length > 0) {
      const handler = this.failureHandler;
      if (handler?.onClosed !== undefined && this.fatalError === null) {
        handler.onClosed(pending, written, this.closedError(true) as ConnectionClosedError, this);
      } else {
        for (let k = 0; k < pending.length; k++) pending[k]!.reject(this.closedError(written[k]!));
      }
    }
    this.emit('close', this.fatalError ?? this.closeError);
    this.resolveClosed();
  }
}

function flush(connection: RedisConnection): void {
  connection.flushNow();
}
