/**
 * The delivery oracle on real pipelines: records published by the bench's producers, written by real
 * workers (an in-process one on memory://, a `heroflow worker` process on redis+streams://), read back from
 * Parquet. A clean run has nothing to report; a deleted file must show as lost, a copied file and a replayed
 * publish as duplicates, a reversed file as out of order — a check that cannot fail is worthless.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkDelivery, type OutputFile, readOutputRows } from '../../src/bench/index.js';
import { publishPlan } from '../../src/bench/publisher.js';
import { simulatorPool } from '../../src/bench/records.js';
import { startWorker } from '../../src/bench/workers.js';
import { openBroker } from '../../src/brokers/index.js';
import { ensureBuilt } from '../helpers/cli.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const pool = await simulatorPool(10, 'redis');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Publishes `count` records, lets one worker write them, stops it; returns the ledger and the output. */
async function pipeline(url: string, count: number) {
  const runId = randomBytes(4).toString('hex');
  const topic = `hfbench.test.${runId}`;
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'heroflow-oracle-'));
  dirs.push(outDir);
  const broker = await openBroker(url);
  try {
    await broker.ensureTopics([{ topic, partitions: 2 }]);
    const worker = startWorker({
      brokerUrl: url,
      topic,
      group: `g-${runId}`,
      id: `w-${runId}`,
      outDir,
      rollRows: 400,
      rollAgeMs: 500,
    });
    await worker.ready();
    const published = await publishPlan({
      broker,
      pool,
      topic,
      runId,
      rate: 0,
      producers: 2,
      batchSize: 100,
      count,
    });
    const deadline = Date.now() + 60_000;
    while ((await worker.counts()).committed < count && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await worker.stop();
    const deliveries = (await worker.counts()).consumed;
    await broker.deleteGroup?.(`g-${runId}`, [topic]).catch(() => {});
    return { runId, topic, outDir, sentAt: published.sentAt, deliveries, broker: url };
  } finally {
    await broker.close();
  }
}

async function bufferMetaFiles(outDir: string): Promise<string[]> {
  const root = path.join(outDir, 'buffer_meta');
  return (await readdir(root, { recursive: true }))
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => path.join(root, f));
}

function verdict(p: Awaited<ReturnType<typeof pipeline>>, files: OutputFile[], deliveries = p.deliveries) {
  return checkDelivery({ runId: p.runId, sentAt: p.sentAt, files, deliveries });
}

const CASES = [
  { name: 'memory://', url: 'memory://bench-oracle', skip: false as false | string },
  {
    name: 'redis+streams:// (worker process)',
    url: SERVICE_URLS.redis.replace(/^redis:/, 'redis+streams:'),
    skip: await skipUnlessService('redis'),
  },
];

for (const c of CASES) {
  describe(`delivery oracle on ${c.name}`, { skip: c.skip }, () => {
    test('a clean run: nothing lost, nothing duplicated, every record delivered once, in order per key', async () => {
      ensureBuilt();
      const p = await pipeline(c.url, 1500);
      const v = verdict(p, await readOutputRows(p.outDir));
      assert.equal(v.published, 1500);
      assert.equal(v.written, 1500);
      assert.equal(v.lost, 0);
      assert.equal(v.duplicateRows, 0);
      assert.equal(v.unexpected, 0);
      assert.equal(v.outOfOrder, 0);
      assert.equal(v.deliveryFactor, 1);
      assert.ok(v.files >= 2, `expected several files, got ${v.files}`);
      assert.equal(v.endToEnd.count, 1500);

      // Planted loss: a deleted buffer_meta file's records are missing.
      const files = await bufferMetaFiles(p.outDir);
      const victim = (await readOutputRows(p.outDir))[0];
      await unlink(path.join(p.outDir, victim.path));
      const lost = verdict(p, await readOutputRows(p.outDir));
      assert.equal(lost.lost, victim.msgIds.length);
      assert.equal(lost.written, 1500 - victim.msgIds.length);
      assert.ok(lost.lostSample.every((id) => victim.msgIds.includes(id)));

      // Planted duplicates: a file written twice under another name (a replay that named its segment anew).
      const copy = files.find((f) => !f.endsWith(path.basename(victim.path))) ?? files[1];
      await copyFile(copy, copy.replace(/\.parquet$/, '-replayed.parquet'));
      const rows = await readOutputRows(p.outDir);
      const copied = rows.find((f) => f.path.endsWith('-replayed.parquet'));
      assert.ok(copied);
      const dup = verdict(p, rows);
      assert.equal(dup.duplicateRows, copied.msgIds.length);

      // A replayed delivery the workers counted twice shows in the delivery factor.
      assert.equal(verdict(p, rows, p.deliveries * 2).deliveryFactor, 2);

      // Out of order: the same file with its rows reversed, standing alone for its keys.
      const reversed: OutputFile = {
        ...copied,
        msgIds: [...copied.msgIds].reverse(),
        keys: [...copied.keys].reverse(),
      };
      const ooo = checkDelivery({ runId: p.runId, sentAt: p.sentAt, files: [reversed], deliveries: 0 });
      const keys = new Set(copied.keys);
      assert.ok(ooo.outOfOrder >= copied.msgIds.length - keys.size, `out of order ${ooo.outOfOrder}`);
    });

    // memory:// forgets a topic with its last handle, so a replay there starts at offset 0 again and its
    // files overwrite the originals by name: exactly-once by naming, nothing for the oracle to catch.
    test('records published again (a producer replay under the same ids) are duplicates, not new records', {
      skip: c.url.startsWith('memory:') && 'memory:// keeps no topic between runs',
    }, async () => {
      const p = await pipeline(c.url, 600);
      const broker = await openBroker(c.url);
      const group = `g2-${p.runId}`;
      try {
        // The same msg_ids published a second time, read by a second group into the same output.
        const worker = startWorker({
          brokerUrl: c.url,
          topic: p.topic,
          group,
          id: `w2-${p.runId}`,
          outDir: p.outDir,
          rollRows: 400,
          rollAgeMs: 500,
        });
        await worker.ready();
        await publishPlan({
          broker,
          pool,
          topic: p.topic,
          runId: p.runId,
          rate: 0,
          producers: 2,
          batchSize: 100,
          count: 600,
        });
        const deadline = Date.now() + 60_000;
        // The new group reads from earliest: the first 600 again, then the replayed 600.
        while ((await worker.counts()).committed < 1200 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        await worker.stop();
        await broker.deleteGroup?.(group, [p.topic]).catch(() => {});
      } finally {
        await broker.close();
      }
      const v = verdict(p, await readOutputRows(p.outDir));
      assert.equal(v.lost, 0);
      assert.ok(v.duplicateRows >= 600, `duplicate rows ${v.duplicateRows}`);
    });
  });
}
