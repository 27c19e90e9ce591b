// A subscriber through the managed client and a publisher on the current master, for the failover
// rounds: after each switch, every message published on the new master once the subscription is
// back there must arrive.

import { sameAddress } from '../../src/address.js';
import { createConnection, type Redis, type RedisConnection } from '../../src/index.js';
import { command } from '../../src/testing/commands.js';
import { waitFor } from '../../src/testing/index.js';
import type { Address } from '../../src/types.js';
import { sleep } from './workload.js';

/** Pause between two PUBLISHes, in ms: a few hundred messages per second, next to the writers. */
const PUBLISH_EVERY_MS = 5;

interface Published {
  n: number;
  /** performance.now() when the PUBLISH was sent. */
  sentAt: number;
  address: Address;
  /** PUBLISH's reply: how many subscribers the server delivered it to. */
  receivers: number;
}

export interface ProbeWindow {
  /** Messages published on the master after the subscription was back there, in the window. */
  counted: number;
  /** Of those, the numbers that never arrived. */
  lost: number[];
  /** Of those, how many arrived more than once. */
  duplicated: number;
}

/**
 * Subscribes `redis` to a channel of its own and publishes numbered messages on `target` through a
 * plain connection of its own, reopened whenever `retarget` names another master.
 */
export class PubSubProbe {
  readonly channel: string;
  /** Message number -> how many times it arrived. */
  readonly received = new Map<number, number>();
  readonly published: Published[] = [];
  publishFailures = 0;
  private target: Address;
  private conn: RedisConnection | undefined;
  private connAddress: Address | undefined;
  private next = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    master: Address,
  ) {
    this.channel = `${prefix}probe`;
    this.target = master;
  }

  async start(): Promise<void> {
    await this.redis.subscribe(this.channel, (message) => {
      const n = Number(String(message));
      this.received.set(n, (this.received.get(n) ?? 0) + 1);
    });
    this.loop = this.run();
  }

  /** Publishes on `master` from now on (the previous connection is closed). */
  retarget(master: Address): void {
    this.target = master;
  }

  /**
   * Polls PUBSUB NUMSUB on `master` until it counts a subscriber, and resolves with performance.now()
   * then; resolves 'master changed' as soon as `changed()` says `master` is no longer the master.
   */
  async waitUntilSubscribed(
    master: Address,
    timeoutMs: number,
    changed: () => boolean,
  ): Promise<number | 'master changed'> {
    return waitFor(
      `the subscription to ${this.channel} to be back on ${master.join(':')}`,
      async () => {
        if (changed()) return 'master changed' as const;
        const reply = (await command(master, { timeoutMs: 1_000 }, 'PUBSUB', 'NUMSUB', this.channel)) as unknown[];
        return Number(reply[1]) >= 1 ? performance.now() : undefined;
      },
      { timeoutMs, intervalMs: 20 },
    );
  }

  /**
   * Messages published on `master` and sent in [from, to): waits up to `graceMs` for them to arrive,
   * then reports those that did not.
   */
  async window(master: Address, from: number, to: number, graceMs: number): Promise<ProbeWindow> {
    const inWindow = this.published.filter((p) => p.sentAt >= from && p.sentAt < to && sameAddress(p.address, master));
    const missing = (): number[] => inWindow.filter((p) => !this.received.has(p.n)).map((p) => p.n);
    await waitFor('the messages published on the new master to arrive', () => missing().length === 0, {
      timeoutMs: graceMs,
      intervalMs: 20,
    }).catch(() => undefined);
    return {
      counted: inWindow.length,
      lost: missing(),
      duplicated: inWindow.filter((p) => (this.received.get(p.n) ?? 0) > 1).length,
    };
  }

  /** Stops publishing and unsubscribes. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      await this.loop;
      await this.closeConn();
      await this.redis.unsubscribe(this.channel).catch(() => undefined);
    })();
    return this.stopped;
  }

  private async closeConn(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    this.connAddress = undefined;
    if (conn === undefined) return;
    conn.close();
    // A frozen peer must not hold the loop up: the socket is gone on our side either way.
    await Promise.race([conn.waitClosed().catch(() => undefined), sleep(1_000)]);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const address = this.target;
      try {
        if (this.conn === undefined || !sameAddress(this.connAddress, address)) {
          await this.closeConn();
          // Bounded, so a frozen or dead master never stalls the loop past a retarget.
          this.conn = await createConnection(address, { connectTimeout: 1_000, commandTimeout: 1_000 });
          this.connAddress = address;
        }
        const n = this.next++;
        const sentAt = performance.now();
        const receivers = await this.conn.execute<number>('PUBLISH', this.channel, String(n));
        this.published.push({ n, sentAt, address, receivers });
      } catch {
        this.publishFailures++;
        await this.closeConn();
        await sleep(50);
        continue;
      }
      await sleep(PUBLISH_EVERY_MS);
    }
  }
}
