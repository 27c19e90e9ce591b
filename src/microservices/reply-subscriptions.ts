import type { Redis } from '../client/redis.js';

interface Entry {
  count: number;
  ready: Promise<void>;
}

/**
 * The client's `.reply` channels: SUBSCRIBE on the first request of a pattern, UNSUBSCRIBE after the
 * last one settles, as Nest's Redis client does (the subscription follows the master by itself).
 */
export class ReplySubscriptions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly redis: Redis,
    private readonly onMessage: (message: string | Buffer) => void,
  ) {}

  acquire(channel: string): { ready: Promise<void>; release: () => void } {
    let entry = this.entries.get(channel);
    if (entry === undefined) {
      const created: Entry = { count: 0, ready: Promise.resolve() };
      created.ready = this.redis.subscribe(channel, this.onMessage).then(
        () => undefined,
        (error: unknown) => {
          // A failed SUBSCRIBE is not kept: the next request on the channel tries again.
          if (this.entries.get(channel) === created) this.entries.delete(channel);
          throw error;
        },
      );
      this.entries.set(channel, created);
      entry = created;
    }
    const mine = entry;
    mine.count += 1;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      mine.count -= 1;
      if (mine.count > 0 || this.entries.get(channel) !== mine) return;
      this.entries.delete(channel);
      // A failed UNSUBSCRIBE leaves only a subscription whose replies nobody routes.
      this.redis.unsubscribe(channel).catch(() => undefined);
    };
    return { ready: mine.ready, release };
  }
}
