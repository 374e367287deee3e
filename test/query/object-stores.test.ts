/**
 * `heroflow query` on object-store output (s3:// on moto, gs:// on fake-gcs-server, az:// on Azurite):
 * the files are fetched through heroflow's own storage backends (DuckDB's httpfs is not installable
 * offline), and the answers are the simulator's, as on local output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDemo } from '../helpers/demo.js';
import {
  createBucket,
  emulatorEnv,
  type ObjectStoreName,
  SCHEME,
  skipUnlessEmulator,
} from '../storage/object-stores.js';
import { queryJson, simulatorAnswers } from './helpers.js';

const SEED = 31;
const ARGS = ['--seed', String(SEED), '--players', '6', '--games', '3'];

describe('heroflow query on object-store output', () => {
  for (const store of ['s3', 'gcs', 'azure'] as ObjectStoreName[]) {
    it(`${SCHEME[store]}://: leaderboard and game count as the simulator says`, async (t) => {
      const skip = await skipUnlessEmulator(store);
      if (skip) return t.skip(skip);
      const env = emulatorEnv(store);
      const out = `${SCHEME[store]}://${await createBucket(store, 'hfq')}/superhero`;
      runDemo([...ARGS, '--out', out], env);
      const expected = await simulatorAnswers(SEED, 6, 3);

      const board = queryJson(['leaderboard', '--limit', '0', '--out', out], env);
      assert.deepEqual(
        new Map(board.map((r) => [r.user_token, { games: r.games, wins: r.wins, damage: r.damage_dealt }])),
        new Map(
          [...expected.players].map(([token, p]) => [
            token,
            { games: p.games, wins: p.wins, damage: p.damage },
          ]),
        ),
      );
      const [games] = queryJson(
        ['--sql', 'SELECT count(DISTINCT game_token) AS games FROM lib_server_lobby', '--out', out],
        env,
      );
      assert.equal(games.games, expected.games);
    });
  }
});
