import { ReplyError, replyErrorFor } from '../errors.js';
import type { CommandTarget } from '../pool/pool.js';
import type { CommandOptions, RedisArg, ReplyEncoding } from '../types.js';
import { RedisCommands } from '../commands/index.js';
import { toScript, type Script } from '../commands/script.js';
import { CommandsBase } from './base.js';

interface Entry {
  name: string;
  args: readonly RedisArg[];
  encoding: ReplyEncoding | undefined;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Runs the typed command methods without sending: each call becomes an entry for exec(). */
class Recorder extends RedisCommands {
  readonly entries: Entry[] = [];
  /** Scripts already sent in this batch: later calls use EVALSHA, the first one EVAL (see `Script`). */
  private readonly scripts = new Set<string>();

  protected call<T>(name: string, args: readonly RedisArg[], options?: CommandOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.entries.push({ name, args, encoding: options?.encoding, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  record(name: string, args: readonly RedisArg[]): Promise<unknown> {
    return this.call(name, args);
  }

  // EVAL the first time in the batch so that no NOSCRIPT can happen inside it (or inside EXEC).
  override evalScript<T = unknown>(
    script: Script | string | Buffer,
    keys: readonly RedisArg[] = [],
    args: readonly RedisArg[] = [],
    options?: CommandOptions,
  ): Promise<T> {
    const s = toScript(script);
    if (this.scripts.has(s.sha1)) return this.evalsha<T>(s.sha1, keys, args, options);
    this.scripts.add(s.sha1);
    return this.eval<T>(s.source, keys, args, options);
  }

  /** A new batch: scripts must be sent again (the server may have been flushed or replaced meanwhile). */
  reset(): Entry[] {
    this.scripts.clear();
    return this.entries.splice(0);
  }
}

/** One command's outcome in exec(): `[error, null]` or `[null, result]` (as ioredis). */
export type PipelineResult = [error: Error | null, result: unknown];

type CommandMethods = {
  [
    K in keyof RedisCommands as K extends `${string}Iterator`
      ? never
      : RedisCommands[K] extends (...args: never[]) => Promise<unknown>
        ? K
        : never
  ]: RedisCommands[K];
};
/** The typed command methods, each returning the pipeline for chaining. */
export type ChainedCommands<This> = {
  [K in keyof CommandMethods]: (...args: Parameters<CommandMethods[K]>) => This;
};

/**
 * Commands sent back to back on one connection in one write by exec(). Every typed command method is
 * available and chains: `redis.pipeline().set('a', '1').get('a').exec()`.
 */
// Declaration merging on purpose: the typed chaining methods are installed on the prototype below.
// eslint-disable-next-line typescript/no-unsafe-declaration-merging
export class Pipeline {
  protected readonly recorder = new Recorder();
  protected readonly results: Promise<unknown>[] = [];

  constructor(protected readonly target: CommandTarget) {}

  /** Adds any command: `pipeline.execute('HSET', 'h', 'f', 'v')`. */
  execute(command: string, ...args: RedisArg[]): this {
    this.results.push(this.recorder.record(command, args));
    return this;
  }

  get length(): number {
    return this.results.length;
  }

  /** Sends everything; resolves one `[error, result]` per command, in order. */
  exec(): Promise<PipelineResult[]> {
    const entries = this.recorder.reset();
    this.send(entries);
    const results = this.results.splice(0);
    return Promise.all(results.map((p) => p.then(toOk, toErr)));
  }

  protected send(entries: Entry[]): void {
    if (entries.length === 0) return;
    const promises = this.target.sendBatch(entries.map((e) => [e.name, e.args, e.encoding] as const));
    for (let i = 0; i < entries.length; i++) promises[i]!.then(entries[i]!.resolve, entries[i]!.reject);
  }
}

function toOk(value: unknown): PipelineResult {
  return [null, value];
}
function toErr(error: Error): PipelineResult {
  return [error, null];
}

function decodeDeep(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString();
  if (Array.isArray(value)) return value.map(decodeDeep);
  return value;
}

/** MULTI ... EXEC: the same chaining as Pipeline, applied atomically by the server. */
export class Multi extends Pipeline {
  protected override send(entries: Entry[]): void {
    if (entries.length === 0) return;
    const anyBuffers = entries.some((e) => e.encoding === null);
    const execEncoding: ReplyEncoding | undefined = anyBuffers ? null : undefined;
    const batch = [
      ['MULTI', [], undefined] as const,
      ...entries.map((e) => [e.name, e.args, undefined] as const),
      ['EXEC', [], execEncoding] as const,
    ];
    const promises = this.target.sendBatch(batch, true);
    const queueErrors: (Error | undefined)[] = [];
    promises[0]!.catch(() => undefined);
    for (let i = 0; i < entries.length; i++) {
      promises[i + 1]!.catch((err: Error) => {
        queueErrors[i] = err;
      });
    }
    promises[promises.length - 1]!.then(
      (reply) => {
        if (reply === null) {
          const err = new ReplyError('EXEC aborted: a WATCHed key changed');
          for (const e of entries) e.reject(err);
          return;
        }
        const items = reply as unknown[];
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i]!;
          const item = items[i];
          if (item instanceof Error) e.reject(replyErrorFor(item.message));
          else e.resolve(anyBuffers && e.encoding !== null ? decodeDeep(item) : item);
        }
      },
      (err: Error) => {
        for (let i = 0; i < entries.length; i++) entries[i]!.reject(queueErrors[i] ?? err);
      },
    );
  }
}

// Every typed command of RedisCommands (each family's class up the chain) becomes a chaining method of
// Pipeline (and so of Multi).
for (let proto = RedisCommands.prototype; proto !== CommandsBase.prototype; proto = Object.getPrototypeOf(proto)) {
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor' || name === 'call' || name.endsWith('Iterator') || name in Pipeline.prototype) continue;
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (typeof descriptor?.value !== 'function') continue;
    Object.defineProperty(Pipeline.prototype, name, {
      value: function (this: Pipeline, ...args: unknown[]) {
        const recorder = (this as unknown as { recorder: Record<string, (...a: unknown[]) => Promise<unknown>> })
          .recorder;
        (this as unknown as { results: Promise<unknown>[] }).results.push(recorder[name]!(...args));
        return this;
      },
      writable: true,
      configurable: true,
    });
  }
}

// eslint-disable-next-line typescript/no-unsafe-declaration-merging
export interface Pipeline extends ChainedCommands<Pipeline> {}
