import { Command } from '../connection/command.js';
import type { RedisConnection } from '../connection/connection.js';

/**
 * WAIT and WAITAOF confirm the writes of the connection they are sent on. A pool spreads a client's
 * writes over its shared connections, so one WAIT on any single connection (or on a connection of its
 * own, as a blocking command would get) confirms nothing about the others: a fresh connection's WAIT
 * answers at once with every replica. Here the command goes to every shared connection that has sent a
 * write, and resolves the smallest answer: what all of the client's writes before it reached.
 * Returns false when no open connection wrote: the caller sends the command as usual.
 */
export function confirmWritesOnEach(command: Command, shared: readonly RedisConnection[]): boolean {
  // Sent again on another connection after a lost one, it would confirm nothing there; and it applies nothing.
  command.attempts = Infinity;
  command.inDoubtWeight = 0;
  const writers = shared.filter((c) => c.hasWritten && !c.closed);
  if (writers.length === 0) return false;
  if (writers.length === 1) {
    writers[0]!.enqueue(command);
    return true;
  }
  let pending = writers.length;
  let smallest: unknown = undefined;
  let failed: Error | null = null;
  const settleOne = (): void => {
    if (--pending > 0) return;
    if (failed !== null) command.reject(failed);
    else command.resolve(smallest);
  };
  for (const conn of writers) {
    const part = new Command(
      command.name,
      command.args,
      command.buffers,
      (value) => {
        smallest = smaller(smallest, value);
        settleOne();
      },
      (error) => {
        failed ??= error;
        settleOne();
      },
    );
    part.attempts = Infinity;
    part.inDoubtWeight = 0;
    conn.enqueue(part);
  }
  return true;
}

/** The smaller of two WAIT replies (numbers), or element by element for WAITAOF's `[local, replicas]`. */
function smaller(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  if (typeof a === 'number' && typeof b === 'number') return Math.min(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return a.map((x, i) => smaller(x, b[i]));
  return a;
}
