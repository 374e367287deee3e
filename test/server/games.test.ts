/** Real WebSocket bots against the server: memory store and Redis store, records checked against the games. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/brokers/types.js';
import { type GameOutcome, runFleet } from '../../src/player/index.js';
import { skipUnlessService } from '../helpers/services.js';
import { memoryBroker, RecordSink, replayGames, startServer, waitFor } from './helpers.js';

const REDIS_GAMES_DB = 'redis://127.0.0.1:6379/6';

async function playAndCheck(state: string) {
  const broker: Broker = await memoryBroker();
  const sink = await RecordSink.open(broker);
  const server = await startServer({ broker, state });
  try {
    const outcomes: GameOutcome[] = [];
    const totals = await runFleet({
      url: server.url,
      count: 24,
      games: 3,
      clientSleepMs: 50,
      onGame: (o) => outcomes.push(o),
    });
    assert.equal(totals.games, 24 * 3, 'every bot played all its games');
    assert.equal(totals.retries, 0);
    const completed = new Set(outcomes.filter((o) => o.result === 'complete').map((o) => o.gameToken));
    assert.ok(completed.size >= 10, `most games complete (got ${completed.size})`);
    // Every completed game was cleaned for each participant; wait for the last cleaning records.
    await waitFor(() => {
      const n = sink.records.filter((r) => r.log_message === 'Cleaning Game Records').length;
      return n >= outcomes.length;
    });
    const games = replayGames(sink.records);
    for (const token of completed) assert.ok(games.has(token), `records of completed game ${token}`);
    assert.equal(games.size, completed.size, 'no started game left unfinished');
    for (const [token, g] of games) {
      const players = outcomes.filter((o) => o.gameToken === token);
      assert.deepEqual(players.map((o) => o.userToken).sort(), [...g.participants].sort(), 'participants');
      assert.equal(
        players.reduce((n, o) => n + o.attacks, 0),
        g.attacks,
        'attacks the bots made = attack records',
      );
      assert.ok(g.participants.includes(g.winner));
    }
    const timedOut = outcomes.filter((o) => o.result === 'timed-out').map((o) => o.gameToken);
    const timeoutRecords = sink.records.filter((r) => r.log_message === 'Game Timed Out');
    assert.equal(timeoutRecords.length, new Set(timedOut).size, 'Game Timed Out once per timed-out game');
  } finally {
    await server.close();
    await sink.close();
    await broker.close();
  }
}

describe('game server with real WebSocket bots', () => {
  it('memory store: full games, a winner each, records match the games', async () => {
    await playAndCheck('memory://');
  });

  describe('redis store', async () => {
    const skip = await skipUnlessService('redis');
    before(async () => {
      if (skip) return;
      const { Redis } = await import('ioredis');
      const r = new Redis(REDIS_GAMES_DB);
      await r.flushdb();
      r.disconnect();
    });
    after(() => {});
    it('full games, a winner each, records match the games', { skip }, async () => {
      await playAndCheck(REDIS_GAMES_DB);
    });
  });
});
