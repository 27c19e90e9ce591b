import type { ConnectionClosedError, ReplyError } from '../errors.js';
import type { Command } from './command.js';
import type { RedisConnection } from './connection.js';

/**
 * What a connection does with a failed command. The default rejects; a managed pool replaces it to
 * send a command again elsewhere (READONLY, or a read-only command on a dropped connection).
 */
export interface FailureHandler {
  /** Any error reply to a command not yet settled; return true when the handler took the command. */
  onReplyError?(command: Command, error: ReplyError, connection: RedisConnection): boolean;
  /** Connection closed with these commands unanswered; `written[i]` says if it reached the socket. */
  onClosed?(commands: Command[], written: boolean[], error: ConnectionClosedError, connection: RedisConnection): void;
}
