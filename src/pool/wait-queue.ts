import Denque from 'denque';
import type { Command } from '../connection/connection.js';

/**
 * Commands waiting for a connection, in order, each for at most `limitMs` (0: no limit), and at most
 * `maxLength` at once. One timer for the oldest command; expired commands reject through `expired`.
 */
export class WaitQueue {
  private readonly queue = new Denque<Command>();
  private readonly until = new WeakMap<Command, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limitMs: number,
    private readonly maxLength: number,
    /** Builds the error for a command that waited too long (or found the queue full). */
    private readonly expired: (reason: 'timeout' | 'full', length: number) => Error,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  peek(): Command | undefined {
    return this.queue.peekFront();
  }

  shift(): Command | undefined {
    const command = this.queue.shift();
    if (this.queue.length === 0) this.stop();
    return command;
  }

  /** Queues `command`, or rejects it at once when the queue is full. */
  push(command: Command): void {
    if (this.queue.length >= this.maxLength) {
      command.reject(this.expired('full', this.queue.length));
      return;
    }
    this.queue.push(command);
    if (this.limitMs > 0) {
      this.until.set(command, Date.now() + this.limitMs);
      this.arm();
    }
  }

  /** Rejects every waiting command with `error`. */
  rejectAll(error: Error): void {
    for (let c = this.queue.shift(); c !== undefined; c = this.queue.shift()) if (!c.done) c.reject(error);
    this.stop();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer !== null) return;
    const head = this.queue.peekFront();
    if (head === undefined) return;
    const delay = Math.max(0, (this.until.get(head) ?? 0) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expire();
    }, delay + 1);
  }

  private expire(): void {
    const now = Date.now();
    for (let head = this.queue.peekFront(); head !== undefined; head = this.queue.peekFront()) {
      if ((this.until.get(head) ?? Infinity) > now) break;
      this.queue.shift();
      if (!head.done) {
        head.done = true;
        head.reject(this.expired('timeout', this.queue.length));
      }
    }
    this.arm();
  }
}
