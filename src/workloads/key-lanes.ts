/**
 * Per-key ordering (seed 004 part 5, Pulsar Key_Shared's promise): at most one message per key in flight,
 * the others of that key waiting behind it in arrival order. A lane exists only while its key has a
 * message in flight and is dropped when its last one finishes, so memory follows the keys in flight (at
 * most the workload's held messages), not every key ever seen — the unbounded-keys problem Pekko's
 * `groupBy` has and the seed solved with ZIO.
 */
export class KeyLanes<T> {
  /** key → items waiting behind the one in flight (present = a message of the key is in flight). */
  readonly #lanes = new Map<string, T[]>();

  /** True when `item` may run now; otherwise it waits behind its key's message in flight. */
  enter(key: string, item: T): boolean {
    const lane = this.#lanes.get(key);
    if (lane) {
      lane.push(item);
      return false;
    }
    this.#lanes.set(key, []);
    return true;
  }

  /** The key's message finished: the next one of the key to run, or undefined (the lane is dropped). */
  leave(key: string): T | undefined {
    const lane = this.#lanes.get(key);
    if (!lane) return undefined;
    const next = lane.shift();
    if (next === undefined) this.#lanes.delete(key);
    return next;
  }

  /** Keys with a message in flight. */
  get size(): number {
    return this.#lanes.size;
  }

  /** Messages waiting behind their key. */
  get waiting(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane.length;
    return n;
  }
}
