import type { RedisArg } from '../types.js';
import { toText } from '../text.js';
import { pairsToObject, parseFloatReply } from '../client/reply-parsers.js';
import { TEXT, flat, optional, words } from './args.js';
import { ClientCommands } from './clients.js';
import type { Many } from './types.js';

/** COMMAND INFO: one command (null for an unknown name). */
export interface CommandInfo {
  name: string;
  /** Number of arguments including the name; negative: at least that many. */
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  aclCategories: string[];
  tips: string[];
  /** Key specifications and subcommands as the server sends them. */
  keySpecs: unknown[];
  subcommands: unknown[];
}

/** SLOWLOG GET: one slow command. */
export interface SlowlogEntry {
  id: number;
  /** Unix seconds. */
  timestamp: number;
  /** Microseconds. */
  duration: number;
  command: string[];
  client: string;
  clientName: string;
}

/** LATENCY LATEST: one event's latest and worst spike. */
export interface LatencyEvent {
  event: string;
  timestamp: number;
  latest: number;
  max: number;
}

/** COMMAND, MEMORY, LATENCY and SLOWLOG: what the server knows about commands and itself. */
export abstract class IntrospectionCommands extends ClientCommands {
  commandCount(): Promise<number> {
    return this.call('COMMAND', ['COUNT']);
  }

  /** Documentation per command name (`summary`, `since`, `group`, `complexity`, `arguments`, ...). */
  commandDocs(...names: Many<string>[]): Promise<Record<string, Record<string, unknown>>> {
    return this.call<unknown[]>('COMMAND', flat(['DOCS', ...names]), TEXT).then((reply) => {
      const out: Record<string, Record<string, unknown>> = {};
      for (const [name, doc] of Object.entries(pairsToObject(reply)))
        out[name] = deepPairs(doc) as Record<string, unknown>;
      return out;
    });
  }

  /** The keys a command would touch: `commandGetkeys('SET', 'k', 'v')` -> `['k']`. */
  commandGetkeys(command: string, ...args: RedisArg[]): Promise<string[]> {
    return this.call('COMMAND', ['GETKEYS', command, ...args], TEXT);
  }

  /** As `commandGetkeys`, with each key's flags (`RW`, `access`, `update`, ...). */
  commandGetkeysandflags(command: string, ...args: RedisArg[]): Promise<{ key: string; flags: string[] }[]> {
    return this.call<[string, string[]][]>('COMMAND', ['GETKEYSANDFLAGS', command, ...args], TEXT).then((list) =>
      list.map(([key, flags]) => ({ key, flags })),
    );
  }

  commandInfo(...names: Many<string>[]): Promise<(CommandInfo | null)[]> {
    return this.call<(unknown[] | null)[]>('COMMAND', flat(['INFO', ...names]), TEXT).then((list) =>
      list.map(parseCommandInfo),
    );
  }

  /** Every command name (lower case), or those matching a filter. */
  commandList(filter?: { MODULE: string } | { ACLCAT: string } | { PATTERN: string }): Promise<string[]> {
    const args: RedisArg[] = ['LIST'];
    if (filter !== undefined) args.push('FILTERBY', ...Object.entries(filter).flat());
    return this.call('COMMAND', args, TEXT);
  }

  memoryDoctor(): Promise<string> {
    return this.call('MEMORY', ['DOCTOR'], TEXT);
  }

  memoryMallocStats(): Promise<string> {
    return this.call('MEMORY', ['MALLOC-STATS'], TEXT);
  }

  memoryPurge(): Promise<'OK'> {
    return this.call('MEMORY', ['PURGE'], TEXT);
  }

  /** MEMORY STATS as an object (`peak.allocated`, `total.allocated`, `db.0`: `{ overhead.hashtable.main, ... }`). */
  memoryStats(): Promise<Record<string, unknown>> {
    return this.call<unknown[]>('MEMORY', ['STATS'], TEXT).then((reply) => deepPairs(reply) as Record<string, unknown>);
  }

