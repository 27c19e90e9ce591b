import { Logger } from '@nestjs/common';
import type { CustomTransportStrategy, IncomingRequest, ReadPacket, WritePacket } from '@nestjs/microservices';
import { RedisContext, Server } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import type { Redis } from '../client/redis.js';
import { createSentinel, type RedisSentinel, type SentinelEvents } from '../sentinel/index.js';
import {
  failoverGraceOf,
  sentinelOptionsOf,
  validateTransportOptions,
  type SentinelTransportOptions,
  type SentinelTransportStatus,
} from './options.js';
import { FailoverWindow, publishDelivered } from './delivery.js';
import { parsePacket, replyChannelOf } from './packets.js';
import { PendingListeners, followStatus } from './status.js';

/** Nest's own text for a request nobody handles (the client's observable errors with it). */
const NO_MESSAGE_HANDLER = 'There is no matching message handler defined in the remote service.';

/** The transport id Nest's processing hooks see for this strategy. */
export const SENTINEL_TRANSPORT = Symbol('SENTINEL');

type SentinelEventsMap = { [E in keyof SentinelEvents]: (payload: SentinelEvents[E]) => void };

/**
 * A Nest microservices server on a Sentinel service's master, wire-compatible with Nest's Redis
 * transporter. One RedisSentinel carries both the subscriptions (which follow the master through
 * failovers) and the replies (held during the failover's write hold, then sent to the new master).
 */
export class SentinelServer
  extends Server<SentinelEventsMap, SentinelTransportStatus>
  implements CustomTransportStrategy
{
  override transportId = SENTINEL_TRANSPORT;
  protected override readonly logger = new Logger(SentinelServer.name);
  private readonly options: SentinelTransportOptions;
  private sentinel: RedisSentinel | undefined;
  private redis: Redis | undefined;
  private window: FailoverWindow | undefined;
  private readonly pending = new PendingListeners();
  private closing = false;

  constructor(options: SentinelTransportOptions) {
    super();
    this.options = validateTransportOptions(options);
    this.initializeSerializer(options);
    this.initializeDeserializer(options);
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const sentinel = await createSentinel(this.options.sentinels, sentinelOptionsOf(this.options));
      this.sentinel = sentinel;
      // close() came while connecting: it found no sentinel to close, so close this one here.
      if (this.closing) {
        await this.closeSentinel();
        return callback();
      }
      this.pending.attach(sentinel);
      followStatus(sentinel, this.options.service, { next: (status) => this.setStatus(status) });
      this.redis = sentinel.masterFor(this.options.service);
      this.window = new FailoverWindow(sentinel, this.options.service, failoverGraceOf(this.options));
      await this.subscribeAll(this.redis);
      if (this.closing) return callback();
      this.setStatus('connected');
      this.logger.log(`Listening on the master of ${this.options.service}`);
      callback();
    } catch (error) {
      await this.closeSentinel();
      callback(error);
    }
  }

  private async subscribeAll(redis: Redis): Promise<void> {
    const subscriptions = [...this.messageHandlers.keys()].map((pattern) => {
      // Requests and events alike use the pattern itself as the channel, as Nest's Redis server does.
      const channel = pattern;
      if (this.options.wildcards) {
        return redis.psubscribe(channel, (message, concrete) => this.onMessage(channel, message, concrete));
      }
      return redis.subscribe(channel, (message) => this.onMessage(channel, message, channel));
    });
    await Promise.all(subscriptions);
  }

  /** `subscribed`: the channel or pattern the handler is under; `channel`: where the packet was published. */
  private onMessage(subscribed: string, message: string | Buffer, channel: string): void {
    this.handleMessage(subscribed, message, channel).catch((error: unknown) =>
      this.logger.error(`Message on ${channel} failed: ${String(error)}`),
    );
  }

  private async handleMessage(subscribed: string, message: string | Buffer, channel: string): Promise<void> {
    const packet = (await this.deserializer.deserialize(parsePacket(message), { channel })) as IncomingRequest &
      ReadPacket & { metadata?: Record<string, unknown> };
    const context = new RedisContext([channel, packet.metadata] as ConstructorParameters<typeof RedisContext>[0]);
    if (packet.id === undefined) {
      await this.handleEvent(subscribed, packet, context);
      return;
    }
    const respond = this.replier(channel, packet.id);
    const handler = this.getHandlerByPattern(subscribed);
    if (!handler) {
      await respond({ status: 'error', err: NO_MESSAGE_HANDLER } as WritePacket);
      return;
    }
    const produce = async (): Promise<Observable<unknown>> =>
      this.transformToObservable(await handler(packet.data, context)) as Observable<unknown>;
    // Nest 12 runs the processing hooks in handleRequest; Nest 11's base server has only send().
    if (typeof this.handleRequest === 'function') await this.handleRequest(context, produce, respond);
    else this.send(await produce(), respond);
  }

  /** Publishes each response on `<channel>.reply`; a failed PUBLISH is logged, never thrown out of band. */
  private replier(channel: string, id: string): (response: WritePacket) => Promise<void> {
    return async (response) => {
      const [redis, window] = [this.redis, this.window];
      if (redis === undefined || window === undefined || this.closing) return;
      const outgoing: unknown = this.serializer.serialize(Object.assign(response, { id }));
      try {
        await publishDelivered(redis, replyChannelOf(channel), JSON.stringify(outgoing), window, () => !this.closing);
      } catch (error) {
        this.logger.error(`Reply to ${channel} (${id}) not published: ${String(error)}`);
      }
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.closeSentinel();
    this.setStatus('disconnected');
  }

  private async closeSentinel(): Promise<void> {
    const sentinel = this.sentinel;
    this.sentinel = this.redis = this.window = undefined;
    if (sentinel === undefined) return;
    sentinel.close();
    await sentinel.waitClosed();
  }

  private setStatus(status: SentinelTransportStatus): void {
    // oxlint-disable-next-line no-underscore-dangle -- the base class's status subject
    this._status$.next(status);
  }

  /** Forwards a RedisSentinel event ('failover-start', 'switch-master', 'resubscribed', ...). */
  on<E extends keyof SentinelEventsMap>(event: E, callback: SentinelEventsMap[E]): void {
    this.pending.add(event, callback as (...args: never[]) => void, this.sentinel);
  }

  /** The RedisSentinel under this server (after listen): `unwrap<RedisSentinel>().masterFor(service)`. */
  unwrap<T = RedisSentinel>(): T {
    if (this.sentinel === undefined) {
      throw new Error('SentinelServer is not listening: call listen() / startAllMicroservices() first');
    }
    return this.sentinel as T;
  }
}
