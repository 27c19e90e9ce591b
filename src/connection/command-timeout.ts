import type Denque from 'denque';
import { TimeoutError } from '../errors.js';
import type { Command } from './command.js';

/**
 * commandTimeout on one connection: one coarse clock (ticks of a tenth of the timeout) instead of a
 * timer per command. A command that times out is settled at once; its reply is still consumed in order.
 */
export class CommandTimeout {
  private timer: NodeJS.Timeout | null = null;
  private tick = 0;
  private readonly tickMs: number;

  constructor(
    private readonly ms: number,
    private readonly queue: Denque<Command>,
    private readonly where: string,
  ) {
    this.tickMs = Math.max(1, Math.min(100, Math.floor(ms / 10)));
  }

  arm(command: Command): void {
    if (this.timer === null) {
      this.timer = setInterval(() => this.onTick(), this.tickMs);
      this.timer.unref();
    }
    command.deadline = this.tick + Math.ceil(this.ms / this.tickMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private onTick(): void {
    this.tick++;
    const queue = this.queue;
    const n = queue.length;
    if (n === 0) {
      this.stop();
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = queue.peekAt(i)!;
      if (c.done) continue;
      if (c.deadline > this.tick) {
        // Deadlines grow along the queue; commands without one (blocking) are skipped.
        if (c.deadline !== Infinity) break;
        continue;
      }
      c.done = true;
      c.reject(new TimeoutError(`Command ${c.name} timed out after ${this.ms} ms on ${this.where}`));
    }
  }
}
