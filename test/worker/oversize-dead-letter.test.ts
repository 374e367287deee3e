/**
 * Issue 14, failure 1: a malformed record just under its topic's max.message.bytes was accepted, its
 * dead-letter copy (plus two headers) was not, and the publish retried the non-retriable
 * MESSAGE_TOO_LARGE for two minutes, then the worker died, on every restart. Now the refusal is
 * HF_MESSAGE_TOO_LARGE at once, the copy goes truncated with the original's size and digest, and the
 * partition moves on.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { openBroker } from '../../src/brokers/index.js';
import { PIPELINE_DEFAULTS } from '../../src/config/index.js';
import { isHeroflowError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { HEADER_DLQ_ORIGINAL_SIZE, HEADER_DLQ_SHA256, Worker } from '../../src/worker/index.js';
import { collect } from '../contract/collect.js';
import { attackFrame, envelope, pyDumps } from '../etl/fixtures.js';
import { allRows } from '../helpers/parquet.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const LIMIT = 8192;

describe('a record too large to dead-letter whole', { skip: await skipUnlessService('kafka') }, () => {
  it('is dead-lettered truncated, and the records after it are written', { timeout: 90_000 }, async () => {
    const topic = `oversize-${randomBytes(4).toString('hex')}`;
    // Both topics refuse anything over LIMIT bytes, as a default topic refuses anything over ~1 MiB.
    const admin = new Kafka({
      brokers: [new URL(SERVICE_URLS.kafka).host],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topic, `${topic}.dlq`].map((t) => ({
        topic: t,
        numPartitions: 1,
        configEntries: [{ name: 'max.message.bytes', value: String(LIMIT) }],
      })),
    });
    await admin.disconnect();

    const broker = await openBroker(SERVICE_URLS.kafka);
    // Not JSON, and just under the limit: accepted by the topic, its copy plus headers is not.
    const poison = Buffer.alloc(LIMIT - 100, 'x');
    const good = Buffer.from(
      pyDumps(
        envelope(
          'kafka.lib.server.game',
          'Attack Completed',
          '2023-09-01T12:00:00',
          pyDumps(attackFrame('2023-09-01T12:00:00Z', 'g', 'u', 'e', 10, 100)),
        ),
      ),
    );
    // One publish each: the limit applies to a whole record batch.
    for (const value of [good, poison, good]) await broker.publish([{ topic, value }]);
    // The adapter says so at once instead of retrying.
    await assert.rejects(broker.publish([{ topic, value: Buffer.alloc(LIMIT * 2, 'y') }]), (err) =>
      isHeroflowError(err, 'HF_MESSAGE_TOO_LARGE'),
    );

    const storage = new MemoryStorage();
    const worker = new Worker({
      broker,
      storage,
      topics: [topic],
      group: `g-${topic}`,
      from: 'earliest',
      mode: 'streaming',
      ...PIPELINE_DEFAULTS,
      idleExitMs: 3000,
    });
    await worker.run();
    const stats = worker.stats();
    assert.equal(stats.deadLetters, 1);
    assert.equal(stats.committed, 3, 'the poison record is committed with its file: the partition moved on');
    assert.equal((await allRows(storage, 'lib_server_game')).length, 2);

    const sub = broker.subscribe({ topics: [`${topic}.dlq`], group: `dlq-${topic}`, from: 'earliest' });
    const [copy] = await collect(sub, 1);
    await sub.close();
    await broker.close();
    // 16 KiB is more than the record itself; the next size down, 1 KiB, fits.
    assert.equal(copy.value.byteLength, 1024);
    assert.equal(copy.headers?.[HEADER_DLQ_ORIGINAL_SIZE], String(poison.length));
    assert.equal(copy.headers?.[HEADER_DLQ_SHA256], createHash('sha256').update(poison).digest('hex'));
  });
});
