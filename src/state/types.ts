/**
 * Offset state kept outside the broker (seed 001's "batch" mode): per topic, how many messages each
 * partition has processed and the last processed offset of each partition.
 */

export interface OffsetState {
  /** Partition (as text) → messages processed. The seed's reset value `{"": 0}` is kept as written. */
  counts: Record<string, number>;
  /**
   * Partition (as text) → last processed offset. Absent or negative means "from the beginning".
   * A stored plain integer (the seed's `SET … last_offset -1`) applies to every partition; it is loaded
   * under the key `'*'`.
   */
  lastOffset: Record<string, bigint>;
}

export interface OffsetStore {
  /** The URL it was opened with, credentials redacted. */
  readonly url: string;
  /** Stored state of a topic; empty state when nothing was stored. */
  load(topic: string): Promise<OffsetState>;
  /** Replace the stored state of a topic; both parts change together or not at all. */
  save(topic: string, state: OffsetState): Promise<void>;
  /**
   * Atomically add `count` processed messages to one partition and move its last offset up to
   * `lastOffset` (never down), leaving every other partition as stored. Workers of one group own
   * different partitions of a topic but share its two keys, so a load-modify-save across processes would
   * lose updates; this is the write the worker uses.
   */
  advance(topic: string, partition: number, count: number, lastOffset: bigint): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Key under which a stored plain integer (applying to every partition) is loaded. */
export const ALL_PARTITIONS = '*';

export function emptyState(): OffsetState {
  return { counts: {}, lastOffset: {} };
}
