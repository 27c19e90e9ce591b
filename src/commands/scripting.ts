import type { RedisArg } from '../types.js';
import { ReplyError } from '../errors.js';
import { pairsToObject, parseScriptExists } from '../client/reply-parsers.js';
import { TEXT, flat, optional, words } from './args.js';
import { BitmapCommands } from './bitmaps.js';
import { toScript, type Script } from './script.js';
import type { Many, Opts } from './types.js';

/** FUNCTION LIST: one library (keys as Redis names them). */
export interface FunctionLibrary {
  library_name: string;
  engine: string;
  functions: { name: string; description: string | null; flags: string[] }[];
  /** With `WITHCODE`. */
  library_code?: string;
}

/** FUNCTION STATS. */
export interface FunctionStats {
  /** The function running now, or null. */
  running_script: { name: string; command: string[]; duration_ms: number } | null;
  engines: Record<string, { libraries_count: number; functions_count: number }>;
}

type Keys = readonly RedisArg[];

/** Lua scripts (EVAL family, SCRIPT) and functions (FUNCTION, FCALL). */
export abstract class ScriptingCommands extends BitmapCommands {
  eval<T = unknown>(script: RedisArg, keys: Keys = [], args: Keys = [], options?: Opts): Promise<T> {
    return this.call('EVAL', [script, keys.length, ...keys, ...args], options);
  }

  evalsha<T = unknown>(sha1: string, keys: Keys = [], args: Keys = [], options?: Opts): Promise<T> {
    return this.call('EVALSHA', [sha1, keys.length, ...keys, ...args], options);
  }

  /** EVAL_RO: a script that only reads (allowed on replicas). */
  evalRo<T = unknown>(script: RedisArg, keys: Keys = [], args: Keys = [], options?: Opts): Promise<T> {
    return this.call('EVAL_RO', [script, keys.length, ...keys, ...args], options);
  }

  evalshaRo<T = unknown>(sha1: string, keys: Keys = [], args: Keys = [], options?: Opts): Promise<T> {
    return this.call('EVALSHA_RO', [sha1, keys.length, ...keys, ...args], options);
  }

  /**
   * EVALSHA of the script's SHA1; on NOSCRIPT (a new, flushed or failed-over server) sends the script
   * with EVAL. Pass a `Script` (`defineScript(source)`) to hash it once. In `pipeline()` / `multi()`:
   * see `Script`.
   */
  async evalScript<T = unknown>(
    script: Script | string | Buffer,
    keys: Keys = [],
    args: Keys = [],
    options?: Opts,
  ): Promise<T> {
    const s = toScript(script);
    try {
      return await this.evalsha<T>(s.sha1, keys, args, options);
    } catch (err) {
      if (!(err instanceof ReplyError && err.code === 'NOSCRIPT')) throw err;
      return this.eval<T>(s.source, keys, args, options);
    }
  }

  /** Resolves the script's SHA1. */
  scriptLoad(script: RedisArg): Promise<string> {
    return this.call('SCRIPT', ['LOAD', script], TEXT);
  }

  scriptExists(...sha1s: Many<string>[]): Promise<boolean[]> {
    return this.call<number[]>('SCRIPT', flat(['EXISTS', ...sha1s])).then(parseScriptExists);
  }

  /** The source of a cached script (SCRIPT SHOW). @since Valkey 8 (Redis has no such subcommand). */
  scriptShow(sha1: string): Promise<string> {
    return this.call('SCRIPT', ['SHOW', sha1], TEXT);
  }

  scriptFlush(mode?: 'ASYNC' | 'SYNC'): Promise<'OK'> {
    return this.call('SCRIPT', optional(['FLUSH'], mode), TEXT);
  }

  /** Stops the script running now if it has not written (NOTBUSY ReplyError when none runs). */
  scriptKill(): Promise<'OK'> {
    return this.call('SCRIPT', ['KILL'], TEXT);
  }

  /** Calls a function loaded with `functionLoad`. */
  fcall<T = unknown>(fn: string, keys: Keys = [], args: Keys = [], options?: Opts): Promise<T> {
    return this.call('FCALL', [fn, keys.length, ...keys, ...args], options);
  }

  /** FCALL_RO: a function flagged `no-writes` (allowed on replicas). */
  fcallRo<T = unknown>(fn: string, keys: Keys = [], args: Keys = [], options?: Opts): Promise<T> {
    return this.call('FCALL_RO', [fn, keys.length, ...keys, ...args], options);
  }

  /** Loads a library (`#!lua name=mylib` first line); resolves its name. */
  functionLoad(code: RedisArg, options?: { REPLACE?: boolean }): Promise<string> {
    return this.call('FUNCTION', words(['LOAD'], options, ['REPLACE']).concat(code), TEXT);
  }

  functionDelete(library: string): Promise<'OK'> {
    return this.call('FUNCTION', ['DELETE', library], TEXT);
  }

  /** Every library, serialized (binary) for `functionRestore`. */
  functionDump(): Promise<Buffer> {
    return this.call('FUNCTION', ['DUMP'], { encoding: null });
  }

  functionRestore(payload: Buffer, policy?: 'FLUSH' | 'APPEND' | 'REPLACE'): Promise<'OK'> {
    return this.call('FUNCTION', optional(['RESTORE', payload], policy), TEXT);
  }

  functionFlush(mode?: 'ASYNC' | 'SYNC'): Promise<'OK'> {
    return this.call('FUNCTION', optional(['FLUSH'], mode), TEXT);
  }

  /** Stops the function running now if it has not written (NOTBUSY ReplyError when none runs). */
  functionKill(): Promise<'OK'> {
    return this.call('FUNCTION', ['KILL'], TEXT);
  }

  /** The libraries, optionally those matching `LIBRARYNAME`, with their code when `WITHCODE`. */
  functionList(options?: { LIBRARYNAME?: string; WITHCODE?: boolean }): Promise<FunctionLibrary[]> {
    return this.call<unknown[][]>('FUNCTION', words(['LIST'], options, ['LIBRARYNAME', 'WITHCODE']), TEXT).then(
      (libs) => libs.map(parseLibrary),
    );
  }

  functionStats(): Promise<FunctionStats> {
    return this.call<unknown[]>('FUNCTION', ['STATS'], TEXT).then(parseFunctionStats);
  }
}

function parseLibrary(raw: unknown[]): FunctionLibrary {
  const lib = pairsToObject(raw);
  const functions = (lib['functions'] as unknown[][]).map((f) => {
    const fn = pairsToObject(f);
    return {
      name: fn['name'] as string,
      description: fn['description'] as string | null,
      flags: fn['flags'] as string[],
    };
  });
  const out: FunctionLibrary = {
    library_name: lib['library_name'] as string,
    engine: lib['engine'] as string,
    functions,
  };
  if (lib['library_code'] !== undefined) out.library_code = lib['library_code'] as string;
  return out;
}

function parseFunctionStats(raw: unknown[]): FunctionStats {
  const stats = pairsToObject(raw);
  const running = stats['running_script'] as unknown[] | null;
  const engines: FunctionStats['engines'] = {};
  const rawEngines = pairsToObject(stats['engines'] as unknown[]);
  for (const [name, value] of Object.entries(rawEngines)) {
    engines[name] = pairsToObject(value as unknown[]) as FunctionStats['engines'][string];
  }
  return {
    running_script: running === null ? null : (pairsToObject(running) as NonNullable<FunctionStats['running_script']>),
    engines,
  };
}
