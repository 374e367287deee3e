/**
 * A worker that finds, just before writing a segment, that a newer owner of the partition has already
 * written and acknowledged past the segment's start drops the segment: its files, named by that start,
 * would replace the newer owner's longer ones (the rebalance loss of docs/kafka.md). Batch mode on the
 * memory broker, where "the newer owner" is the offset store moving on; the Kafka group's side is
 * `committedPast` in test/brokers/kafka.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openBroker } from '../../src/brokers/registry.js';
import { openOffsetStore } from '../../src/state/index.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { Worker } from '../../src/worker/index.js';
import { attackRecord, pyDumps } from '../etl/fixtures.js';

const value = (i: number) => Buffer.from(pyDumps(attackRecord('game', `u${i}`)));

async function run(othersWrotePast: boolean) {
  const topic = `past-${Date.now()}`;
  const broker = await openBroker(`memory://past-${Date.now()}-${othersWrotePast}`);
  const offsets = openOffsetStore(`memory://past-${Date.now()}-${othersWrotePast}`);
  const storage = new MemoryStorage();
  await broker.ensureTopics([{ topic, partitions: 1 }]);
  await broker.publish(Array.from({ length: 20 }, (_, i) => ({ topic, value: value(i) })));
  const worker = new Worker({
    broker,
    storage,
    topics: [topic],
    group: 'g',
    from: 'earliest',
    mode: 'batch',
    offsetStore: offsets,
    // Nothing rolls by itself: the one segment is written by stop()'s flush.
    roll: { maxRows: 1_000, maxBytes: 1 << 30, maxAgeMs: 600_000 },
    memoryBudgetBytes: 1 << 30,
    compression: 'zstd',
  });
  void worker.run();
  const deadline = Date.now() + 20_000;
  while (worker.stats().consumed < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(worker.stats().consumed, 20, 'the worker read the backlog');
  // Another worker of the group wrote offsets 0..29 of this partition and recorded them meanwhile.
  if (othersWrotePast) await offsets.advance(topic, 0, 30, 29n);
  await worker.stop();
  const files = await storage.list();
  const state = await offsets.load(topic);
  await broker.close();
  await offsets.close();
  return { files, stats: worker.stats(), state };
}

test('a segment whose start another worker has written past is not written, nor recorded', async () => {
  const { files, stats, state } = await run(true);
  assert.deepEqual(files, [], 'no file replaces the other worker’s');
  assert.equal(stats.segmentsSuperseded, 1);
  assert.equal(stats.committed, 0);
  assert.equal(state.counts['0'], 30, 'the store keeps the other worker’s count only');
});

test('control: the same segment with nobody past it is written and recorded', async () => {
  const { files, stats, state } = await run(false);
  assert.ok(
    files.some((f) => f.startsWith('lib_server_game/')),
    files.join(', '),
  );
  assert.equal(stats.segmentsSuperseded, 0);
  assert.equal(stats.committed, 20);
  assert.equal(state.lastOffset['0'], 19n);
});
