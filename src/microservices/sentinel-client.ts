import { Logger } from '@nestjs/common';
import type { ReadPacket, WritePacket } from '@nestjs/microservices';
import { ClientProxy } from '@nestjs/microservices';
import type { Redis } from '../client/redis.js';
import { ConnectionClosedError, TimeoutError } from '../errors.js';
import { createSentinel, type RedisSentinel, type SentinelEvents } from '../sentinel/index.js';
import {
  TRANSPORT_DEFAULTS,
  failoverGraceOf,
  sentinelOptionsOf,
  validateTransportOptions,
  type SentinelTransportOptions,
  type SentinelTransportStatus,
} from './options.js';
import { parsePacket, replyChannelOf } from './packets.js';
import { FailoverWindow, publishDelivered } from './delivery.js';
import { ReplySubscriptions } from './reply-subscriptions.js';
import { PendingListeners, followStatus } from './status.js';

type SentinelEventsMap = { [E in keyof SentinelEvents]: (payload: SentinelEvents[E]) => void };

/**
 * A Nest ClientProxy over a Sentinel service's master, wire-compatible with Nest's Redis transporter
 * (`ClientsModule.register([{ name, customClass: SentinelClient, options }])`). Every request settles:
 * by its reply, or by TimeoutError after `requestTimeout`, or by ConnectionClosedError on close().
 */
// Status stays `string` in the type so the class fits ClientsModule's `customClass: Type<ClientProxy>`.
export class SentinelClient extends ClientProxy<SentinelEventsMap> {
  private readonly logger = new Logger(SentinelClient.name);
  private readonly options: SentinelTransportOptions;
  private readonly requestTimeout: number;
  private connecting: Promise<RedisSentinel> | undefined;
  private sentinel: RedisSentinel | undefined;
  private replies: ReplySubscriptions | undefined;
  private window: FailoverWindow | undefined;
  private readonly pending = new PendingListeners();
  /** Counts connects and closes, so a connect overtaken by close() drops what it opened. */
  private generation = 0;

  constructor(options: SentinelTransportOptions) {
    super();
    this.options = validateTransportOptions(options);
    this.requestTimeout = options.requestTimeout ?? TRANSPORT_DEFAULTS.requestTimeout;
    this.initializeSerializer(options);
    this.initializeDeserializer(options);
  }

  connect(): Promise<RedisSentinel> {
    if (this.connecting === undefined) {
      const connecting = this.open(++this.generation);
      this.connecting = connecting;
      // A failed start leaves nothing behind, so the next connect() tries again.
      connecting.catch(() => {
        if (this.connecting === connecting) this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async open(generation: number): Promise<RedisSentinel> {
    const sentinel = await createSentinel(this.options.sentinels, sentinelOptionsOf(this.options));
    if (generation !== this.generation) {
      // close() came while connecting: this sentinel is not wanted any more.
      sentinel.close();
      await sentinel.waitClosed();
      throw new ConnectionClosedError('SentinelClient closed while connecting');
    }
    this.sentinel = sentinel;
    this.pending.attach(sentinel);
    followStatus(sentinel, this.options.service, { next: (status) => this.setStatus(status) });
    const redis: Redis = sentinel.masterFor(this.options.service);
    this.window = new FailoverWindow(sentinel, this.options.service, failoverGraceOf(this.options));
    this.replies = new ReplySubscriptions(redis, (message) => this.onReply(message));
    this.setStatus('connected');
    return sentinel;
  }

  /** A reply on a `.reply` channel: routed to its request by id; anything unexpected is logged. */
  private onReply(message: string | Buffer): void {
    void (async () => {
      const { id, err, response, isDisposed } = (await this.deserializer.deserialize(
        parsePacket(message),
      )) as WritePacket & {
        id?: string;
      };
      const callback = id === undefined ? undefined : this.routingMap.get(id);
      if (callback === undefined) return;
      // As Nest's Redis client: an error ends the request like a final reply.
      (callback as (packet: WritePacket) => void)({ err, response, isDisposed: Boolean(isDisposed || err) });
    })().catch((error: unknown) => this.logger.error(`A reply could not be read: ${String(error)}`));
  }

  protected publish(partialPacket: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const replies = this.replies;
    const window = this.window;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let id: string | undefined;
    let release: (() => void) | undefined;
    const teardown = (): void => {
      done = true;
      clearTimeout(timer);
      if (id !== undefined) this.routingMap.delete(id);
      release?.();
      release = undefined;
    };
    const settle = (packet: WritePacket): void => {
      if (done) return;
      if (packet.isDisposed || packet.err) teardown();
      else arm();
      try {
        callback(packet);
      } catch (error) {
        // Called from a timer or a reply: a throwing observer must not escape out of band.
        this.logger.error(`A request's callback failed: ${String(error)}`);
      }
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () => settle({ err: new TimeoutError(`No reply to ${pattern} within ${this.requestTimeout} ms`) }),
        this.requestTimeout,
      );
    };
    let pattern = '';
    try {
      if (replies === undefined || window === undefined)
        throw new ConnectionClosedError('SentinelClient is not connected');
      const packet = this.assignPacketId(partialPacket);
      id = packet.id;
      pattern = this.normalizePattern(partialPacket.pattern);
      const serialized: unknown = this.serializer.serialize(packet);
      this.routingMap.set(packet.id, settle);
      arm();
      const reply = replies.acquire(replyChannelOf(pattern));
      release = reply.release;
      reply.ready
        .then(async () => {
          if (!done) await publishDelivered(replies.redis, pattern, JSON.stringify(serialized), window, () => !done);
        })
        .catch((err: unknown) => settle({ err }));
    } catch (err) {
      settle({ err });
    }
    return teardown;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const [replies, window] = [this.replies, this.window];
    if (replies === undefined || window === undefined)
      throw new ConnectionClosedError('SentinelClient is not connected');
    const pattern = this.normalizePattern(packet.pattern);
    const serialized: unknown = this.serializer.serialize(packet);
    await publishDelivered(replies.redis, pattern, JSON.stringify(serialized), window);
    return undefined as T;
  }

  /** Rejects every pending request with ConnectionClosedError, then closes the sentinel. connect() may reopen. */
  async close(): Promise<void> {
    const sentinel = this.sentinel;
    this.generation += 1;
    this.sentinel = this.replies = this.connecting = this.window = undefined;
    const callbacks = [...this.routingMap.values()];
    this.routingMap.clear();
    const err = new ConnectionClosedError('SentinelClient closed before the reply arrived', {
      mayHaveBeenApplied: true,
    });
    for (const callback of callbacks) {
      try {
        (callback as (packet: WritePacket) => void)({ err, isDisposed: true });
      } catch (error) {
        this.logger.error(`A pending request's callback failed on close: ${String(error)}`);
      }
    }
    if (sentinel !== undefined) {
      sentinel.close();
      await sentinel.waitClosed();
      this.setStatus('disconnected');
    }
  }

  private setStatus(status: SentinelTransportStatus): void {
    // oxlint-disable-next-line no-underscore-dangle -- the base class's status subject
    this._status$.next(status);
  }

  /** Forwards a RedisSentinel event ('failover-start', 'switch-master', 'resubscribed', ...). */
  override on<E extends keyof SentinelEventsMap>(event: E, callback: SentinelEventsMap[E]): void {
    this.pending.add(event, callback as (...args: never[]) => void, this.sentinel);
  }

  /** The RedisSentinel under this client (after connect()). */
  unwrap<T = RedisSentinel>(): T {
    if (this.sentinel === undefined) throw new Error('SentinelClient is not connected: call connect() first');
    return this.sentinel as T;
  }
}
