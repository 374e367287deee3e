/**
 * Redis game state shared by several servers: two servers (separate store connections) behind one Redis
 * serve the same games; racing joins never over-fill a game; with the clean routine on, the number of
 * keys stays bounded however many games were played.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type GameOutcome, runFleet } from '../../src/player/index.js';
import { openGameStore, runCleaner } from '../../src/server/index.js';
import { skipUnlessService } from '../helpers/services.js';
import { memoryBroker, RecordSink, replayGames, startServer, waitFor } from './helpers.js';

const db = (n: number) => `redis://127.0.0.1:6379/${n}`;

async function flush(url: string): Promise<Redis> {
  const r = new Redis(url);
  await r.flushdb();
  return r;
}

/** Map.groupBy arrived in Node 21. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

describe('redis game state', async () => {
  const skip = await skipUnlessService('redis');

  it('two servers sharing one Redis: bots spread over both complete every game, none over-filled', {
    skip,
  }, async () => {
    const redis = await flush(db(7));
    const broker = await memoryBroker();
    const sink = await RecordSink.open(broker);
    const [a, b] = [await startServer({ broker, state: db(7) }), await startServer({ broker, state: db(7) })];
    try {
      const outcomes: Array<GameOutcome & { server: number }> = [];
      const fleets = [a, b].map((server, i) =>
        runFleet({
          url: server.url,
          count: 14,
          games: 3,
          userPrefix: `S${i}-`,
          onGame: (o) => outcomes.push({ ...o, server: i }),
        }),
      );
      const totals = await Promise.all(fleets);
      assert.deepEqual(
        totals.map((t) => t.games),
        [42, 42],
      );
      const byGame = groupBy(outcomes, (o) => o.gameToken);
      for (const [game, players] of byGame) {
        const size = Number(await redis.get(`games:${game}:participants`));
        assert.ok(players.length <= size, `game ${game} took ${players.length} players for ${size}`);
        assert.ok((await redis.scard(`games:${game}`)) <= size);
      }
      await waitFor(
        () => sink.records.filter((r) => r.log_message === 'Cleaning Game Records').length >= outcomes.length,
      );
      const games = replayGames(sink.records);
      const completed = new Set(outcomes.filter((o) => o.result === 'complete').map((o) => o.gameToken));
      assert.equal(games.size, completed.size, 'every started game was played to the end');
      // Games whose players sat on both servers: the cross-server path really was used.
      // Games whose players sat on different servers: the cross-server path was really exercised.
      const cross = [...byGame.values()].filter((os) => new Set(os.map((o) => o.server)).size > 1);
      assert.ok(cross.length > 0, 'some games mixed players of both servers');
      for (const os of cross) assert.ok(completed.has(os[0].gameToken) || os[0].result === 'timed-out');
      assert.ok(a.server.stats.attacks > 0 && b.server.stats.attacks > 0, 'both servers served attacks');
    } finally {
      await a.close();
      await b.close();
      await sink.close();
      await broker.close();
      redis.disconnect();
    }
  });

  it('racing joins from two connections never put more players in a game than it asked for', {
    skip,
  }, async () => {
    const redis = await flush(db(7));
    const stores = [await openGameStore(db(7)), await openGameStore(db(7))];
    try {
      await stores[0].loadHeroes(
        Array.from({ length: 50 }, (_, i) => ({
          id: i + 1,
          attack: 1,
          health: 1,
          doc: { name: `h${i + 1}`, powerstats: { attack: 1, health: 1 } },
        })),
      );
      const joins = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          stores[i % 2].join(
            `user-${i}`,
            3,
            randomUUID(),
            [1 + (i % 50), 1 + ((i * 7) % 50), 1 + ((i * 13) % 50)],
            Math.random(),
          ),
        ),
      );
      const perGame = groupBy(
        joins.filter((j) => j !== undefined),
        (j) => j.gameToken,
      );
      for (const [game, members] of perGame) {
        assert.ok(members.length <= 3, `game ${game} has ${members.length} players`);
        assert.equal(Number(await redis.zscore('games:participants', game)), members.length);
        assert.equal(new Set(members.map((m) => m.hero.id)).size, members.length, 'heroes unique per game');
      }
      const full = [...perGame.values()].filter((m) => m.length === 3).length;
      assert.ok(full >= perGame.size - 2, 'joins fill open games before opening new ones');
    } finally {
      for (const s of stores) await s.close();
      redis.disconnect();
    }
  });

  it('with the clean routine on (REDIS_EXPIRY=1), the key count stays bounded', { skip }, async () => {
    const redis = await flush(db(5));
    const broker = await memoryBroker();
    const server = await startServer({ broker, state: db(5) });
    const cleanerStore = await openGameStore(db(5));
    const abort = new AbortController();
    let cleaned = 0;
    const cleaner = runCleaner({
      broker,
      store: cleanerStore,
      expirySeconds: 1,
      from: 'earliest',
      signal: abort.signal,
      onClean: () => cleaned++,
    });
    try {
      const totals = await runFleet({ url: server.url, count: 16, games: 8 });
      assert.equal(totals.games, 128);
      await waitFor(() => cleaned >= totals.games);
      assert.equal(cleaned, totals.games, 'one cleaning record per player-game');
      await waitFor(() => false, 2200); // past the expiry
      const keys = await redis.keys('*');
      // Left: superheros, users, games:participants (empty zsets vanish) and the open-game lists.
      assert.ok(keys.length <= 6, `keys left: ${keys.join(', ')}`);
      assert.equal(keys.filter((k) => /^games:[0-9a-f-]{36}/.test(k)).length, 0, 'no per-game key survives');
    } finally {
      abort.abort();
      await cleaner;
      await cleanerStore.close();
      await server.close();
      await broker.close();
      redis.disconnect();
    }
  });
});
