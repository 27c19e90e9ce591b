// Stream replies (RESP2 arrays) into objects: entries `{ id, fields }`, XREAD's per-stream lists,
// XPENDING, XAUTOCLAIM and XINFO as objects whose keys are the names Redis gives the fields.
import { toText } from '../text.js';
import { pairsToObject } from '../client/reply-parsers.js';

/** One stream entry: its id and its fields (field names as text, values per the call's encoding). */
export interface StreamEntry<V = string> {
  id: string;
  fields: Record<string, V>;
}

/** An entry read again from a consumer's pending list after it was deleted: XREADGROUP gives no fields. */
export interface PendingStreamEntry<V = string> {
  id: string;
  fields: Record<string, V> | null;
}

/** XREAD / XREADGROUP: the entries read from one stream. */
export interface StreamRead<E> {
  key: string;
  entries: E[];
}

/** XPENDING key group: the summary. */
export interface PendingSummary {
  count: number;
  /** Lowest and highest pending ids; null when nothing is pending. */
  min: string | null;
  max: string | null;
  consumers: { name: string; count: number }[];
}

/** XPENDING key group start end count: one pending entry. */
export interface PendingEntry {
  id: string;
  consumer: string;
  /** ms since it was last delivered. */
  idle: number;
  deliveries: number;
}

/** XAUTOCLAIM: the cursor to go on from (`'0-0'`: done), the claimed entries, ids deleted meanwhile. */
export interface AutoClaim<E> {
  next: string;
  entries: E[];
  deleted: string[];
}

type Raw = unknown[];

export function parseEntry<V>(raw: unknown): PendingStreamEntry<V> {
  const [id, fields] = raw as [unknown, V[] | null];
  return { id: toText(id), fields: fields === null ? null : pairsToObject(fields) };
}

export function parseEntries<V>(raw: unknown): StreamEntry<V>[] {
  return (raw as Raw).map(parseEntry) as StreamEntry<V>[];
}

export function parseStreamReads<V>(raw: unknown): StreamRead<PendingStreamEntry<V>>[] | null {
  if (raw === null) return null;
  return (raw as [unknown, Raw][]).map(([key, entries]) => ({ key: toText(key), entries: entries.map(parseEntry<V>) }));
}

export function parsePendingSummary(raw: unknown): PendingSummary {
  const [count, min, max, consumers] = raw as [number, unknown, unknown, [unknown, unknown][] | null];
  return {
    count,
    min: min === null ? null : toText(min),
    max: max === null ? null : toText(max),
    consumers: (consumers ?? []).map(([name, n]) => ({ name: toText(name), count: Number(toText(n)) })),
  };
}

export function parsePendingEntries(raw: unknown): PendingEntry[] {
  return (raw as [unknown, unknown, number, number][]).map(([id, consumer, idle, deliveries]) => ({
    id: toText(id),
    consumer: toText(consumer),
    idle,
    deliveries,
  }));
}

export function parseAutoClaim<E>(raw: unknown, entry: (item: unknown) => E): AutoClaim<E> {
  const [next, entries, deleted] = raw as [unknown, Raw, Raw | undefined];
  return { next: toText(next), entries: entries.map(entry), deleted: (deleted ?? []).map((id) => toText(id)) };
}

/** A flat `[name, value, ...]` reply as an object, the entry fields (`first-entry`, ...) parsed. */
export function parseInfoObject(raw: unknown): Record<string, unknown> {
  const info = pairsToObject(raw as Raw);
  for (const field of ['first-entry', 'last-entry']) {
    const value = info[field];
    if (value !== undefined) info[field] = value === null ? null : parseEntry(value);
  }
  const entries = info['entries'];
  if (Array.isArray(entries)) info['entries'] = entries.map(parseEntry);
  const groups = info['groups'];
  if (Array.isArray(groups)) info['groups'] = groups.map(parseInfoObject);
  const consumers = info['consumers'];
  if (Array.isArray(consumers)) info['consumers'] = consumers.map(parseInfoObject);
  return info;
}

export function parseInfoList(raw: unknown): Record<string, unknown>[] {
  return (raw as Raw).map(parseInfoObject);
}
