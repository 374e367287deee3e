/**
 * Batch mode (seed 001): positions are held outside the broker, in an offset store, and never committed
 * to it. After each durable write the per-partition counts grow and `last_offset` moves to the highest
 * offset written; on assignment the worker seeks to `last_offset + 1`.
 *
 * Several workers of one group share a topic's two keys while owning different partitions, so each
 * durable write is one atomic `advance` per partition (a Lua script in Redis), never load-modify-save.
 */
import type { Delivery, StartPosition, TopicPartition } from '../brokers/types.js';
import type { DeliveryRun } from '../etl/index.js';
import { ALL_PARTITIONS, type OffsetStore, startPositions } from '../state/index.js';

export class BatchOffsets {
  constructor(private readonly store: OffsetStore) {}

  async startPositions(tps: TopicPartition[]): Promise<StartPosition[]> {
    const out: StartPosition[] = [];
    for (const topic of new Set(tps.map((tp) => tp.topic))) {
      const state = await this.store.load(topic);
      out.push(
        ...startPositions(
          state,
          tps.filter((tp) => tp.topic === topic),
        ),
      );
    }
    return out;
  }

  /** Whether the store's last offset of the partition is at or past `first` (another worker wrote it). */
  async writtenPast(first: Delivery): Promise<boolean> {
    if (first.offset === undefined) return false;
    const stored = (await this.store.load(first.topic)).lastOffset;
    const last = stored[String(first.partition)] ?? stored[ALL_PARTITIONS];
    return last !== undefined && last >= first.offset;
  }

  /** A durable segment: one partition's run of deliveries. */
  async record(run: DeliveryRun): Promise<void> {
    const { first, last } = run;
    if (first === undefined || last?.offset === undefined) return;
    await this.store.advance(first.topic, first.partition, run.count, last.offset);
  }
}
