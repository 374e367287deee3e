/**
 * Between stored offset state and a consumer: where to start (seed 001: seek to last_offset + 1, or to
 * the beginning when there is none) and how a processed message moves the state.
 */
import type { StartPosition, TopicPartition } from '../brokers/types.js';
import { ALL_PARTITIONS, type OffsetState } from './types.js';

/** The offset after the stored one for each partition; `'earliest'` when none (or -1) is stored. */
export function startPositions(state: OffsetState, partitions: TopicPartition[]): StartPosition[] {
  return partitions.map(({ topic, partition }) => {
    const last = state.lastOffset[String(partition)] ?? state.lastOffset[ALL_PARTITIONS];
    return { topic, partition, offset: last === undefined || last < 0n ? 'earliest' : last + 1n };
  });
}

/** Count one processed message and remember its offset (upstream's `add_counts(tp, 1, offset)`). */
export function recordProcessed(state: OffsetState, partition: number, offset: bigint): void {
  const p = String(partition);
  state.counts[p] = (state.counts[p] ?? 0) + 1;
  const last = state.lastOffset[p];
  if (last === undefined || offset > last) state.lastOffset[p] = offset;
}

/** `advance` on a loaded state: the in-process half of OffsetStore.advance (memory and file stores). */
export function advanceState(state: OffsetState, partition: number, count: number, lastOffset: bigint): void {
  const p = String(partition);
  state.counts[p] = (state.counts[p] ?? 0) + count;
  // A plain stored integer cannot sit next to per-partition entries in the seed's format; the codec drops
  // it on save, so it is spelled out for this partition before that happens.
  const last = state.lastOffset[p] ?? state.lastOffset[ALL_PARTITIONS];
  state.lastOffset[p] = last === undefined || lastOffset > last ? lastOffset : last;
}
