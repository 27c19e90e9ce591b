import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { ClientCacheOptions } from './client-cache/options.js';

/** One argument of a command: sent as its bytes (strings in UTF-8, numbers in decimal). */
export type RedisArg = string | number | Buffer;

/** `[host, port]` with a numeric port. */
export type Address = [host: string, port: number];

/** Every form an address may be given in. */
export type AddressInput = readonly [string, number] | { host: string; port: number; tls?: boolean } | string;

/** How replies are decoded: a Node encoding name, or `null` for Buffers. */
export type ReplyEncoding = BufferEncoding | null;

export interface CommandOptions {
  /** Overrides the client's reply encoding for this call (`null`: Buffers). */
  encoding?: ReplyEncoding;
  /** `false`: this read is neither answered from nor kept in the client-side cache (`clientCache`). */
  cache?: boolean;
}

/** What redis-parser offers; `parser` option factories return an object of this shape. */
export interface ReplyParser {
  execute(chunk: Buffer): void;
  setReturnBuffers(returnBuffers: boolean): void;
  reset(): void;
}
export interface ReplyParserOptions {
  returnReply(reply: unknown): void;
  returnError(error: Error): void;
  returnFatalError(error: Error): void;
  returnBuffers: boolean;
  stringNumbers: boolean;
}
export type ParserFactory = (options: ReplyParserOptions) => ReplyParser;

/** Logger with Nest's shape; every method is optional. */
export interface Logger {
  log?(message: string, ...rest: unknown[]): void;
  debug?(message: string, ...rest: unknown[]): void;
  warn?(message: string, ...rest: unknown[]): void;
  error?(message: string, ...rest: unknown[]): void;
  verbose?(message: string, ...rest: unknown[]): void;
}

/** Options of one data connection (createConnection, createRedis, createRedisPool, managed pools). */
export interface ConnectionOptions {
  db?: number;
  username?: string;
  password?: string;
  encoding?: ReplyEncoding;
  ssl?: boolean | TlsConnectionOptions;
  parser?: ParserFactory;
  /** ms to open the socket and finish AUTH/SELECT. Default 10 000. */
  connectTimeout?: number;
  /** ms a command may wait for its reply; none by default. */
  commandTimeout?: number;
  /** Writes resolve only once WAIT (one per flush) confirms them on `replicas` replicas. */
  durability?: { replicas: number; timeout: number };
  /** Client name sent with CLIENT SETNAME (optional). */
  name?: string;
  /** ms of idle before the first TCP keep-alive probe. Default 10 000; 0 turns keep-alive off. */
  keepAlive?: number;
  /**
   * ms of silence after which an idle connection sends PING; with no reply within another interval
   * (or commands in flight with nothing received for two), it is closed as lost. Default 30 000; 0 off.
   */
  pingInterval?: number;
}

export interface PoolOptions extends ConnectionOptions {
  minsize?: number;
  maxsize?: number;
  /**
   * Client-side cache: reads of single keys answered from memory, invalidated by the server
   * (CLIENT TRACKING); dropped whole on any reconnect or failover. See the README's "Client-side cache".
   */
  clientCache?: ClientCacheOptions;
}
