/**
 * `heroflow query` over the output of `heroflow demo` (simulator → memory:// broker → 2 workers →
 * Parquet in a temp dir): every ready question answers what the simulator itself says about the same
 * seeded tournament (its game results and the records it logged), not numbers written into the test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { type DemoJson, runDemo } from '../helpers/demo.js';
import { type Expected, queryJson, simulatorAnswers } from './helpers.js';

const SEED = 23;
const PLAYERS = 12;
const GAMES = 5;

describe('heroflow query on local output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heroflow-query-'));
  const out = join(dir, 'output');
  let demo: DemoJson;
  let expected: Expected;
  before(async () => {
    demo = runDemo([
      '--seed',
      String(SEED),
      '--players',
      String(PLAYERS),
      '--games',
      String(GAMES),
      '--out',
      out,
    ]);
    expected = await simulatorAnswers(SEED, PLAYERS, GAMES);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('replays the tournament the demo played', () => {
    assert.equal(demo.tournament.games, expected.games);
    assert.equal(demo.tournament.attacks, expected.attacks);
    assert.ok(expected.games > 10 && expected.players.size === PLAYERS);
  });

  it('leaderboard: games, wins, damage dealt, attacks and knockouts of every player, ranked by damage then wins', () => {
    const rows = queryJson(['leaderboard', '--limit', '0', '--out', out]);
    assert.equal(rows.length, expected.players.size);
    for (const r of rows) {
      const p = expected.players.get(String(r.user_token));
      assert.ok(p, `unknown player ${r.user_token}`);
      assert.deepEqual(
        { games: r.games, wins: r.wins, damage: r.damage_dealt, attacks: r.attacks, knockouts: r.knockouts },
        p,
        String(r.user_token),
      );
    }
    rows.forEach((r, i) => {
      assert.equal(r.rank, i + 1);
      const next = rows[i + 1];
      if (next) {
        const [a, b] = [r.damage_dealt as number, next.damage_dealt as number];
        assert.ok(
          a > b || (a === b && (r.wins as number) >= (next.wins as number)),
          'ordered by damage, then wins',
        );
      }
    });
    const top = queryJson(['leaderboard', '--limit', '3', '--out', out]);
    assert.deepEqual(top, rows.slice(0, 3));
  });

  it('hero-win-rate: every hero that played, its finished games, wins and rate', () => {
    const rows = queryJson(['hero-win-rate', '--limit', '0', '--out', out]);
    const got = new Map(rows.map((r) => [r.superhero_id as number, { games: r.games, wins: r.wins }]));
    assert.deepEqual(got, expected.heroes);
    for (const r of rows) {
      assert.equal(r.win_rate, Math.round(((r.wins as number) / (r.games as number)) * 1000) / 1000);
    }
    const rates = rows.map((r) => r.win_rate as number);
    assert.deepEqual(
      rates,
      [...rates].sort((a, b) => b - a),
      'best first',
    );
  });

  it('damage: the histogram holds every attack in the bucket its damage falls in', () => {
    const rows = queryJson(['damage', '--buckets', '7', '--out', out]);
    assert.equal(rows.length, 7);
    const width = (rows[0].damage_to as number) - (rows[0].damage_from as number) + 1;
    assert.ok(
      Math.max(...expected.damages) <= (rows[6].damage_to as number),
      'the last bucket holds the largest hit',
    );
    const counts = Array(7).fill(0);
    for (const d of expected.damages) counts[Math.floor(d / width)]++;
    assert.deepEqual(
      rows.map((r) => r.attacks),
      counts,
    );
    assert.equal(
      rows.reduce((n, r) => n + (r.attacks as number), 0),
      expected.attacks,
    );
  });

  it('games-per-minute: Starting Match records per minute of game time', () => {
    const rows = queryJson(['games-per-minute', '--out', out]);
    assert.deepEqual(new Map(rows.map((r) => [r.minute, r.games])), expected.gamesPerMinute);
  });

  it('--sql over the table views, as CSV; the text table is aligned and counts its rows', () => {
    const csv = runCli([
      'query',
      '--sql',
      'SELECT count(DISTINCT game_token) AS games, sum(enemy_damage) AS damage FROM lib_server_game',
      '--format',
      'csv',
      '--out',
      out,
    ]);
    assert.equal(csv.status, 0, csv.stderr);
    const damage = expected.damages.reduce((a, b) => a + b, 0);
    assert.equal(csv.stdout, `games,damage\r\n${expected.games},${damage}\r\n`);

    const text = runCli(['query', 'leaderboard', '--limit', '2', '--out', out]);
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^rank {2}user_token +games {2}wins {2}damage_dealt {2}attacks {2}knockouts$/);
    assert.equal(lines.length, 5);
    assert.equal(lines[4], '(2 rows)');
    assert.equal(lines[2].length, lines[0].length, 'columns line up');
  });

  it('the output setting comes from the environment like the worker: OUTPUT_DIR', () => {
    const rows = queryJson(['--sql', 'SELECT count(*) AS n FROM lib_server_lobby'], { OUTPUT_DIR: out });
    assert.equal(rows[0].n, demo.tournament.participants);
  });

  it('bad flags exit 2 naming the setting; no output says to run the worker first (exit 1)', () => {
    const format = runCli(['query', 'leaderboard', '--format', 'xml', '--out', out]);
    assert.equal(format.status, 2);
    assert.match(
      format.stderr,
      /--format \(env HEROFLOW_QUERY_FORMAT\): "xml" is not allowed; expected one of text, json, csv/,
    );
    const unknown = runCli(['query', 'top-players', '--out', out]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown question "top-players"; ask one of leaderboard, hero-win-rate/);
    const both = runCli(['query', 'damage', '--sql', 'SELECT 1', '--out', out]);
    assert.equal(both.status, 2);
    const sql = runCli(['query', '--sql', 'SELECT * FROM no_such_table', '--out', out]);
    assert.equal(sql.status, 2);
    assert.match(sql.stderr, /--sql failed: Catalog Error/);
    const empty = runCli(['query', 'leaderboard', '--out', join(dir, 'never-written')]);
    assert.equal(empty.status, 1);
    assert.match(
      empty.stderr,
      /No Parquet files .* Run `heroflow worker` \(or `heroflow demo`\) with the same --out first/,
    );
  });
});
