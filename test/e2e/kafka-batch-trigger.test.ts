/**
 * BATCH_CONTINUOUS=false (seed 001) with a real `heroflow worker` process, real Kafka and real Redis:
 * the worker idles on a Redis channel and runs ONE batch per trigger message (`{"message": "start"}` as
 * the Airflow DAGs send), reading from the stored positions at most BATCH_SIZE messages per partition,
 * saving the state, then idling again. Run `npm run build` first.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { countsKey, lastOffsetKey } from '../../src/state/index.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { heroflow, msgIds, publishTournament, waitFor } from '../worker/e2e-helpers.js';

const skip = (await skipUnlessService('kafka')) || (await skipUnlessService('redis'));
const KAFKA = SERVICE_URLS.kafka;
const REDIS = SERVICE_URLS.redis;

/** Occurrences of a pino `msg` in a process's stderr. */
const logged = (stderr: string, msg: string) =>
  stderr.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;

describe('batch mode, one batch per trigger (real Kafka + Redis)', { skip, timeout: 120_000 }, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup) await c();
  });

  test('each trigger runs exactly one batch of at most BATCH_SIZE per partition; state saved after each', async (t) => {
    const p = await publishTournament(KAFKA, { players: 40, games: 20, seed: 1001 });
    const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-trigger-'));
    const redis = new Redis(REDIS);
    const channel = `hf-trigger-${randomBytes(4).toString('hex')}`;
    cleanup.push(async () => {
      for (const topic of p.topics) await redis.del(countsKey(topic), lastOffsetKey(topic));
      redis.disconnect();
      await rm(out, { recursive: true, force: true });
    });
    const batchSize = 250;
    const w = heroflow([
      'worker',
      '--broker',
      KAFKA,
      '--topics',
      p.topics.join(','),
      '--group',
      `hf-e2e-${randomBytes(4).toString('hex')}`,
      '--out',
      out,
      '--mode',
      'batch',
      '--state',
      REDIS,
      '--batch-continuous',
      'false',
      '--trigger-channel',
      channel,
      '--batch-size',
      String(batchSize),
      '--log-level',
      'info',
    ]);
    cleanup.push(async () => {
      w.child.kill('SIGKILL');
      await w.exit;
    });
    const processed = async () => {
      let n = 0;
      for (const topic of p.topics) {
        const c = JSON.parse((await redis.get(countsKey(topic))) ?? '{}') as Record<string, number>;
        n += Object.values(c).reduce((a, b) => a + b, 0);
      }
      return n;
    };
    const trigger = async (n: number) => {
      await redis.publish(channel, JSON.stringify({ message: 'start' }));
      await waitFor(() => logged(w.stderr, 'batch done') >= n, 60_000);
      // Every partition here holds more than one batch at first: 6 partitions × BATCH_SIZE per batch.
      return { processed: await processed(), rows: (await msgIds(out)).rows };
    };

    await waitFor(() => logged(w.stderr, 'waiting for a trigger') >= 1, 30_000);
    assert.equal((await msgIds(out)).rows, 0, 'nothing is read before a trigger');
    const perBatch = batchSize * 6;
    assert.ok(p.total > 2 * perBatch, `the tournament fills more than two batches (${p.total})`);

    const one = await trigger(1);
    assert.deepEqual(
      one,
      { processed: perBatch, rows: perBatch },
      'one trigger = one batch of BATCH_SIZE per partition',
    );
    const two = await trigger(2);
    assert.deepEqual(
      two,
      { processed: 2 * perBatch, rows: 2 * perBatch },
      'the next trigger continues from the stored positions',
    );

    // Trigger until the topics are drained; one more trigger then finds nothing to do.
    let n = 2;
    while ((await processed()) < p.total) await trigger(++n);
    const ids = await msgIds(out);
    assert.equal(ids.rows, p.total);
    assert.equal(ids.unique, p.total);
    const idle = await trigger(++n);
    assert.deepEqual(
      idle,
      { processed: p.total, rows: p.total },
      'a trigger with nothing new writes nothing',
    );
    t.diagnostic(`${p.total} records in ${n} triggered batches (the last one empty)`);

    w.child.kill('SIGINT');
    assert.equal(await w.exit, 0, w.stderr.slice(-2000));
    assert.match(w.stdout, new RegExp(`batches run\\s+${n}`));
  });
});
