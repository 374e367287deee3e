/**
 * Contiguous-offset commit tracking for brokers with positions (Kafka, memory, stream sequences).
 *
 * A consumer may finish messages out of order (key lanes, parallel workloads), but a broker offset commit
 * acknowledges everything below it. Committing the highest finished offset would acknowledge messages still
 * in flight and lose them on a crash. The tracker only advances the committable watermark over a contiguous
 * run of finished deliveries.
 *
 * Offsets are registered as they are delivered (`track`), so gaps in the log (Kafka transaction markers,
 * compaction, retention) never stall the watermark: it is "the first delivered offset not yet done", or one
 * past the last delivered offset when everything delivered is done.
 */
export class OffsetTracker {
  /** Delivered offsets not yet below the watermark, ascending; `head` avoids shifting the array. */
  private pending: bigint[] = [];
  private head = 0;
  private readonly done = new Set<bigint>();
  private mark: bigint;
  private lastTracked: bigint;

  /** `start` is the position consumption starts from (the committed offset, or a seek target). */
  constructor(start: bigint) {
    this.mark = start;
    this.lastTracked = start - 1n;
  }

  /** Next offset to commit (Kafka semantics: the offset of the next message to read). */
  get watermark(): bigint {
    return this.mark;
  }

  /** Offsets delivered and not yet done. */
  get inFlight(): number {
    return this.pending.length - this.head - this.done.size;
  }

  /**
   * Register a delivered offset. Offsets must be tracked in ascending order; a repeat (redelivery of an
   * offset still in flight) or an offset below the watermark is ignored.
   */
  track(offset: bigint): void {
    if (offset <= this.lastTracked) return;
    if (this.head === this.pending.length) {
      // Everything delivered so far is done: a gap before this offset is acknowledged territory.
      this.mark = offset;
    }
    this.pending.push(offset);
    this.lastTracked = offset;
  }

  /**
   * Mark a delivered offset processed. Returns the new watermark when it advanced, `undefined` otherwise
   * (already done, never tracked, or an earlier offset is still in flight).
   */
  markDone(offset: bigint): bigint | undefined {
    if (offset < this.mark || offset > this.lastTracked) return undefined;
    this.done.add(offset);
    const before = this.mark;
    while (this.head < this.pending.length && this.done.has(this.pending[this.head])) {
      this.done.delete(this.pending[this.head]);
      this.head++;
    }
    this.mark = this.head < this.pending.length ? this.pending[this.head] : this.lastTracked + 1n;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    return this.mark > before ? this.mark : undefined;
  }

  /**
   * Mark every delivered offset in [from, to] processed: `markDone` of each, in one step. The usual case,
   * a run that starts at the watermark, costs one pass over the run and no set.
   */
  markRange(from: bigint, to: bigint): bigint | undefined {
    if (to < this.mark || from > this.lastTracked) return undefined;
    const before = this.mark;
    const pending = this.pending;
    if (from <= this.mark) {
      while (this.head < pending.length && pending[this.head] <= to) {
        this.done.delete(pending[this.head]);
        this.head++;
      }
    } else {
      for (let i = this.head; i < pending.length && pending[i] <= to; i++) {
        if (pending[i] >= from) this.done.add(pending[i]);
      }
    }
    while (this.head < pending.length && this.done.has(pending[this.head])) {
      this.done.delete(pending[this.head]);
      this.head++;
    }
    this.mark = this.head < pending.length ? pending[this.head] : this.lastTracked + 1n;
    if (this.head > 1024 && this.head * 2 > pending.length) {
      this.pending = pending.slice(this.head);
      this.head = 0;
    }
    return this.mark > before ? this.mark : undefined;
  }
}

/** One tracker per topic/partition, keyed by `"topic/partition"`. */
export class CommitTracker {
  private readonly trackers = new Map<string, OffsetTracker>();

  static key(topic: string, partition: number): string {
    return `${topic}/${partition}`;
  }

  /** Start (or restart after a rebalance / seek) tracking a partition at `start`. */
  reset(topic: string, partition: number, start: bigint): OffsetTracker {
    const tracker = new OffsetTracker(start);
    this.trackers.set(CommitTracker.key(topic, partition), tracker);
    return tracker;
  }

  get(topic: string, partition: number): OffsetTracker | undefined {
    return this.trackers.get(CommitTracker.key(topic, partition));
  }

  track(topic: string, partition: number, offset: bigint): void {
    this.trackers.get(CommitTracker.key(topic, partition))?.track(offset);
  }

  /** Returns the partition's new committable offset when it advanced. Unknown partitions are ignored. */
  markDone(topic: string, partition: number, offset: bigint): bigint | undefined {
    return this.trackers.get(CommitTracker.key(topic, partition))?.markDone(offset);
  }

  /** Stop tracking a revoked partition: late commits for it are then ignored. */
  forget(topic: string, partition: number): void {
    this.trackers.delete(CommitTracker.key(topic, partition));
  }
}
