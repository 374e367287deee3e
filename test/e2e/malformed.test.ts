/**
 * Bad input in a stream: a worker fed real simulator records with malformed messages mixed in writes
 * every good row, sends every bad message to `<topic>.dlq` with its reason and position, and keeps going.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import type { Broker, Delivery } from '../../src/brokers/types.js';
import { generateRoster, runTournament, virtualClock } from '../../src/simulator/index.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { createSimulatorLogger } from '../../src/transport/index.js';
import { HEADER_DLQ_POSITION, HEADER_DLQ_REASON, Worker } from '../../src/worker/index.js';
import { allRows } from '../helpers/parquet.js';

const enc = new TextEncoder();

async function playTournament(broker: Broker, seed: number) {
  const clock = virtualClock();
  const logger = createSimulatorLogger({ loggerModule: 'memory', broker, stdout: false, clock });
  const summary = await runTournament({
    players: 6,
    gamesPerPlayer: 3,
    seed,
    roster: generateRoster(),
    logger,
    clock,
  });
  await logger.close();
  return summary;
}

const MALFORMED: Array<[string, string]> = [
  ['not json', 'lib.server.game'],
  ['{"level": "INFO", "timestamp": "2023-09-01T00:00:00"}', 'lib.server.game'],
  [
    JSON.stringify({
      level: 'INFO',
      timestamp: '2023-09-01T00:00:00.000000',
      name: 'memory.lib.server.game',
      log_message: 'Attack Completed',
      task: '{"TIMESTAMP": "2023-09-01T00:00:00Z", "PAYLOAD": {"GAME_TOKEN": "g"}, "STATUS": {"ACTION": "ATTACK", "DETAILS": {"ENEMY_DAMAGE": "lots"}}}',
    }),
    'lib.server.game',
  ],
  ['[1, 2, 3]', 'lib.server.lobby'],
];

async function drain(broker: Broker, topic: string, expected: number): Promise<Delivery[]> {
  const sub = broker.subscribe({ topics: [topic], group: `dlq-reader-${randomUUID()}`, from: 'earliest' });
  const got: Delivery[] = [];
  const deadline = Date.now() + 10_000;
  for await (const batch of sub) {
    got.push(...batch);
    if (got.length >= expected || Date.now() > deadline) break;
  }
  await sub.close();
  return got;
}

describe('malformed messages between good ones', () => {
  it('are dead-lettered with reason and position; the good rows around them are all written', async () => {
    const broker = await openBroker(`memory://malformed-${randomUUID()}`);
    const storage = new MemoryStorage();
    try {
      const first = await playTournament(broker, 1);
      await broker.publish(MALFORMED.map(([text, topic]) => ({ topic, value: enc.encode(text) })));
      const second = await playTournament(broker, 2);

      const worker = new Worker({
        broker,
        storage,
        topics: ['lib.server.lobby', 'lib.server.game'],
        group: 'etl',
        from: 'earliest',
        mode: 'streaming',
        roll: { maxRows: 50, maxBytes: 1 << 30, maxAgeMs: 60_000 },
        memoryBudgetBytes: 1 << 30,
        compression: 'zstd',
        idleExitMs: 500,
      });
      await worker.run();

      const stats = worker.stats();
      const good = (s: typeof first) => s.messages['lib.server.lobby'] + s.messages['lib.server.game'];
      assert.equal(stats.consumed, good(first) + good(second) + MALFORMED.length);
      assert.equal(stats.deadLetters, MALFORMED.length);
      assert.equal(stats.committed, stats.consumed, 'bad messages are committed too once dead-lettered');
      assert.equal((await allRows(storage, 'lib_server_game')).length, first.attacks + second.attacks);
      assert.equal(
        (await allRows(storage, 'lib_server_lobby')).length,
        first.participants + second.participants,
      );
      assert.equal((await allRows(storage, 'log_meta')).length, good(first) + good(second));

      const dlq = [
        ...(await drain(broker, 'lib.server.game.dlq', 3)),
        ...(await drain(broker, 'lib.server.lobby.dlq', 1)),
      ];
      assert.deepEqual(
        dlq.map((d) => new TextDecoder().decode(d.value)).sort(),
        MALFORMED.map(([text]) => text).sort(),
        'the DLQ holds the original bytes',
      );
      for (const d of dlq) {
        assert.ok(d.headers?.[HEADER_DLQ_REASON], 'a reason');
        assert.match(d.headers?.[HEADER_DLQ_POSITION] ?? '', /^lib\.server\.(game|lobby)\/\d+@\d+$/);
      }
    } finally {
      await broker.close();
    }
  });
});
