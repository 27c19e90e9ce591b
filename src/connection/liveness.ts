import type Denque from 'denque';
import { BLOCKING } from '../protocol/commands.js';
import type { Command } from './command.js';

/** What liveness checks need from their connection. */
export interface LivenessHost {
  /** Commands sent and not yet answered. */
  readonly queue: Denque<Command>;
  /** Inside MULTI or WATCH: a PING would be queued in the transaction. */
  inTransaction(): boolean;
  /** Sends an internal PING whose reply reaches no one. */
  ping(): void;
  /** Closes the connection as lost, with this reason. */
  fail(reason: string): void;
}

/**
 * pingInterval on one connection, at no cost per command: one unref'd timer compares a counter of
 * data chunks received between its ticks. An idle connection silent for a tick is pinged and closed if
 * the next tick still saw nothing; commands in flight with nothing received for at least two intervals
 * (and no blocking command among them) close it the same way: a half-open socket, or a server only
 * this client cannot reach.
 */
export class Liveness {
  /** Data chunks received; bumped by the connection. */
  received = 0;
  private seen = 0;
  private pinged = false;
  /** Ticks in a row with commands in flight and nothing received. */
  private stalled = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly host: LivenessHost,
    private readonly interval: number,
  ) {
    // Above 2^31-1 ms Node would fire every millisecond instead.
    this.timer = setInterval(() => this.check(), Math.min(interval, 2 ** 31 - 1));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    if (this.received !== this.seen) {
      this.seen = this.received;
      this.pinged = false;
      this.stalled = 0;
      return;
    }
    const host = this.host;
    if (this.pinged) {
      host.fail(`did not answer PING within ${this.interval} ms`);
    } else if (host.queue.length === 0) {
      this.stalled = 0;
      if (host.inTransaction()) return;
      this.pinged = true;
      host.ping();
    } else if (++this.stalled > 2 && !this.blockingInFlight()) {
      // The first stalled tick may come just after the commands were sent: three make two full intervals.
      host.fail(`did not answer for ${2 * this.interval} ms with ${host.queue.length} command(s) in flight`);
    }
  }

  /** A command that may wait on the server for long (BLPOP, WAIT, MONITOR, ...) is in flight. */
  private blockingInFlight(): boolean {
    const queue = this.host.queue;
    for (let i = 0; i < queue.length; i++) if ((queue.peekAt(i)!.flags & BLOCKING) !== 0) return true;
    return false;
  }
}
