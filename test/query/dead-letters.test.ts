/**
 * The dead-letters question: a worker fed simulator records with malformed messages mixed in (memory://
 * broker, in this process) dead-letters them to `<topic>.dlq`; the query reads them back by topic and
 * reason and agrees with the worker's own dead-letter counts. `--sql` can join them with the tables.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import { findQuestion, readDeadLetters, runQuery } from '../../src/query/index.js';
import { generateRoster, runTournament, virtualClock } from '../../src/simulator/index.js';
import { FileStorage } from '../../src/storage/file.js';
import { createSimulatorLogger } from '../../src/transport/index.js';
import { Worker } from '../../src/worker/index.js';

const TOPICS = ['lib.server.lobby', 'lib.server.game'];
const enc = new TextEncoder();
const MALFORMED: Array<[string, string]> = [
  ['not json', 'lib.server.game'],
  ['still not json', 'lib.server.game'],
  ['{"level": "INFO", "timestamp": "2023-09-01T00:00:00"}', 'lib.server.game'],
  ['[1, 2, 3]', 'lib.server.lobby'],
];

describe('heroflow query dead-letters', () => {
  it("counts the broker's dead letters per topic and reason as the worker counted them", async () => {
    const broker = await openBroker(`memory://query-dlq-${randomUUID()}`);
    const dir = mkdtempSync(join(tmpdir(), 'heroflow-query-dlq-'));
    try {
      const clock = virtualClock();
      const logger = createSimulatorLogger({ loggerModule: 'memory', broker, stdout: false, clock });
      const summary = await runTournament({
        players: 6,
        gamesPerPlayer: 2,
        seed: 5,
        roster: generateRoster(),
        logger,
        clock,
      });
      await logger.close();
      await broker.publish(MALFORMED.map(([text, topic]) => ({ topic, value: enc.encode(text) })));
      const worker = new Worker({
        broker,
        storage: new FileStorage(dir),
        topics: TOPICS,
        group: 'etl',
        from: 'earliest',
        mode: 'streaming',
        roll: { maxRows: 1000, maxBytes: 1 << 30, maxAgeMs: 60_000 },
        memoryBudgetBytes: 1 << 30,
        compression: 'zstd',
        idleExitMs: 500,
      });
      await worker.run();
      const stats = worker.stats();
      assert.equal(stats.deadLetters, MALFORMED.length);

      const deadLetters = () => readDeadLetters(broker, TOPICS, 300);
      const params = { limit: 10, buckets: 10 };
      const answer = await runQuery({
        outputUrl: dir,
        question: findQuestion('dead-letters'),
        params,
        deadLetters,
      });
      assert.deepEqual(answer.columns, ['topic', 'reason', 'messages', 'first_position']);
      // The worker counts per topic and reason code (the part before ':').
      const byCode: Record<string, Record<string, number>> = {};
      for (const [topic, reason, messages] of answer.rows as [string, string, bigint][]) {
        const code = reason.split(':')[0];
        byCode[topic] ??= {};
        byCode[topic][code] = (byCode[topic][code] ?? 0) + Number(messages);
      }
      assert.deepEqual(byCode, stats.deadLettersByTopic);

      // Read again: the query commits nothing, so a second reader sees them all too.
      const joined = await runQuery({
        outputUrl: dir,
        sql: 'SELECT (SELECT count(*) FROM dead_letters) AS dead, (SELECT count(*) FROM log_meta) AS written',
        params,
        deadLetters,
      });
      const records = summary.messages['lib.server.lobby'] + summary.messages['lib.server.game'];
      assert.deepEqual(joined.rows, [[BigInt(MALFORMED.length), BigInt(records)]]);
    } finally {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
