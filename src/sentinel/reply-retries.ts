import type { Command, RedisConnection } from '../connection/connection.js';
import { formatAddress } from '../address.js';
import { ConnectionClosedError, PoolClosedError, type ReplyError } from '../errors.js';
import { READONLY } from '../protocol/commands.js';
import type { Address } from '../types.js';
import { nextDelay } from '../backoff.js';

/** What a managed pool does with an error reply that says something about the server, not the command. */
export type ReplyReaction =
  /** Not applied (READONLY on a master pool, UNBLOCKED by a role change): find the master again and resend. */
  | 'rediscover-and-resend'
  /** A replica whose master link is down (MASTERDOWN): avoid it, move to another replica, resend. */
  | 'other-replica'
  /** The server is loading its data (LOADING): send again a little later, within failoverTimeout. */
  | 'retry-later'
  /** The command's own answer (READONLY on a replica pool: the user wrote to a replica). */
  | 'reject';

/** Pure: the reaction to an error reply for a pool of `role`. */
export function reactionTo(error: ReplyError, role: 'master' | 'slave'): ReplyReaction {
  switch (error.code) {
    case 'READONLY':
      return role === 'master' ? 'rediscover-and-resend' : 'reject';
    case 'UNBLOCKED':
      // Only the unblock a role change causes; CLIENT UNBLOCK ... ERROR is the user's own doing.
      return /instance state changed/i.test(error.message) ? 'rediscover-and-resend' : 'reject';
    case 'MASTERDOWN':
      return role === 'slave' ? 'other-replica' : 'rediscover-and-resend';
    case 'LOADING':
      return 'retry-later';
    default:
      return 'reject';
  }
}

/** What the retries need from their pool. */
export interface RetryPool {
  readonly role: 'master' | 'slave';
  readonly service: string;
  readonly closed: boolean;
  rediscover(reason: RedisConnection, why: string): void;
  avoidReplica(address: Address): void;
  resend(command: Command): void;
  /** Writes rejected with mayHaveBeenApplied. */
  inDoubt: number;
}

/** Times a command is sent again (READONLY, UNBLOCKED, a dropped connection) before it rejects. */
export const MAX_ATTEMPTS = 3;
const LOADING_FIRST_DELAY_MS = 50;
const LOADING_MAX_DELAY_MS = 500;

/**
 * Carries out reactionTo() for one managed pool: resends (at most MAX_ATTEMPTS times), and keeps
 * commands that met LOADING until the server is ready, each for at most failoverTimeout.
 */
export class ReplyRetries {
  private readonly loading: { command: Command; until: number }[] = [];
  /** Deadline of a command resent after LOADING, kept while it is in flight again. */
  private readonly deadlines = new WeakMap<Command, number>();
  private timer: NodeJS.Timeout | null = null;
  private delay = 0;

  constructor(
    private readonly pool: RetryPool,
    private readonly failoverTimeout: number,
  ) {}

  /**
   * FailureHandler.onClosed: a command not yet written, or a read, is sent again (at most MAX_ATTEMPTS
   * times); a written write rejects ConnectionClosedError with mayHaveBeenApplied, counted as in doubt.
   */
  onClosed(commands: Command[], written: boolean[], error: ConnectionClosedError, conn: RedisConnection): void {
    for (let i = 0; i < commands.length; i++) {
      const command = commands[i]!;
      if (this.pool.closed) {
        command.reject(new PoolClosedError('Pool is closed'));
        continue;
      }
      if ((!written[i] || (command.flags & READONLY) !== 0) && ++command.attempts <= MAX_ATTEMPTS) {
        this.pool.resend(command);
        continue;
      }
      const message = written[i]
        ? error.message
        : `Connection to ${formatAddress(conn.address)} closed before the command was sent`;
      command.reject(new ConnectionClosedError(message, { cause: error.cause, mayHaveBeenApplied: written[i]! }));
      // Counted after the rejection: a lost WAIT learns then how many applied writes it leaves in doubt.
      if (written[i]) this.pool.inDoubt += command.inDoubtWeight;
    }
  }

  /** FailureHandler.onReplyError: true when the command was taken (it will be sent again). */
  onReplyError(command: Command, error: ReplyError, conn: RedisConnection): boolean {
    const reaction = reactionTo(error, this.pool.role);
    if (reaction === 'reject' || this.pool.closed) return false;
    if (reaction === 'retry-later') return this.deferLoading(command);
    if (reaction === 'other-replica') this.pool.avoidReplica(conn.address);
    this.pool.rediscover(conn, `${error.code} from ${conn.address.join(':')}`);
    if (++command.attempts > MAX_ATTEMPTS) return false;
    this.pool.resend(command);
    return true;
  }

  private deferLoading(command: Command): boolean {
    const now = Date.now();
    const known = this.deadlines.get(command);
    // A new LOADING episode starts with short pauses again.
    if (known === undefined && this.loading.length === 0) this.delay = 0;
    const until = known ?? now + this.failoverTimeout;
    if (now >= until) return false;
    this.loading.push({ command, until });
    if (this.timer === null) {
      this.delay = nextDelay(this.delay, LOADING_FIRST_DELAY_MS, LOADING_MAX_DELAY_MS);
      this.timer = setTimeout(() => this.flush(), this.delay);
    }
    return true;
  }

  /** Sends every deferred command again; those that meet LOADING again come back with their deadline. */
  private flush(): void {
    this.timer = null;
    const due = this.loading.splice(0);
    for (const { command, until } of due) {
      if (command.done) continue;
      this.deadlines.set(command, until);
      this.pool.resend(command);
    }
  }

  /** The pool closed: deferred commands reject with `error`. */
  close(error: Error): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const { command } of this.loading.splice(0)) if (!command.done) command.reject(error);
  }
}
