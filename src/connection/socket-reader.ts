import type net from 'node:net';
import RedisParser from 'redis-parser';
import { formatAddress } from '../address.js';
import { ProtocolError, RedisError } from '../errors.js';
import type { Address, ParserFactory, ReplyParser, ReplyParserOptions } from '../types.js';
import type { Liveness } from './liveness.js';

/** What a connection does with its socket's events (arrow functions: the parser calls them as they are). */
export interface SocketHandlers {
  returnReply(reply: unknown): void;
  returnError(error: Error): void;
  /** A protocol error, or a reply handler that threw: the connection fails with it. */
  fail(error: RedisError): void;
  /** The socket's own error ('close' follows). */
  error(error: Error): void;
  close(): void;
}

function defaultParser(options: ReplyParserOptions): ReplyParser {
  return new RedisParser(options) as unknown as ReplyParser;
}

/**
 * Listens to a connection's socket: every chunk goes to the reply parser (redis-parser unless the
 * `parser` option), which hands each reply straight to the connection; a parser bug or a throwing
 * reply handler fails the connection instead of crashing the process. Returns the parser.
 */
export function readSocket(
  socket: net.Socket,
  address: Address,
  factory: ParserFactory | undefined,
  liveness: Liveness | null,
  on: SocketHandlers,
): ReplyParser {
  const parser = (factory ?? defaultParser)({
    returnReply: on.returnReply,
    returnError: on.returnError,
    returnFatalError: (error) =>
      on.fail(new ProtocolError(`Protocol error from ${formatAddress(address)}: ${error.message}`, { cause: error })),
    returnBuffers: true,
    stringNumbers: false,
  });
  socket.on('data', (chunk: Buffer) => {
    if (liveness !== null) liveness.received++;
    try {
      parser.execute(chunk);
    } catch (err) {
      // A throwing reply handler or a parser bug must not crash the process: fail this connection.
      on.fail(
        err instanceof RedisError
          ? err
          : new ProtocolError(`Failed to handle reply from ${formatAddress(address)}: ${(err as Error).message}`, {
              cause: err,
            }),
      );
    }
  });
  socket.on('error', on.error);
  socket.on('close', on.close);
  return parser;
}