  /** Bytes a key and its value take; null for a missing key. */
  memoryUsage(key: RedisArg, options?: { SAMPLES?: number }): Promise<number | null> {
    return this.call('MEMORY', words(['USAGE', key], options, ['SAMPLES']));
  }

  latencyDoctor(): Promise<string> {
    return this.call('LATENCY', ['DOCTOR'], TEXT);
  }

  latencyGraph(event: string): Promise<string> {
    return this.call('LATENCY', ['GRAPH', event], TEXT);
  }

  /** Per command: `{ calls, histogram_usec: { '<bucket upper bound>': count } }`. */
  latencyHistogram(
    ...commands: Many<string>[]
  ): Promise<Record<string, { calls: number; histogram_usec: Record<string, number> }>> {
    return this.call<unknown[]>('LATENCY', flat(['HISTOGRAM', ...commands]), TEXT).then((reply) => {
      const out: Record<string, { calls: number; histogram_usec: Record<string, number> }> = {};
      for (const [name, raw] of Object.entries(pairsToObject(reply))) {
        const entry = pairsToObject(raw as unknown[]);
        out[name] = {
          calls: entry['calls'] as number,
          histogram_usec: pairsToObject(entry['histogram_usec'] as number[]),
        };
      }
      return out;
    });
  }

  /** `[unix seconds, latency ms]` samples of an event. */
  latencyHistory(event: string): Promise<[timestamp: number, latency: number][]> {
    return this.call('LATENCY', ['HISTORY', event]);
  }

  latencyLatest(): Promise<LatencyEvent[]> {
    return this.call<[string, number, number, number][]>('LATENCY', ['LATEST'], TEXT).then((list) =>
      list.map(([event, timestamp, latest, max]) => ({ event, timestamp, latest, max })),
    );
  }

  /** Resets the events named (all when none); resolves how many were reset. */
  latencyReset(...events: string[]): Promise<number> {
    return this.call('LATENCY', ['RESET', ...events]);
  }

  /** The slowest recent commands, newest first (up to `count`, default 10; -1: all). */
  slowlogGet(count?: number): Promise<SlowlogEntry[]> {
    return this.call<unknown[][]>('SLOWLOG', optional(['GET'], count), TEXT).then((list) =>
      list.map(parseSlowlogEntry),
    );
  }

  slowlogLen(): Promise<number> {
    return this.call('SLOWLOG', ['LEN']);
  }

  slowlogReset(): Promise<'OK'> {
    return this.call('SLOWLOG', ['RESET'], TEXT);
  }
}

// Maps sent as flat arrays (`[name, value, ...]` with text names), nested; lists of them stay lists.
function deepPairs(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const isMap = value.length % 2 === 0 && value.every((v, i) => i % 2 === 1 || typeof v === 'string');
  if (!isMap || value.length === 0) return value.map(deepPairs);
  const out = pairsToObject(value);
  for (const key of Object.keys(out)) out[key] = deepPairs(out[key]);
  return out;
}

function parseCommandInfo(raw: unknown[] | null): CommandInfo | null {
  if (raw === null) return null;
  const [name, arity, flags, firstKey, lastKey, step, aclCategories, tips, keySpecs, subcommands] = raw;
  return {
    name: toText(name),
    arity: arity as number,
    flags: flags as string[],
    firstKey: firstKey as number,
    lastKey: lastKey as number,
    step: step as number,
    aclCategories: (aclCategories as string[] | undefined) ?? [],
    tips: (tips as string[] | undefined) ?? [],
    keySpecs: (keySpecs as unknown[] | undefined) ?? [],
    subcommands: (subcommands as unknown[] | undefined) ?? [],
  };
}

function parseSlowlogEntry(raw: unknown[]): SlowlogEntry {
  const [id, timestamp, duration, command, client, clientName] = raw;
  return {
    id: id as number,
    timestamp: timestamp as number,
    duration: parseFloatReply(duration),
    command: command as string[],
    client: toText(client ?? ''),
    clientName: toText(clientName ?? ''),
  };
}
