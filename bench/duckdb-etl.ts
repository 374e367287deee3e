/**
 * Issue 8's "native engine" question, measured: would DuckDB (`@duckdb/node-api`, already a dependency
 * of `heroflow query`) turn raw JSON log records into the Parquet tables faster than heroflow's own ETL?
 *
 *   npm run bench:duckdb -- [--records 200000] [--runs 3] [--threads 2] [--keep DIR]
 *
 * Same simulator records for both, the three tables a record makes (log_meta, lib_server_lobby — one row
 * per participant of a "Starting Match" — and lib_server_game), the same column types as far as Parquet holds
 * them (DuckDB writes the seconds timestamps as microseconds, docs/performance.md), ZSTD, no dictionaries:
 *  (a) heroflow: ParquetSink on the memory storage (parse, columns, encode on its ETL thread), as the
 *      worker runs it with `--tables log_meta,lib_server_lobby,lib_server_game`;
 *  (b) DuckDB: the record values as newline-delimited JSON in a temp file (a worker would have to hand
 *      them over somehow; writing the file is timed), `read_json` into a table, then one `COPY (SELECT …)
 *      TO … (FORMAT parquet)` per table, the nested `task` string parsed with DuckDB's JSON functions.
 * Prints records/s (wall), CPU seconds of the process (all threads) and peak RSS after each, medians.
 * The row counts of both are printed: a difference there makes the comparison void.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Delivery } from '../src/brokers/types.js';
import { PIPELINE_DEFAULTS } from '../src/config/index.js';
import { ParquetSink } from '../src/etl/sink.js';
import { MemoryStorage } from '../src/storage/memory.js';
import { delivery, pyDumps, simulatorRecords } from '../test/etl/fixtures.js';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: npm run bench:duckdb -- [options]
  --records N    simulator records (default 200000)
  --runs N       runs of each; medians are printed (default 3)
  --threads N    DuckDB threads (default 2)
  --keep DIR     keep DuckDB's Parquet files of the last run in DIR (default: a temp dir, removed)
  --help         this text`,
  options: {
    records: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    /** Keep DuckDB's Parquet files of the last run here (to compare their types with heroflow's). */
    keep: { type: 'string' },
  },
});
const args = cli.values;
const N = cli.wholeNumber('records');
const RUNS = cli.wholeNumber('runs');
cli.wholeNumber('threads');
const TABLES = ['log_meta', 'lib_server_lobby', 'lib_server_game'] as const;

function generate(n: number): Delivery[] {
  const out: Delivery[] = [];
  let offset = 0n;
  for (const { topic, record } of simulatorRecords(7)) {
    if (out.length === n) break;
    out.push(
      delivery(pyDumps(record), { topic, partition: 0, offset: offset++, timestamp: Date.UTC(2023, 8, 1) }),
    );
  }
  return out;
}

const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const rate = (s: number) => Math.round(N / s).toLocaleString('en-US');

async function heroflowEtl(input: Delivery[]) {
  const storage = new MemoryStorage();
  const sink = new ParquetSink({
    storage,
    service: 'memory',
    mode: 'Streaming',
    roll: PIPELINE_DEFAULTS.roll,
    memoryBudgetBytes: PIPELINE_DEFAULTS.memoryBudgetBytes,
    compression: 'zstd',
    tables: TABLES,
    onDurable: async () => {},
    onDeadLetter: async () => {},
  });
  const t0 = performance.now();
  const c0 = cpuS();
  for (let i = 0; i < input.length; i += 1000) await sink.add(input.slice(i, i + 1000));
  await sink.close();
  const s = sink.stats();
  return { wall: (performance.now() - t0) / 1000, cpu: cpuS() - c0, rows: s.rowsByTable };
}

