/**
 * Batch mode (seed 001): positions are held outside the broker, in an offset store, and never committed
 * to it. After each durable write the per-partition counts grow and `last_offset` moves to the highest
 * offset written; on assignment the worker seeks to `last_offset + 1`.
 *
 * Several workers of one group share a topic's two keys while owning different partitions, so each
 * durable write is one atomic `advance` per partition (a Lua script in Redis), never load-modify-save.
 */
import type { Delivery, StartPosition, TopicPartition } from '../brokers/types.js';
import { type OffsetStore, startPositions } from '../state/index.js';

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
    const runs = new Map<string, { topic: string; partition: number; count: number; last: bigint }>();
    for (const d of deliveries) {
      if (d.offset === undefined) continue;
      const k = `${d.topic}\u0000${d.partition}`;
      const run = runs.get(k);
      if (!run) runs.set(k, { topic: d.topic, partition: d.partition, count: 1, last: d.offset });
      else {
        run.count++;
        if (d.offset > run.last) run.last = d.offset;
      }
    }
    for (const r of runs.values()) await this.store.advance(r.topic, r.partition, r.count, r.last);
  }
}
