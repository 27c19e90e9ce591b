import type { RedisArg } from '../types.js';
import { pairsToObject, parseInfo, parseRole, parseTime } from '../client/reply-parsers.js';
import type { InfoReply, RoleReply } from '../client/reply-parsers.js';
import { TEXT, entryArgs, flat, optional, words } from './args.js';
import { TransactionCommands } from './transactions.js';
import type { Entries, Many } from './types.js';

/** The server: keyspace size and flushes, INFO, ROLE, CONFIG, persistence, WAIT. */
export abstract class ServerCommands extends TransactionCommands {
  dbsize(): Promise<number> {
    return this.call('DBSIZE', []);
  }

  flushdb(mode?: 'ASYNC' | 'SYNC'): Promise<'OK'> {
    return this.call('FLUSHDB', optional([], mode), TEXT);
  }

  flushall(mode?: 'ASYNC' | 'SYNC'): Promise<'OK'> {
    return this.call('FLUSHALL', optional([], mode), TEXT);
  }

  /** Swaps two dbs of the server for every client (a pool's connections all use the db of its options). */
  swapdb(index1: number, index2: number): Promise<'OK'> {
    return this.call('SWAPDB', [index1, index2], TEXT);
  }

  /** Server clock: `[unix seconds, microseconds]`. */
  time(): Promise<[seconds: number, microseconds: number]> {
    return this.call<unknown[]>('TIME', [], TEXT).then(parseTime);
  }

  /** `INFO` parsed by section (`(await redis.info('replication')).replication.role`). */
  info(section?: string): Promise<InfoReply> {
    return this.infoRaw(section).then(parseInfo);
  }

  /** `INFO` as the server sends it. */
  infoRaw(section?: string): Promise<string> {
    return this.call('INFO', optional([], section), TEXT);
  }

  role(): Promise<RoleReply> {
    return this.call<unknown[]>('ROLE', [], TEXT).then(parseRole);
  }

  /** Parameters matching the patterns, as an object. */
  configGet(...patterns: Many<string>[]): Promise<Record<string, string>> {
    return this.call<string[]>('CONFIG', flat(['GET', ...patterns]), TEXT).then(pairsToObject);
  }

  /** `configSet('maxmemory', '10mb')` or `configSet({ maxmemory: '10mb', ... })`. */
  configSet(...pairs: [entries: Entries] | RedisArg[]): Promise<'OK'> {
    return this.call('CONFIG', entryArgs(['SET'], pairs), TEXT);
  }

  configResetstat(): Promise<'OK'> {
    return this.call('CONFIG', ['RESETSTAT'], TEXT);
  }

  /** Writes the running configuration to the server's config file (a ReplyError when it has none). */
  configRewrite(): Promise<'OK'> {
    return this.call('CONFIG', ['REWRITE'], TEXT);
  }

  /** Unix time of the last successful save to disk. */
  lastsave(): Promise<number> {
    return this.call('LASTSAVE', []);
  }

  /** Saves to disk synchronously (blocks the server). */
  save(): Promise<'OK'> {
    return this.call('SAVE', [], TEXT);
  }

  /** Starts a background save; resolves the server's status line (`'Background saving started'`). */
  bgsave(options?: { SCHEDULE?: boolean }): Promise<string> {
    return this.call('BGSAVE', words([], options, ['SCHEDULE']), TEXT);
  }

  /** Starts an append-only file rewrite; resolves the server's status line. */
  bgrewriteaof(): Promise<string> {
    return this.call('BGREWRITEAOF', [], TEXT);
  }

  /**
   * Blocks until the writes sent before it reach `numreplicas` replicas or `timeout` ms pass; resolves how many
   * replicas have them. A pool sends it on each of its connections that has written and resolves the smallest
   * answer (writes on a lent connection, or from before a failover, are not covered).
   */
  wait(numreplicas: number, timeout: number): Promise<number> {
    return this.call('WAIT', [numreplicas, timeout]);
  }

  /**
   * Blocks until the writes sent before it are fsynced to the AOF of `numlocal` (0 or 1) and
   * `numreplicas` replicas: `[local, replicas]` reached (a pool: the smallest of each over its writing connections). @since Redis 7.2 (needs `appendonly yes` for numlocal 1).
   */
  waitaof(numlocal: number, numreplicas: number, timeout: number): Promise<[local: number, replicas: number]> {
    return this.call('WAITAOF', [numlocal, numreplicas, timeout]);
  }

  /** The server's version art. */
  lolwut(options?: { VERSION?: number }): Promise<string> {
    return this.call('LOLWUT', words([], options, ['VERSION']), TEXT);
  }
}
