import type { RedisArg } from '../types.js';
import { toText } from '../text.js';
import { TEXT, optional, words } from './args.js';
import { ServerCommands } from './server.js';
import type { BulkString, Opts } from './types.js';

export interface ClientKillFilter {
  ID?: number;
  ADDR?: string;
  LADDR?: string;
  USER?: string;
  TYPE?: 'normal' | 'master' | 'replica' | 'pubsub';
  MAXAGE?: number;
  SKIPME?: boolean;
}

/** One connection as CLIENT LIST / CLIENT INFO describe it: integers as numbers, the rest as text. */
export type ClientInfo = Record<string, string | number>;

// Fields that hold free text: never turned into numbers even when they look like one.
const TEXT_FIELDS = new Set(['name', 'user', 'lib-name', 'lib-ver', 'cmd', 'flags', 'events', 'addr', 'laddr']);

/**
 * PING, ECHO and CLIENT. A CLIENT command that sets state (SETNAME, NO-EVICT, NO-TOUCH, SETINFO) acts
 * on the connection it runs on: on a pool, one of several; use `withConnection` to pick one.
 */
export abstract class ClientCommands extends ServerCommands {
  /** `'PONG'`, or the message when one is given. */
  ping(message?: RedisArg): Promise<string> {
    return this.call('PING', optional([], message), TEXT);
  }

  echo<O extends Opts = Opts>(message: RedisArg, options?: O): Promise<BulkString<O>> {
    return this.call('ECHO', [message], options);
  }

  /** Names the connection this call runs on. */
  clientSetname(name: string): Promise<'OK'> {
    return this.call('CLIENT', ['SETNAME', name], TEXT);
  }

  clientGetname(): Promise<string | null> {
    return this.call('CLIENT', ['GETNAME'], TEXT);
  }

  clientId(): Promise<number> {
    return this.call('CLIENT', ['ID']);
  }

  /** This connection, as CLIENT LIST shows it. */
  clientInfo(): Promise<ClientInfo> {
    return this.call<string>('CLIENT', ['INFO'], TEXT).then(parseClientLine);
  }

  /** Every connection (of a `TYPE`, or with the given `ID`s). */
  clientList(options?: {
    TYPE?: 'normal' | 'master' | 'replica' | 'pubsub';
    ID?: readonly number[];
  }): Promise<ClientInfo[]> {
    return this.call<string>('CLIENT', words(['LIST'], options, ['TYPE', 'ID']), TEXT).then(parseClientList);
  }

  /** Closes the connections matching every filter given; resolves how many were closed. */
  clientKill(filter: ClientKillFilter): Promise<number> {
    const args: RedisArg[] = ['KILL'];
    for (const [name, value] of Object.entries(filter)) {
      if (value !== undefined) args.push(name, name === 'SKIPME' ? (value ? 'yes' : 'no') : (value as RedisArg));
    }
    return this.call('CLIENT', args);
  }

  /** Suspends clients for `timeout` ms (`mode` `'WRITE'`: only writes). */
  clientPause(timeout: number, mode?: 'WRITE' | 'ALL'): Promise<'OK'> {
    return this.call('CLIENT', optional(['PAUSE', timeout], mode), TEXT);
  }

  clientUnpause(): Promise<'OK'> {
    return this.call('CLIENT', ['UNPAUSE'], TEXT);
  }

  /** Unblocks a connection blocked in BLPOP, XREAD...: 1 if it was blocked. */
  clientUnblock(clientId: number, how?: 'TIMEOUT' | 'ERROR'): Promise<0 | 1> {
    return this.call('CLIENT', optional(['UNBLOCK', clientId], how));
  }

  /** Exempts this connection from client eviction (`maxmemory-clients`). */
  clientNoEvict(mode: 'ON' | 'OFF'): Promise<'OK'> {
    return this.call('CLIENT', ['NO-EVICT', mode], TEXT);
  }

  /** Reads on this connection stop updating keys' LRU/LFU. @since Redis 7.2 */
  clientNoTouch(mode: 'ON' | 'OFF'): Promise<'OK'> {
    return this.call('CLIENT', ['NO-TOUCH', mode], TEXT);
  }

  /** Library name / version shown in CLIENT LIST. @since Redis 7.2 */
  clientSetinfo(attribute: 'LIB-NAME' | 'LIB-VER', value: string): Promise<'OK'> {
    return this.call('CLIENT', ['SETINFO', attribute, value], TEXT);
  }
}

function parseClientList(text: string): ClientInfo[] {
  return toText(text)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseClientLine);
}

function parseClientLine(line: string): ClientInfo {
  const info: ClientInfo = {};
  for (const part of toText(line).trim().split(' ')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    info[key] = !TEXT_FIELDS.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return info;
}
