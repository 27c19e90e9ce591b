import { commandFlags } from '../protocol/commands.js';
import { traceDone, traceFailed, traceSucceeded, type TraceContext } from '../tracing/command-tracing.js';
import type { RedisArg, ReplyEncoding } from '../types.js';

/** One command waiting for its reply. Pools keep a reference to send it again after a failover. */
export class Command {
  /** Set once the command has been settled early (timeout); its reply is still consumed in order. */
  done = false;
  /** Coarse clock tick after which the command times out (Infinity: never). */
  deadline = Infinity;
  /** Confirmations still expected for a (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE. */
  expected = 0;
  /** Times a pool has sent it again (READONLY or a dropped connection). */
  attempts = 0;
  /**
   * How many of the caller's commands a rejection of this one with mayHaveBeenApplied stands for (the
   * in-doubt count): multi()'s EXEC stands for every command it runs; its MULTI and queued commands, for none.
   */
  inDoubtWeight = 1;
  /** durability: the reply waits for the WAIT sent after this flush before it resolves. */
  held = false;
  answered = false;
  value: unknown = undefined;
  /** The trace of the attempt in flight, while a tracing subscriber listens (see RedisConnection.enqueue). */
  trace: TraceContext | null = null;

  /** What the command table says about it (READONLY, BLOCKING, ...), looked up once per command. */
  readonly flags: number;

  constructor(
    readonly name: string,
    readonly args: readonly RedisArg[],
    readonly buffers: boolean,
    private readonly onResolve: (value: unknown) => void,
    private readonly onReject: (error: Error) => void,
  ) {
    this.flags = commandFlags(name);
  }

  resolve(value: unknown): void {
    const trace = this.trace;
    if (trace === null) {
      this.onResolve(value);
      return;
    }
    this.trace = null;
    traceSucceeded(trace);
    this.onResolve(value);
    traceDone(trace);
  }

  reject(error: Error): void {
    const trace = this.trace;
    if (trace === null) {
      this.onReject(error);
      return;
    }
    this.trace = null;
    traceFailed(trace, error);
    this.onReject(error);
    traceDone(trace);
  }

  /** This network attempt failed, whatever comes next (sent again elsewhere, or rejected): end its trace with `error`. */
  endAttempt(error: Error): void {
    const trace = this.trace;
    if (trace === null) return;
    this.trace = null;
    traceFailed(trace, error);
    traceDone(trace);
  }

  /** The same command, calling `settled` before it resolves or rejects (a lent connection given back). */
  onSettled(settled: () => void): Command {
    const copy = new Command(
      this.name,
      this.args,
      this.buffers,
      (value) => {
        settled();
        this.resolve(value);
      },
      (error) => {
        settled();
        this.reject(error);
      },
    );
    copy.attempts = this.attempts;
    copy.inDoubtWeight = this.inDoubtWeight;
    return copy;
  }
}

/**
 * Whether replies are wanted as Buffers: `null` yes, `'utf8'` no, `undefined` the client's default.
 * Other encodings are refused rather than silently decoded as UTF-8.
 */
export function buffersFor(encoding: ReplyEncoding | undefined, fallback: boolean): boolean {
  if (encoding === undefined) return fallback;
  if (encoding === null) return true;
  if (encoding === 'utf8' || encoding === 'utf-8') return false;
  throw new TypeError(`Unsupported reply encoding ${JSON.stringify(encoding)}: use 'utf8' (strings) or null (Buffers)`);
}
