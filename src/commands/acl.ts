import type { RedisArg } from '../types.js';
import { pairsToObject, parseFloatReply } from '../client/reply-parsers.js';
import { TEXT, flat, optional } from './args.js';
import { IntrospectionCommands } from './introspection.js';
import type { Many } from './types.js';

/** ACL LOG: one denied command or failed AUTH (keys as Redis names them). */
export interface AclLogEntry {
  count: number;
  reason: string;
  context: string;
  object: string;
  username: string;
  'age-seconds': number;
  'client-info': string;
  [field: string]: unknown;
}

/** ACL users and permissions. */
export abstract class AclCommands extends IntrospectionCommands {
  /** The ACL categories, or the commands of one. */
  aclCat(category?: string): Promise<string[]> {
    return this.call('ACL', optional(['CAT'], category), TEXT);
  }

  /** Resolves how many users were deleted. */
  aclDeluser(...users: Many<string>[]): Promise<number> {
    return this.call('ACL', flat(['DELUSER', ...users]));
  }

  /** `'OK'` if `user` may run the command, else the reason it may not. */
  aclDryrun(user: string, command: string, ...args: RedisArg[]): Promise<string> {
    return this.call('ACL', ['DRYRUN', user, command, ...args], TEXT);
  }

  /** A random password of `bits` bits (default 256) as hex. */
  aclGenpass(bits?: number): Promise<string> {
    return this.call('ACL', optional(['GENPASS'], bits), TEXT);
  }

  /** The user's flags, passwords (hashed), commands, keys, channels, selectors; null for an unknown user. */
  aclGetuser(user: string): Promise<Record<string, unknown> | null> {
    return this.call<unknown[] | null>('ACL', ['GETUSER', user], TEXT).then((r) =>
      r === null ? null : pairsToObject(r),
    );
  }

  /** Every user as an ACL rule line. */
  aclList(): Promise<string[]> {
    return this.call('ACL', ['LIST'], TEXT);
  }

  /** Reloads the users from the server's ACL file (a ReplyError when it has none). */
  aclLoad(): Promise<'OK'> {
    return this.call('ACL', ['LOAD'], TEXT);
  }

  /** Recent denials (up to `count`, default 10); `aclLog('RESET')` clears them. */
  aclLog(reset: 'RESET'): Promise<'OK'>;
  aclLog(count?: number): Promise<AclLogEntry[]>;
  aclLog(arg?: number | 'RESET'): Promise<'OK' | AclLogEntry[]>;
  aclLog(arg?: number | 'RESET'): Promise<unknown> {
    if (arg === 'RESET') return this.call('ACL', ['LOG', 'RESET'], TEXT);
    return this.call<unknown[][]>('ACL', optional(['LOG'], arg), TEXT).then((list) => list.map(parseAclLogEntry));
  }

  /** Writes the users to the server's ACL file (a ReplyError when it has none). */
  aclSave(): Promise<'OK'> {
    return this.call('ACL', ['SAVE'], TEXT);
  }

  /** Creates or changes a user: `aclSetuser('app', 'on', '>secret', '~app:*', '+@read')`. */
  aclSetuser(user: string, ...rules: string[]): Promise<'OK'> {
    return this.call('ACL', ['SETUSER', user, ...rules], TEXT);
  }

  aclUsers(): Promise<string[]> {
    return this.call('ACL', ['USERS'], TEXT);
  }

  /** The user this connection is authenticated as. */
  aclWhoami(): Promise<string> {
    return this.call('ACL', ['WHOAMI'], TEXT);
  }
}

// `age-seconds` comes as a float in a bulk string; the other numeric fields are integers already.
function parseAclLogEntry(raw: unknown[]): AclLogEntry {
  const entry = pairsToObject(raw);
  if (entry['age-seconds'] !== undefined) entry['age-seconds'] = parseFloatReply(entry['age-seconds']);
  return entry as AclLogEntry;
}
