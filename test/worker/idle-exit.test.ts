/**
 * --exit-when-idle means "no message for this long": time the worker spends on a batch (a slow file
 * write, a long commit) must not count, or a busy worker leaves with records still waiting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openBroker } from '../../src/brokers/registry.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { Worker } from '../../src/worker/index.js';
import { attackFrame, envelope, pyDumps } from '../etl/fixtures.js';

/** Storage whose writes take `ms`: each file roll keeps the worker busy that long. */
class SlowStorage extends MemoryStorage {
  constructor(private readonly ms: number) {
    super();
  }
  override async write(path: string, data: Uint8Array): Promise<void> {
    await new Promise((r) => setTimeout(r, this.ms));
    return super.write(path, data);
  }
}

test('a worker busy writing files longer than its idle time still consumes everything', async () => {
  const topic = `idle-${Date.now()}`;
  const broker = await openBroker(`memory://idle-${Date.now()}`);
  const value = (i: number) =>
    Buffer.from(
      pyDumps(
        envelope(
          'kafka.lib.server.game',
          'Attack Completed',
          '2023-09-01T12:00:00.000001',
          pyDumps(attackFrame('2023-09-01T12:00:00Z', 'game', `u${i}`, 'e', 10, 100)),
        ),
      ),
    );
  await broker.ensureTopics([{ topic, partitions: 1 }]);
  await broker.publish(Array.from({ length: 60 }, (_, i) => ({ topic, value: value(i) })));
  const worker = new Worker({
    broker,
    storage: new SlowStorage(300),
    topics: [topic],
    group: 'g',
    from: 'earliest',
    mode: 'streaming',
    // Every 10 rows a roll of five files at 300 ms each: 1.5 s of writing per batch of 10, idle limit 200 ms.
    roll: { maxRows: 10, maxBytes: 1 << 30, maxAgeMs: 60_000 },
    memoryBudgetBytes: 1 << 30,
    compression: 'zstd',
    maxBatch: 10,
    idleExitMs: 200,
  });
  await worker.run();
  await broker.close();
  const stats = worker.stats();
  assert.equal(stats.consumed, 60, 'every message was consumed before the idle exit');
  assert.equal(stats.committed, 60, 'and committed');
});
