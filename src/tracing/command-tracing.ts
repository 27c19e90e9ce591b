import { tracingChannel } from 'node:diagnostics_channel';
import { ReplyError } from '../errors.js';
import type { Address } from '../types.js';

/**
 * The `node:diagnostics_channel` TracingChannel every command is published on:
 * `diagnostics_channel.tracingChannel(COMMAND_TRACING_CHANNEL).subscribe({ start, end, asyncStart, asyncEnd, error })`.
 * Each network attempt of a command is one `start` / `end` (when it is queued on a connection) then,
 * when it settles, `error` (failures only), `asyncStart` and `asyncEnd`, all with the same
 * {@link CommandTraceContext} object. Subscribe only to the events you use (`channel.start.subscribe(fn)`):
 * each event someone listens to is a function call per command, one no one listens to costs nothing.
 * `start` is published, not run through `runStores`: a store bound with `bindStore` is not entered (no
 * user code runs inside a command's span).
 */
export const COMMAND_TRACING_CHANNEL = 'nestjs-redis-sentinel:command';

/**
 * What a command is published with: OpenTelemetry's database attributes (semantic conventions for
 * Redis), usable as span attributes as they are. Argument values (keys, values, passwords) are never
 * part of it, nor the reply. The same object goes with all the events of one attempt, so a subscriber
 * can key its span on it (a WeakMap).
 */
export interface CommandTraceContext {
  readonly 'db.system.name': 'redis';
  /** The command name in upper case (`GET`, `CLIENT`): a subcommand is an argument and is not published. */
  readonly 'db.operation.name': string;
  /** The database index the connection selected, as a string (`'0'`). */
  readonly 'db.namespace': string;
  /** The server the command was sent to (host as given or as announced by Sentinel). */
  readonly 'server.address': string;
  readonly 'server.port': number;
  /** The Sentinel service name; only on the connections of a managed pool (masterFor / slaveFor). */
  readonly 'db.redis.sentinel.service'?: string;
  /** `'master'` or `'slave'`: which pool of the service sent it; only on managed pools' connections. */
  readonly 'db.redis.sentinel.role'?: 'master' | 'slave';
  /** Set before `error` is published: what the attempt failed with. */
  error?: Error;
  /** Set with `error`: the reply error's code (`WRONGTYPE`, `READONLY`) or the error's name (`ConnectionClosedError`, `TimeoutError`). */
  'error.type'?: string;
  /** Set with `error` for an error reply from the server: its code (`WRONGTYPE`, `READONLY`, `ERR`). */
  'db.response.status_code'?: string;
}

/** @internal */
type MutableContext = { -readonly [K in keyof CommandTraceContext]: CommandTraceContext[K] };

const channel = tracingChannel<unknown, MutableContext>(COMMAND_TRACING_CHANNEL);
const { start, end, asyncStart, asyncEnd, error: errorChannel } = channel;

/** Whether anyone listens: a connection asks once per flush, never per command. */
export function tracingWanted(): boolean {
  return channel.hasSubscribers;
}

const upperNames = new Map<string, string>();

function operationName(name: string): string {
  let upper = upperNames.get(name);
  if (upper === undefined) {
    upper = name.toUpperCase();
    // Names come from the typed commands and execute(): bounded unless a caller makes up names.
    if (upperNames.size < 1000) upperNames.set(name, upper);
  }
  return upper;
}

/** The attributes every command of one connection shares; starts and ends its commands' traces. */
export class ConnectionTracer {
  private readonly namespace: string;
  private service: string | undefined = undefined;
  private role: 'master' | 'slave' | undefined = undefined;
  /** The last command name and its upper case: a run of the same command skips the Map (about 2.5 ns a command). */
  private lastName = '';
  private lastOperation = '';

  constructor(
    private readonly address: Address,
    db: number,
  ) {
    this.namespace = String(db);
  }

  /** A managed pool names the service and role its connection's commands are published with. */
  label(service: string, role: 'master' | 'slave'): void {
    this.service = service;
    this.role = role;
  }

  /** Publishes `start` and `end` for a command queued on the connection; the context ends it later. */
  start(name: string): MutableContext {
    let operation = this.lastOperation;
    if (name !== this.lastName) {
      operation = operationName(name);
      this.lastName = name;
      this.lastOperation = operation;
    }
    const ctx: MutableContext =
      this.service === undefined
        ? {
            'db.system.name': 'redis',
            'db.operation.name': operation,
            'db.namespace': this.namespace,
            'server.address': this.address[0],
            'server.port': this.address[1],
          }
        : {
            'db.system.name': 'redis',
            'db.operation.name': operation,
            'db.namespace': this.namespace,
            'server.address': this.address[0],
            'server.port': this.address[1],
            'db.redis.sentinel.service': this.service,
            'db.redis.sentinel.role': this.role,
          };
    // A throwing subscriber does not reach us: diagnostics_channel rethrows it on the next tick.
    start.publish(ctx);
    end.publish(ctx);
    return ctx;
  }
}

/** The attempt failed: `error`, then `asyncStart`; the caller settles the command, then calls traceDone. */
export function traceFailed(ctx: MutableContext, error: Error): void {
  ctx.error = error;
  const code = error instanceof ReplyError ? error.code : undefined;
  if (code !== undefined && code !== '') ctx['db.response.status_code'] = code;
  ctx['error.type'] = code || error.name;
  errorChannel.publish(ctx);
  asyncStart.publish(ctx);
}

/** The attempt succeeded: `asyncStart`; the caller settles the command, then calls traceDone. */
export function traceSucceeded(ctx: MutableContext): void {
  asyncStart.publish(ctx);
}

/** After the command's promise was settled: `asyncEnd`. */
export function traceDone(ctx: MutableContext): void {
  asyncEnd.publish(ctx);
}

/** @internal The context as the library fills it in. */
export type TraceContext = MutableContext;
