/**
 * What a query sees: the five tables as views named after them (over their Parquet files, or empty with
 * the table's columns when a worker wrote none of that table, e.g. `--tables lib_server_game`), and three
 * derived views the ready questions share, so that "who won" is written once:
 *   attacks       lib_server_game without copies of a record (same msg_id and content, another etl_id:
 *                 a broadcast broker or a replay can write a record twice)
 *   participants  one row per (game_token, user_token) of a started game, with the hero and start time
 *                 (upstream logs `Starting Match` once per participant; heroflow once per game)
 *   game_results  participants with knocked_out / finished / won: a game is finished when all but one
 *                 participant were knocked out (an attack left them at health 0); that one won
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { type ColumnType, TABLES, type TableName } from '../etl/schemas.js';

/** How DuckDB reads each Arrow type of the seed from heroflow's files (docs/parquet.md). */
const DUCKDB_TYPE: Record<ColumnType, string> = {
  utf8: 'VARCHAR',
  uint8: 'UTINYINT',
  uint16: 'USMALLINT',
  uint64: 'UBIGINT',
  int16: 'SMALLINT',
  bool: 'BOOLEAN',
  'list<utf8>': 'VARCHAR[]',
  'timestamp[ms]': 'TIMESTAMP',
  'timestamp[s]': 'TIMESTAMP',
};

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteString = (text: string) => `'${text.replaceAll("'", "''")}'`;

const DERIVED_VIEWS = [
  `CREATE VIEW attacks AS SELECT DISTINCT * EXCLUDE (etl_id) FROM lib_server_game`,
  `CREATE VIEW participants AS
     SELECT game_token, user_token, any_value(superhero_id) AS superhero_id,
            any_value(superhero_attack) AS superhero_attack, any_value(superhero_health) AS superhero_health,
            min(timestamp) AS started
     FROM lib_server_lobby GROUP BY game_token, user_token`,
  `CREATE VIEW game_results AS
     WITH knocked AS (SELECT DISTINCT game_token, enemy_token AS user_token FROM attacks WHERE enemy_health_post = 0),
          marked AS (
            SELECT p.*, k.user_token IS NOT NULL AS knocked_out
            FROM participants p LEFT JOIN knocked k USING (game_token, user_token)),
          games AS (
            SELECT game_token, count(*) AS players, count(*) FILTER (WHERE knocked_out) AS knocked
            FROM marked GROUP BY game_token)
     SELECT m.*, g.knocked = g.players - 1 AS finished, g.knocked = g.players - 1 AND NOT m.knocked_out AS won
     FROM marked m JOIN games g USING (game_token)`,
];

/** Creates the five table views (and the derived ones) on a fresh connection. */
export async function createViews(
  connection: DuckDBConnection,
  files: Record<TableName, string[]>,
): Promise<void> {
  for (const table of TABLES) {
    const paths = files[table.name];
    // Cast to the seed's types: a file from another writer may differ (e.g. int64 seconds), and an empty
    // table still has typed columns.
    const select = table.columns
      .map((c) => {
        const value = paths.length > 0 ? quoteIdent(c.name) : 'NULL';
        return `CAST(${value} AS ${DUCKDB_TYPE[c.type]}) AS ${quoteIdent(c.name)}`;
      })
      .join(', ');
    // The file list is fixed when the view is made: files a running worker adds later are not seen.
    const from =
      paths.length > 0
        ? `read_parquet([${paths.map(quoteString).join(', ')}], union_by_name = true, hive_partitioning = false)`
        : '(SELECT 1) WHERE false';
    await connection.run(`CREATE VIEW ${quoteIdent(table.name)} AS SELECT ${select} FROM ${from}`);
  }
  for (const sql of DERIVED_VIEWS) await connection.run(sql);
}
