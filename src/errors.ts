/** Every error this library rejects with. All extend RedisError; none ever carries a password. */

export class RedisError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An error reply from the server (`-ERR ...`, `-WRONGTYPE ...`, ...). */
export class ReplyError extends RedisError {
  /** The command that got the reply (name only, never its arguments). */
  readonly command: string | undefined;

  constructor(message: string, options?: { cause?: unknown; command?: string }) {
    super(message, options);
    this.command = options?.command;
  }

  /** The error's first word: `'ERR'`, `'WRONGTYPE'`, `'READONLY'`, `'LOADING'`, `'UNBLOCKED'`, `'MASTERDOWN'`, ... */
  get code(): string {
    const space = this.message.indexOf(' ');
    return space < 0 ? this.message : this.message.slice(0, space);
  }
}

/** NOAUTH, WRONGPASS, invalid password, AUTH without a configured password. */
export class AuthError extends ReplyError {}

/** `-READONLY`: a write reached a replica (for example a demoted master). */
export class ReadOnlyError extends ReplyError {}

/** Why a managed pool has no server to send to. */
export interface NotFoundOptions {
  cause?: unknown;
  /** The service name (as passed to masterFor / slaveFor). */
  service?: string;
  /** True when no sentinel monitors a service of that name: waiting will not help. */
  unknownService?: boolean;
}

/** No server to send to for a service (the two subclasses say which role). */
export class ServiceNotFoundError extends RedisError {
  readonly service: string | undefined;
  readonly unknownService: boolean;
  constructor(message: string, options: NotFoundOptions = {}) {
    super(message, options);
    this.service = options.service;
    this.unknownService = options.unknownService ?? false;
  }
}

export class MasterNotFoundError extends ServiceNotFoundError {}
export class SlaveNotFoundError extends ServiceNotFoundError {}

/** Discovery stopped on an error from the data node itself; the server's error is `cause`. */
export class MasterReplyError extends RedisError {
  constructor(
    readonly service: string,
    cause: unknown,
  ) {
    super(`Service ${service} error`, { cause });
  }
}
export class SlaveReplyError extends RedisError {
  constructor(
    readonly service: string,
    cause: unknown,
  ) {
    super(`Service ${service} error`, { cause });
  }
}

export class PoolClosedError extends RedisError {}

/**
 * The connection closed before the reply arrived. `mayHaveBeenApplied` is true when the command was
 * written to the socket: the server may or may not have run it.
 */
export class ConnectionClosedError extends RedisError {
  readonly mayHaveBeenApplied: boolean;
  constructor(message: string, options: { cause?: unknown; mayHaveBeenApplied?: boolean } = {}) {
    super(message, options);
    this.mayHaveBeenApplied = options.mayHaveBeenApplied ?? false;
  }
}

export class SentinelConnectionError extends RedisError {}

/** Bytes from the server that are not RESP; the connection is closed. */
export class ProtocolError extends RedisError {}

export class TimeoutError extends RedisError {}

/**
 * `durability` is on and the master applied the write, but WAIT saw fewer replicas confirm it in
 * time: the write may be lost in a failover.
 */
export class DurabilityError extends RedisError {
  readonly mayHaveBeenApplied = true;
}

const AUTH_PREFIXES = [
  'NOAUTH ',
  'WRONGPASS ',
  'ERR invalid password',
  'ERR Client sent AUTH, but no password is set',
  'ERR AUTH <password> called without any password configured',
  'ERR invalid username-password pair',
];

/** Maps the text of an error reply to the matching typed error. */
export function replyErrorFor(message: string, command?: string): ReplyError {
  if (message.startsWith('READONLY ')) return new ReadOnlyError(message, { command });
  for (const prefix of AUTH_PREFIXES) {
    if (message.startsWith(prefix)) return new AuthError(message, { command });
  }
  return new ReplyError(message, { command });
}
