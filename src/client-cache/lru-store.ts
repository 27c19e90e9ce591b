/** One cached reply, listed under the Redis key it was read from. */
interface Entry {
  /** The group map it sits in (one per command spelling and reply form) and its id there. */
  readonly group: Map<string, Entry>;
  readonly id: string;
  readonly key: string;
  readonly value: unknown;
  /** Date.now() after which the entry is not used (Infinity without `ttl`). */
  readonly expires: number;
  /** The store's `clock` when the entry was last placed at the recent end. */
  placed: number;
}

/**
 * Cached replies, found by group (command and reply form, see cacheable.ts) then id (the arguments;
 * for one string argument, the argument itself, so a hit builds no string), in least-recently-used
 * order (a Set keeps insertion order: the first entry is the one evicted), and indexed by Redis key
 * so that one invalidation drops every reply read from that key. A hit moves its entry to the recent
 * end only once it has fallen into the older half: a delete + add on every hit cost 12% of a hot-key
 * run, and an entry in the recent half is not near eviction anyway.
 */
export class LruStore {
  private readonly groups = new Map<string, Map<string, Entry>>();
  private readonly order = new Set<Entry>();
  private readonly byKey = new Map<string, Set<Entry>>();
  /** Counts placements at the recent end (inserts and moves). */
  private clock = 0;
  private readonly half: number;

  constructor(
    private readonly maxEntries: number,
    private readonly ttl: number,
  ) {
    this.half = maxEntries >> 1;
  }

  get size(): number {
    return this.order.size;
  }

  /** The cached reply, or undefined (a miss, or an entry past its ttl, dropped now). */
  get(group: string, id: string): unknown {
    const entry = this.groups.get(group)?.get(id);
    if (entry === undefined) return undefined;
    if (entry.expires !== Infinity && Date.now() >= entry.expires) {
      this.remove(entry);
      return undefined;
    }
    if (this.clock - entry.placed >= this.half) {
      this.order.delete(entry);
      this.order.add(entry);
      entry.placed = ++this.clock;
    }
    return entry.value;
  }

  set(group: string, id: string, key: string, value: unknown): void {
    let map = this.groups.get(group);
    if (map === undefined) this.groups.set(group, (map = new Map()));
    const old = map.get(id);
    if (old !== undefined) this.remove(old);
    const entry: Entry = {
      group: map,
      id,
      key,
      value,
      expires: this.ttl > 0 ? Date.now() + this.ttl : Infinity,
      placed: ++this.clock,
    };
    map.set(id, entry);
    this.order.add(entry);
    let set = this.byKey.get(key);
    if (set === undefined) this.byKey.set(key, (set = new Set()));
    set.add(entry);
    if (this.order.size > this.maxEntries) this.remove(this.order.values().next().value as Entry);
  }

  /** Drops every reply read from `key`; returns how many there were. */
  invalidate(key: string): number {
    const set = this.byKey.get(key);
    if (set === undefined) return 0;
    this.byKey.delete(key);
    for (const e of set) {
      e.group.delete(e.id);
      this.order.delete(e);
    }
    return set.size;
  }

  clear(): void {
    for (const map of this.groups.values()) map.clear();
    this.order.clear();
    this.byKey.clear();
  }

  private remove(entry: Entry): void {
    entry.group.delete(entry.id);
    this.order.delete(entry);
    const set = this.byKey.get(entry.key);
    if (set === undefined) return;
    set.delete(entry);
    if (set.size === 0) this.byKey.delete(entry.key);
  }
}
