/** One cached reply, listed under the Redis key it was read from. */
interface Entry {
  readonly id: string;
  readonly key: string;
  value: unknown;
  /** Date.now() after which the entry is not used (Infinity without `ttl`). */
  expires: number;
}

/**
 * Cached replies in least-recently-used order (a Map keeps insertion order: a hit moves the entry to
 * the end, the first one is evicted), indexed by Redis key so that one invalidation drops every reply
 * read from that key.
 */
export class LruStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byKey = new Map<string, Set<Entry>>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttl: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached reply, or undefined (a miss, or an entry past its ttl, dropped now). */
  get(id: string): unknown {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expires !== Infinity && Date.now() >= entry.expires) {
      this.remove(entry);
      return undefined;
    }
    // Most recently used last: delete and set again is how a Map moves an entry to the end.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.value;
  }

  set(id: string, key: string, value: unknown): void {
    const old = this.entries.get(id);
    if (old !== undefined) this.remove(old);
    const entry: Entry = { id, key, value, expires: this.ttl > 0 ? Date.now() + this.ttl : Infinity };
    this.entries.set(id, entry);
    let set = this.byKey.get(key);
    if (set === undefined) this.byKey.set(key, (set = new Set()));
    set.add(entry);
    if (this.entries.size > this.maxEntries) this.remove(this.entries.values().next().value as Entry);
  }

  /** Drops every reply read from `key`; returns how many there were. */
  invalidate(key: string): number {
    const set = this.byKey.get(key);
    if (set === undefined) return 0;
    this.byKey.delete(key);
    for (const e of set) this.entries.delete(e.id);
    return set.size;
  }

  clear(): void {
    this.entries.clear();
    this.byKey.clear();
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.id);
    const set = this.byKey.get(entry.key);
    if (set === undefined) return;
    set.delete(entry);
    if (set.size === 0) this.byKey.delete(entry.key);
  }
}
