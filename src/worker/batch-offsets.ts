/**
 * Batch mode (seed 001): positions are held outside the broker, in an offset store, and never committed
 * to it. After each durable write the per-partition counts grow and `last_offset` moves to the highest
 * offset written; on assignment the worker seeks to `last_offset + 1`.
 */
import type { Delivery, StartPosition, TopicPartition } from '../brokers/types.js';
import { type OffsetStore, recordProcessed, startPositions } from '../state/index.js';

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

  async record(deliveries: Delivery[]): Promise<void> {
    for (const topic of new Set(deliveries.map((d) => d.topic))) {
      const state = await this.store.load(topic);
      for (const d of deliveries) {
        if (d.topic === topic && d.offset !== undefined) recordProcessed(state, d.partition, d.offset);
      }
      await this.store.save(topic, state);
    }
  }
}
