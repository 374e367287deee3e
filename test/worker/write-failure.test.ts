/**
 * A failed write ends the worker's run at once with HF_STORAGE_IO: not at a next batch that may never
 * come, and never as an unhandled rejection from stop().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openBroker } from '../../src/brokers/registry.js';
import { isHeroflowError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { Worker } from '../../src/worker/index.js';
import { attackFrame, envelope, pyDumps } from '../etl/fixtures.js';

class BrokenStorage extends MemoryStorage {
  override async write(): Promise<void> {
    throw new Error('disk full');
  }
}

test('a write failure stops a worker that has nothing more to read, and run() rejects with it', {
  timeout: 30_000,
}, async () => {
  const topic = `fail-${Date.now()}`;
  const broker = await openBroker(`memory://fail-${Date.now()}`);
  const value = Buffer.from(
    pyDumps(
      envelope(
        'kafka.lib.server.game',
        'Attack Completed',
        '2023-09-01T12:00:00',
        pyDumps(attackFrame('2023-09-01T12:00:00Z', 'g', 'u', 'e', 10, 100)),
      ),
    ),
  );
  await broker.ensureTopics([{ topic, partitions: 1 }]);
  await broker.publish(Array.from({ length: 10 }, () => ({ topic, value })));
  const worker = new Worker({
    broker,
    storage: new BrokenStorage(),
    topics: [topic],
    group: 'g',
    from: 'earliest',
    mode: 'streaming',
    // Rolls after 5 records; no idle exit: without the failure callback this run would never end.
    roll: { maxRows: 5, maxBytes: 1 << 30, maxAgeMs: 60_000 },
    memoryBudgetBytes: 1 << 30,
    compression: 'zstd',
  });
  await assert.rejects(worker.run(), (err) => isHeroflowError(err, 'HF_STORAGE_IO'));
  await worker.stop(); // resolves: the failure was reported by run()
  await broker.close();
  assert.equal(worker.stats().committed, 0, 'nothing committed past the failed file');
});
