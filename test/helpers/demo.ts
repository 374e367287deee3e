/**
 * `heroflow demo --json` run as a user runs it, and its Parquet output checked against what the simulator
 * says it logged (shared by the memory:// demo test and the per-broker demo tests).
 */
import assert from 'node:assert/strict';
import type { Storage } from '../../src/storage/types.js';
import { runCli } from './cli.js';
import { allRows } from './parquet.js';

export interface DemoJson {
  tournament: { games: number; attacks: number; participants: number; messages: Record<string, number> };
  published: Record<string, number>;
  workers: { consumed: number; deadLetters: number; rowsByTable: Record<string, number>; files: number };
  broker: string;
  /** The demo's own consumer group for this run. */
  group: string;
  /** Workers that consumed each record: 1, or every worker on a broadcast broker (redis:// Pub/Sub). */
  copies: number;
}

/** `heroflow demo … --json`; asserts exit 0 and returns the summary. */
export function runDemo(args: string[], env: NodeJS.ProcessEnv = {}): DemoJson {
  const r = runCli(['demo', ...args, '--json'], env);
  assert.equal(r.status, 0, `heroflow demo ${args.join(' ')}\n${r.stderr}`);
  return JSON.parse(r.stdout) as DemoJson;
}

export interface DemoOutput {
  /** buffer_meta rows beyond one per record: the same record written again (broadcast only). */
  duplicates: number;
}

const uniqueIds = (rows: Record<string, unknown>[]) => new Set(rows.map((r) => String(r.msg_id)));

/** A row as its content, without the writer's etl_id: the same record written twice gives the same text. */
const rowText = (r: Record<string, unknown>) =>
  JSON.stringify(
    Object.entries(r).filter(([k]) => k !== 'etl_id'),
    (_, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v),
  );

/**
 * One row per record the simulator logged, read back with hyparquet: lobby = Σ participants (a Starting
 * Match record gives one row per participant), game = attacks, log_meta and buffer_meta = the records of
 * both topics, one Starting Match per game played. With `copies` > 1 every worker consumed every record
 * and may have written it: then a row can be on disk more than once, always identical to its first copy
 * (same msg_id, same content), and the counts hold for distinct rows.
 */
export async function checkDemoOutput(storage: Storage, run: DemoJson): Promise<DemoOutput> {
  const copies = run.copies ?? 1;
  const records = run.published['lib.server.lobby'] + run.published['lib.server.game'];
  assert.equal(run.tournament.messages['lib.server.game'], run.published['lib.server.game']);
  assert.equal(run.workers.consumed, records * copies, 'consumed: each record once per worker that got it');
  assert.equal(run.workers.deadLetters, 0);

  const lobby = await allRows(storage, 'lib_server_lobby');
  const game = await allRows(storage, 'lib_server_game');
  const log = await allRows(storage, 'log_meta');
  const buffer = await allRows(storage, 'buffer_meta');
  const expected: Array<[string, Record<string, unknown>[], number]> = [
    ['lib_server_lobby', lobby, run.tournament.participants],
    ['lib_server_game', game, run.tournament.attacks],
    ['log_meta', log, records],
    ['buffer_meta', buffer, records],
  ];
  for (const [table, rows, n] of expected) {
    const distinct = new Set(rows.map(rowText)).size;
    assert.equal(distinct, n, `${table}: the rows of every record logged`);
    if (copies === 1) assert.equal(rows.length, distinct, `${table}: no row twice`);
    else assert.ok(rows.length <= distinct * copies, `${table}: at most ${copies} copies of a row`);
  }
  assert.equal(uniqueIds(buffer).size, records, 'buffer_meta: one msg_id per record');
  assert.deepEqual(uniqueIds(log), uniqueIds(buffer), 'log_meta and buffer_meta hold the same records');
  assert.equal(
    new Set(lobby.map((r) => r.game_token)).size,
    run.tournament.games,
    'one Starting Match per game played',
  );
  return { duplicates: buffer.length - uniqueIds(buffer).size };
}
