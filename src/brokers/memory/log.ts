/**
 * The memory broker's storage: topics of append-only partition logs with Kafka-like offsets. Offsets are
 * plain numbers inside (2^53 messages is beyond any process lifetime) and become bigint only at the
 * contract boundary, which keeps the hot path cheap.
 */
import { partitionForKey } from '../util/murmur2.js';

export interface StoredMessage {
  key?: string;
  value: Uint8Array;
  headers?: Record<string, string>;
  timestamp: number;
}

export class PartitionLog {
  private entries: StoredMessage[] = [];
  /** Offset of `entries[0]`; grows when retention trims the head. */
  private base = 0;

  constructor(private readonly retention: number) {}

  /** First offset still readable. */
  get startOffset(): number {
    return this.base;
  }

  /** Offset the next appended message gets (Kafka's log end offset / high watermark). */
  get endOffset(): number {
    return this.base + this.entries.length;
  }

  append(message: StoredMessage): number {
    this.entries.push(message);
    // Trim in chunks so retention costs O(1) amortised instead of a shift per append.
    if (this.entries.length > this.retention * 1.25) {
      const drop = this.entries.length - this.retention;
      this.entries = this.entries.slice(drop);
      this.base += drop;
    }
    return this.endOffset - 1;
  }

  /** The message at `offset`, or `undefined` when it was trimmed or not written yet. */
  get(offset: number): StoredMessage | undefined {
    return offset < this.base ? undefined : this.entries[offset - this.base];
  }
}

export class Topic {
  readonly partitions: PartitionLog[] = [];
  /** Wake-ups of consumers blocked on this topic, called after each append batch or partition change. */
  readonly listeners = new Set<() => void>();
  private roundRobin = 0;

  constructor(
    readonly name: string,
    partitions: number,
    private readonly retention: number,
  ) {
    this.grow(partitions);
  }

  /** Partition counts only grow, as in Kafka (shrinking would reshuffle keys and lose offsets). */
  grow(partitions: number): boolean {
    if (partitions <= this.partitions.length) return false;
    while (this.partitions.length < partitions) this.partitions.push(new PartitionLog(this.retention));
    return true;
  }

  notify(): void {
    for (const wake of this.listeners) wake();
  }

  /** Keyed messages go by Kafka's murmur2 partitioner; key-less ones round-robin to spread load. */
  partitionFor(key: string | undefined): number {
    const n = this.partitions.length;
    if (key !== undefined) return partitionForKey(key, n);
    this.roundRobin = (this.roundRobin + 1) % n;
    return this.roundRobin;
  }
}
