/**
 * Pure transforms from raw RESP2 replies (what redis-parser gives) to what the typed commands
 * resolve. Text fields accept Buffers too, so a transform works whatever encoding the call used.
 */
import { ProtocolError } from '../errors.js';
import { toText } from '../text.js';

/** A sorted-set member with its score. */
export interface ScoredMember<M = string> {
  member: M;
  score: number;
}

/** `INFO` parsed: lower-case section name -> field -> value (a number where the value is one). */
export type InfoReply = Record<string, Record<string, string | number>>;

export interface MasterRoleReply {
  role: 'master';
  replicationOffset: number;
  replicas: { ip: string; port: number; offset: number }[];
}

export interface SlaveRoleReply {
  role: 'slave';
  masterHost: string;
  masterPort: number;
  /** `connect`, `connecting`, `sync` or `connected`. */
  state: string;
  /** Replication offset; -1 while the replica is not connected. */
  offset: number;
}

export interface SentinelRoleReply {
  role: 'sentinel';
  masters: string[];
}

/** `ROLE` parsed. */
export type RoleReply = MasterRoleReply | SlaveRoleReply | SentinelRoleReply;

/** A float reply (`INCRBYFLOAT`, scores): Redis spells infinities `inf` / `-inf`. */
export function parseFloatReply(value: unknown): number {
  if (typeof value === 'number') return value;
  const text = toText(value);
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

export function parseNullableFloat(value: unknown): number | null {
  return value === null ? null : parseFloatReply(value);
}

/** A flat `[key1, value1, key2, value2, ...]` reply as an object (HGETALL, CONFIG GET, PUBSUB NUMSUB). */
export function pairsToObject<V>(reply: readonly V[]): Record<string, V> {
  const out: Record<string, V> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) setField(out, toText(reply[i]), reply[i + 1]);
  return out;
}

/** A flat `[a1, b1, a2, b2, ...]` reply as tuples (HSCAN, HRANDFIELD ... WITHVALUES). */
export function pairsToTuples<V>(reply: readonly V[]): [V, V][] {
  const out: [V, V][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) out.push([reply[i], reply[i + 1]]);
  return out;
}

/** A flat `[member1, score1, ...]` reply (WITHSCORES, ZPOPMIN, ZSCAN) as `{ member, score }` objects. */
export function withScores<M>(reply: readonly M[]): ScoredMember<M>[] {
  const out: ScoredMember<M>[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) out.push({ member: reply[i], score: parseFloatReply(reply[i + 1]) });
  return out;
}

/** `TIME`: `[unix seconds, microseconds]` as numbers. */
export function parseTime(reply: readonly unknown[]): [seconds: number, microseconds: number] {
  return [Number(toText(reply[0])), Number(toText(reply[1]))];
}

export function parseScriptExists(reply: readonly number[]): boolean[] {
  return reply.map((flag) => flag === 1);
}

/** `SCAN`-family replies: `[cursor, items]` with the cursor as text (it may exceed 2^53). */
export function parseScan<T>(reply: readonly [unknown, T[]]): [cursor: string, items: T[]] {
  return [toText(reply[0]), reply[1]];
}

// Only canonical decimals become numbers: ids such as `redis_git_sha1:00000000` stay strings.
const NUMERIC = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** `INFO` text into sections; lines before any `# Section` header go to `default`. */
export function parseInfo(text: string | Buffer): InfoReply {
  const info: InfoReply = {};
  let section: Record<string, string | number> | undefined;
  for (const rawLine of toText(text).split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      section = {};
      setField(info, line.slice(1).trim().toLowerCase(), section);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (section === undefined) setField(info, 'default', (section = {}));
    setField(section, line.slice(0, colon), infoValue(line.slice(colon + 1)));
  }
  return info;
}

function infoValue(value: string): string | number {
  if (!NUMERIC.test(value)) return value;
  const n = Number(value);
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? value : n;
}

/** `ROLE` into the shapes of API.md (ports and offsets as numbers). */
export function parseRole(reply: readonly unknown[]): RoleReply {
  const role = toText(reply[0]);
  switch (role) {
    case 'master': {
      const replicas = (reply[2] as readonly (readonly unknown[])[]).map(([ip, port, offset]) => ({
        ip: toText(ip),
        port: Number(toText(port)),
        offset: Number(toText(offset)),
      }));
      return { role, replicationOffset: Number(reply[1]), replicas };
    }
    case 'slave':
      return {
        role,
        masterHost: toText(reply[1]),
        masterPort: Number(reply[2]),
        state: toText(reply[3]),
        offset: Number(reply[4]),
      };
    case 'sentinel':
      return { role, masters: (reply[1] as readonly unknown[]).map((m) => toText(m)) };
    default:
      throw new ProtocolError(`Unexpected ROLE reply: ${role}`);
  }
}

// A field named `__proto__` must become an own property, not replace the prototype.
function setField<V>(target: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
