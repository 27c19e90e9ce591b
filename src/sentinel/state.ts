import { toText } from '../text.js';

/** Typed views of SENTINEL MASTER / REPLICAS / SENTINELS replies; keys are kept as the sentinel sends them. */

interface InstanceState {
  name: string;
  ip: string;
  port: number;
  runid: string;
  /** `'master'`, `'slave'`, `'sentinel'`, `'s_down'`, `'o_down'`, `'disconnected'`, ... */
  flags: string[];
  'link-pending-commands': number;
  'link-refcount': number;
  'last-ping-sent': number;
  'last-ok-ping-reply': number;
  'last-ping-reply': number;
  'down-after-milliseconds': number;
  [key: string]: string | number | string[] | undefined;
}

export interface MasterState extends InstanceState {
  'info-refresh': number;
  'role-reported': string;
  'role-reported-time': number;
  'config-epoch': number;
  'num-slaves': number;
  'num-other-sentinels': number;
  quorum: number;
  'failover-timeout': number;
  'parallel-syncs': number;
}

export interface ReplicaState extends InstanceState {
  'master-link-down-time': number;
  'master-link-status': string;
  'master-host': string;
  'master-port': number;
  'slave-priority': number;
  'slave-repl-offset': number;
}

export interface SentinelState extends InstanceState {
  'last-hello-message': number;
  'voted-leader': string;
  'voted-leader-epoch': number;
}

const INTEGER_FIELDS = new Set([
  'can-failover-its-master',
  'config-epoch',
  'down-after-milliseconds',
  'failover-timeout',
  'info-refresh',
  'last-hello-message',
  'last-ok-ping-reply',
  'last-ping-reply',
  'last-ping-sent',
  'master-link-down-time',
  'master-port',
  'num-other-sentinels',
  'num-slaves',
  'o-down-time',
  'pending-commands',
  'link-pending-commands',
  'link-refcount',
  'parallel-syncs',
  'port',
  'quorum',
  'role-reported-time',
  's-down-time',
  'slave-priority',
  'replica-priority',
  'slave-repl-offset',
  'voted-leader-epoch',
  'failover-state-change-time',
  'failover-start-time',
]);

/** Flat `[k1, v1, k2, v2, ...]` to an object: known integers as numbers, flags as a list. */
export function parseState<T extends InstanceState>(reply: unknown): T {
  if (!Array.isArray(reply)) throw new TypeError('Expected a SENTINEL state reply (an array of pairs)');
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const key = toText(reply[i]);
    const raw = toText(reply[i + 1]);
    if (key === 'flags') out[key] = raw.length > 0 ? raw.split(',') : [];
    else if (INTEGER_FIELDS.has(key) && /^-?\d+$/.test(raw)) out[key] = Number(raw);
    else out[key] = raw;
  }
  return out as T;
}

export function parseStates<T extends InstanceState>(reply: unknown): T[] {
  if (!Array.isArray(reply)) throw new TypeError('Expected a list of SENTINEL state replies');
  return reply.map((item) => parseState<T>(item));
}

const DOWN_FLAGS = ['s_down', 'o_down', 'disconnected'];

/** True when the sentinel flags the instance as down or unreachable. */
export function isDown(state: { flags: string[] }): boolean {
  return state.flags.some((f) => DOWN_FLAGS.includes(f));
}
