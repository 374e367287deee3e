/**
 * `--key-by game`: every record of a game is keyed by its GAME_TOKEN, so on a 4-partition topic a game's
 * records sit on one partition, in the order they were logged. Two paths: the in-thread destination on
 * memory:// with a real tournament (its order compared with the same seeded tournament on one unkeyed
 * partition), and the worker-thread transport on the real Kafka with numbered records of interleaved games.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import type { Broker, Delivery } from '../../src/brokers/types.js';
import { generateRoster, runTournament, virtualClock } from '../../src/simulator/index.js';
import { createSimulatorLogger, gameTokenOf, QUEUE_GAME, QUEUE_LOBBY } from '../../src/transport/index.js';
import { ensureBuilt } from '../helpers/cli.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

async function readAll(broker: Broker, topics: string[], n: number): Promise<Delivery[]> {
  const sub = broker.subscribe({
    topics,
    group: `keyby-${Math.random().toString(36).slice(2)}`,
    from: 'earliest',
  });
  const out: Delivery[] = [];
  const deadline = Date.now() + 60_000;
  try {
    for await (const batch of sub) {
      out.push(...batch);
      if (out.length >= n || Date.now() > deadline) break;
    }
  } finally {
    await sub.close();
  }
  return out;
}

const taskOf = (d: Delivery): unknown =>
  (JSON.parse(Buffer.from(d.value).toString('utf8')) as { task?: unknown }).task;

/** game → its deliveries in partition order (offset), and the partitions they came from. */
function byGame(
  deliveries: Delivery[],
): Map<string, { partitions: Set<number>; values: string[]; keys: Set<unknown> }> {
  const sorted = [...deliveries].sort((a, b) =>
    a.topic !== b.topic
      ? a.topic < b.topic
        ? -1
        : 1
      : a.partition - b.partition || Number((a.offset ?? 0n) - (b.offset ?? 0n)),
  );
  const games = new Map<string, { partitions: Set<number>; values: string[]; keys: Set<unknown> }>();
  for (const d of sorted) {
    const game = gameTokenOf(taskOf(d));
    if (game === undefined) continue;
    const g = games.get(game) ?? { partitions: new Set(), values: [], keys: new Set() };
    g.partitions.add(d.partition);
    g.values.push(`${d.topic} ${Buffer.from(d.value).toString('utf8')}`);
    g.keys.add(d.key);
    games.set(game, g);
  }
  return games;
}

async function tournamentOn(url: string, keyBy: 'game' | 'none', partitions: number) {
  const broker = await openBroker(url);
  await broker.ensureTopics([QUEUE_LOBBY, QUEUE_GAME].map((topic) => ({ topic, partitions })));
  const clock = virtualClock();
  const logger = createSimulatorLogger({ loggerModule: 'kafka', broker, stdout: false, clock, keyBy });
  const summary = await runTournament({
    players: 16,
    gamesPerPlayer: 3,
    seed: 11,
    roster: generateRoster(),
    logger,
    clock,
  });
  await logger.close();
  const n = summary.messages[QUEUE_LOBBY] + summary.messages[QUEUE_GAME];
  const got = await readAll(broker, [QUEUE_LOBBY, QUEUE_GAME], n);
  await broker.close();
  assert.equal(got.length, n);
  return byGame(got);
}

const kafkaSkip = await skipUnlessService('kafka');

describe('transport --key-by game', () => {
  it('memory:// (4 partitions): a real tournament, each game on one partition in logged order', async () => {
    const keyed = await tournamentOn('memory://?partitions=4', 'game', 4);
    const reference = await tournamentOn('memory://', 'none', 1);
    assert.ok(keyed.size >= 8, `games seen: ${keyed.size}`);
    assert.deepEqual([...keyed.keys()].sort(), [...reference.keys()].sort());
    const used = new Set<number>();
    for (const [game, g] of keyed) {
      assert.equal(g.partitions.size, 1, `${game} on one partition`);
      assert.deepEqual([...g.keys], [game], `${game}'s records keyed by its token`);
      used.add([...g.partitions][0]);
      // Per topic, the keyed partition holds the game's records in the order of the single unkeyed one.
      assert.deepEqual(g.values, reference.get(game)?.values, `${game} in logged order`);
      assert.deepEqual([...(reference.get(game)?.keys ?? [])], [undefined], 'none: unkeyed');
    }
    assert.ok(used.size > 1, `games spread over partitions (${[...used]})`);
  });

  it('Kafka (4 partitions, worker thread): interleaved games, each on one partition in order', {
    skip: kafkaSkip,
    timeout: 120_000,
  }, async () => {
    ensureBuilt();
    const topic = `hf.keyby.${Date.now().toString(36)}`;
    const broker = await openBroker(SERVICE_URLS.kafka);
    try {
      await broker.ensureTopics([{ topic, partitions: 4 }]);
      const logger = createSimulatorLogger({
        loggerModule: 'kafka',
        brokerUrl: SERVICE_URLS.kafka,
        stdout: false,
        keyBy: 'game',
      });
      const log = logger.forModule('lib.server.game');
      const games = Array.from({ length: 8 }, (_, i) => `game-${i}-${Date.now().toString(36)}`);
      const perGame = 25;
      for (let seq = 0; seq < perGame; seq++) {
        for (const game of games)
          log.info(
            { queue: topic, task: JSON.stringify({ PAYLOAD: { GAME_TOKEN: game, SEQ: seq } }) },
            'frame',
          );
      }
      // The cleaning record carries the token as `game_token` in an object task; it comes last.
      for (const game of games)
        log.info({ queue: topic, task: { game_token: game, user_token: 'u' } }, 'Cleaning Game Records');
      log.info({ queue: topic, task: '{"no":"game"}' }, 'unkeyed');
      await logger.close();
      const got = await readAll(broker, [topic], games.length * (perGame + 1) + 1);
      assert.equal(got.length, games.length * (perGame + 1) + 1);
      const grouped = byGame(got);
      const used = new Set<number>();
      for (const game of games) {
        const g = grouped.get(game);
        assert.ok(g, `${game} received`);
        assert.equal(g.partitions.size, 1, `${game} on one partition`);
        assert.deepEqual([...g.keys], [game]);
        used.add([...g.partitions][0]);
        const seqs = g.values.map((v) => {
          const task = (JSON.parse(v.slice(v.indexOf(' ') + 1)) as { task: unknown }).task;
          return typeof task === 'string'
            ? (JSON.parse(task) as { PAYLOAD: { SEQ: number } }).PAYLOAD.SEQ
            : 'clean';
        });
        assert.deepEqual(
          seqs,
          [...Array.from({ length: perGame }, (_, i) => i), 'clean'],
          `${game} in order`,
        );
      }
      assert.ok(used.size > 1, `games spread over partitions (${[...used]})`);
      assert.equal(got.filter((d) => d.key === undefined).length, 1, 'a record without a game stays unkeyed');
    } finally {
      await broker.close();
    }
  });
});
