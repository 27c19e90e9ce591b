import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../client/redis.js';
import type { RedisSentinel } from '../sentinel/index.js';

/**
 * Whether a service is inside a failover or just out of one. Pub/sub keeps nothing: a message the new
 * master gets before the other side has resubscribed there reaches nobody, so publishes in this
 * window that reached no one are sent again.
 */
export class FailoverWindow {
  private active = false;
  private until = 0;

  constructor(
    sentinel: RedisSentinel,
    service: string,
    private readonly graceMs: number,
  ) {
    const mine = (payload: { service: string }): boolean => payload.service === service;
    sentinel.on('failover-start', (p: { service: string }) => {
      if (mine(p)) this.active = true;
    });
    const end = (p: { service: string }): void => {
      if (!mine(p)) return;
      this.active = false;
      this.until = Date.now() + this.graceMs;
    };
    sentinel.on('failover-end', end);
    sentinel.on('failover-abort', end);
  }

  get open(): boolean {
    return this.active || Date.now() < this.until;
  }
}

const FIRST_RETRY_MS = 25;
const MAX_RETRY_MS = 250;

/**
 * PUBLISH, sent again with back-off while it reached no subscriber during a failover window (the
 * other side is still resubscribing on the new master). Zero receivers means nobody got it, so a
 * repeat cannot deliver twice. Resolves the receiver count of the last PUBLISH.
 */
export async function publishDelivered(
  redis: Redis,
  channel: string,
  message: string,
  window: FailoverWindow,
  wanted: () => boolean = () => true,
): Promise<number> {
  let delay = FIRST_RETRY_MS;
  for (;;) {
    const receivers = await redis.publish(channel, message);
    if (receivers > 0 || !window.open || !wanted()) return receivers;
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}