/** The same columns and types as src/etl/schemas.ts, from JSON; msg_id is the position, as without headers. */
const SQL = {
  raw: (file: string) => `
    CREATE OR REPLACE TABLE raw AS
    SELECT row_number() OVER () - 1 AS pos, *
    FROM read_json('${file}', format = 'newline_delimited', records = true,
      columns = {level: 'VARCHAR', timestamp: 'VARCHAR', name: 'VARCHAR', log_message: 'VARCHAR', task: 'JSON'})`,
  log_meta: `
    SELECT 'etl' AS etl_id, 'lib/0@' || pos AS msg_id, level,
      CAST(strptime(timestamp, '%Y-%m-%dT%H:%M:%S.%f') AS TIMESTAMP_MS) AS timestamp, name, log_message
    FROM raw`,
  lib_server_game: `
    WITH g AS (SELECT pos, json(task ->> '$') AS t FROM raw WHERE log_message = 'Attack Completed')
    SELECT 'etl' AS etl_id, 'lib/0@' || pos AS msg_id,
      CAST(strptime(t ->> '$.TIMESTAMP', '%Y-%m-%dT%H:%M:%SZ') AS TIMESTAMP_S) AS timestamp,
      t ->> '$.PAYLOAD.GAME_TOKEN' AS game_token, t ->> '$.PAYLOAD.USER_TOKEN' AS user_token,
      t ->> '$.STATUS.ACTION' AS action, t ->> '$.STATUS.DETAILS.ENEMY_TOKEN' AS enemy_token,
      CAST(t ->> '$.STATUS.DETAILS.ENEMY_DAMAGE' AS UBIGINT) AS enemy_damage,
      CAST(t ->> '$.STATUS.DETAILS.ENEMY_HEALTH_PRIOR' AS UBIGINT) AS enemy_health_prior,
      CAST(t ->> '$.STATUS.DETAILS.ENEMY_HEALTH_POST' AS UBIGINT) AS enemy_health_post
    FROM g`,
  lib_server_lobby: `
    WITH m AS (SELECT pos, json(task ->> '$') AS t FROM raw WHERE log_message = 'Starting Match'),
    p AS (SELECT pos, t, e.key AS k, e.value AS h FROM m, json_each(t, '$.PAYLOAD.PARTICIPANTS_HEROS') AS e)
    SELECT 'etl' AS etl_id, 'lib/0@' || pos AS msg_id,
      CAST(strptime(t ->> '$.TIMESTAMP', '%Y-%m-%dT%H:%M:%SZ') AS TIMESTAMP_S) AS timestamp,
      t ->> '$.PAYLOAD.GAME_TOKEN' AS game_token, k AS user_token,
      CAST(h ->> '$.id' AS USMALLINT) AS superhero_id,
      CAST(h ->> '$.attack' AS UBIGINT) AS superhero_attack,
      CAST(h ->> '$.health' AS UBIGINT) AS superhero_health
    FROM p`,
};

async function duckdbEtl(input: Delivery[], dir: string) {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(args.threads) });
  const db = await instance.connect();
  const t0 = performance.now();
  const c0 = cpuS();
  const file = path.join(dir, 'records.ndjson');
  const parts: Uint8Array[] = [];
  const nl = Buffer.from('\n');
  for (const d of input) parts.push(d.value, nl);
  writeFileSync(file, Buffer.concat(parts));
  await db.run(SQL.raw(file));
  const rows: Record<string, number> = {};
  for (const table of TABLES) {
    const out = path.join(dir, `${table}.parquet`);
    await db.run(
      `COPY (${SQL[table]}) TO '${out}' (FORMAT parquet, COMPRESSION zstd, DICTIONARY_SIZE_LIMIT 0)`,
    );
    const counted = await db.runAndReadAll(`SELECT count(*) FROM read_parquet('${out}')`);
    rows[table] = Number(counted.getRows()[0][0]);
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuS() - c0;
  db.closeSync();
  return { wall, cpu, rows };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const input = generate(N);
if (args.keep) mkdirSync(args.keep, { recursive: true });
const dir = args.keep ?? mkdtempSync(path.join(os.tmpdir(), 'hf-duckdb-etl-'));
const results = {
  heroflow: [] as { wall: number; cpu: number }[],
  duckdb: [] as { wall: number; cpu: number }[],
};
try {
  for (let run = 1; run <= RUNS; run++) {
    const h = await heroflowEtl(input);
    const rssH = process.resourceUsage().maxRSS / 1024;
    const d = await duckdbEtl(input, dir);
    const rssD = process.resourceUsage().maxRSS / 1024;
    results.heroflow.push(h);
    results.duckdb.push(d);
    console.log(
      `run ${run}: heroflow ${rate(h.wall)} rec/s, CPU ${h.cpu.toFixed(1)} s, rows ${TABLES.map((t) => h.rows[t]).join('/')}, peak RSS ${rssH.toFixed(0)} MB | ` +
        `duckdb ${rate(d.wall)} rec/s, CPU ${d.cpu.toFixed(1)} s, rows ${TABLES.map((t) => d.rows[t]).join('/')}, peak RSS so far ${rssD.toFixed(0)} MB`,
    );
  }
  const hw = median(results.heroflow.map((r) => r.wall));
  const dw = median(results.duckdb.map((r) => r.wall));
  const hc = median(results.heroflow.map((r) => r.cpu));
  const dc = median(results.duckdb.map((r) => r.cpu));
  console.log(
    `median of ${RUNS}, ${N.toLocaleString('en-US')} records, ${os.cpus().length} cores: heroflow ETL ${rate(hw)} rec/s (${((hc / N) * 1e6).toFixed(1)} µs CPU a record); ` +
      `DuckDB ${args.threads} threads ${rate(dw)} rec/s (${((dc / N) * 1e6).toFixed(1)} µs CPU a record); DuckDB ÷ heroflow ${(hw / dw).toFixed(2)} wall, ${(hc / dc).toFixed(2)} CPU`,
  );
} finally {
  if (args.keep === undefined) rmSync(dir, { recursive: true, force: true });
}
