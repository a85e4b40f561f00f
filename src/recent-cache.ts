// A bounded cache of recently used entries in two generations: a hit costs one lookup (no
// re-insertion), and forgetting is dropping the older generation whole (no iterator walk). V8's
// `Map` makes both of the usual LRU moves slow once it holds thousands of entries.

export class RecentCache<K, V> {
  readonly #half: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  /** Holds at most `capacity` entries: those used within the last `capacity / 2` insertions, at least. */
  constructor(capacity: number) {
    this.#half = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    // Used again: carried into the young generation, so it outlives the old one.
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: K, value: V): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }

  delete(key: K): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }
}
