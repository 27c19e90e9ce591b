import { ConnectionClosedError, DurabilityError } from '../errors.js';
import { MAY_WRITE, WRITE } from '../protocol/commands.js';
import { Command } from './command.js';

/**
 * The durability option on one connection: the writes of one flush are held until one WAIT sent after
 * them confirms enough replicas, then resolve (or reject with DurabilityError) together.
 */
export class Durability {
  /** Writes of the current flush not yet followed by a WAIT. */
  private group: Command[] | null = null;

  constructor(
    readonly replicas: number,
    readonly timeout: number,
  ) {}

  /** Holds the reply of a command that may write until the next WAIT confirms it. */
  hold(command: Command): void {
    if ((command.flags & (WRITE | MAY_WRITE)) === 0) return;
    command.held = true;
    (this.group ??= []).push(command);
  }

  /** The WAIT for the writes held since the last one, or null when there are none. */
  takeWait(): Command | null {
    const group = this.group;
    if (group === null) return null;
    this.group = null;
    const { replicas, timeout } = this;
    const settle = (confirmed: unknown) => {
      for (const c of group) {
        if (!c.answered || c.done) continue;
        if (Number(confirmed) >= replicas) c.resolve(c.value);
        else
          c.reject(
            new DurabilityError(
              `${c.name} was applied by the master but confirmed by ${String(confirmed)} of ${replicas} replicas within ${timeout} ms; it may be lost in a failover`,
            ),
          );
      }
    };
    const fail = (error: Error) => {
      // The WAIT stands, in the in-doubt count, for the applied writes its loss leaves unconfirmed.
      wait.inDoubtWeight = 0;
      for (const c of group) {
        if (!c.answered || c.done) continue;
        wait.inDoubtWeight++;
        c.reject(
          new ConnectionClosedError(
            `${c.name} was applied by the master but not confirmed by replicas: ${error.message}`,
            { mayHaveBeenApplied: true },
          ),
        );
      }
    };
    const wait = new Command('WAIT', [replicas, timeout], false, settle, fail);
    // Never sent again elsewhere: it confirms writes on this connection's server only.
    wait.attempts = Infinity;
    return wait;
  }
}
