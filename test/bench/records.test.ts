/**
 * The bench's records are keyed by game, as the transport keys them with --key-by game: one key per game
 * (lobby records share one). A regex over the value once left every record on the key "lobby", so every
 * run read one partition and "in order per key" and the worker scaling said nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulatorPool } from '../../src/bench/records.js';

describe('bench records', () => {
  it('carry one key per game', async () => {
    const pool = await simulatorPool(40, 'kafka');
    const keys = new Set(pool.keys);
    assert.ok(keys.size > 20, `${keys.size} distinct keys`);
    const games = pool.keys.filter((k) => k !== 'lobby').length;
    assert.ok(games > pool.keys.length / 2, `${games} of ${pool.keys.length} records keyed by a game`);
  });
});
