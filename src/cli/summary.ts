/** End-of-run summaries: what was consumed, what was written, how fast, and where to look. */
import { formatBytes } from '../config/index.js';
import type { DemoResult } from '../pipeline/index.js';
import { mergeWorkerStats, type WorkerStats } from '../worker/index.js';

export function table(rows: Array<[string, string | number]>, indent = '  '): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows
    .map(([k, v]) => `${indent}${k.padEnd(width)}  ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
    .join('\n');
}

export function queryHint(outputUrl: string): string {
  const dir = outputUrl.startsWith('file://') ? new URL(outputUrl).pathname : outputUrl;
  return [
    'Query it, for example with DuckDB or PyArrow:',
    `  duckdb -c "SELECT user_token, sum(enemy_damage) AS damage FROM read_parquet('${dir}/lib_server_game/**/*.parquet') GROUP BY 1 ORDER BY 2 DESC LIMIT 5"`,
    `  python3 -c "import pyarrow.dataset as ds; print(ds.dataset('${dir}/lib_server_lobby', format='parquet').to_table().num_rows)"`,
  ].join('\n');
}

export function printWorkerSummary(
  stats: WorkerStats,
  run: { seconds: number; output: string; etlEngine?: string },
): void {
  const rows: Array<[string, string | number]> = [
    ['messages consumed', stats.consumed],
    ...Object.entries(stats.consumedByTopic).map(([t, n]) => [`  ${t}`, n] as [string, number]),
    ['redelivered', stats.redelivered],
    ['committed', stats.committed],
    ['dead-lettered', stats.deadLetters],
    ...Object.entries(stats.rowsByTable).map(([t, n]) => [`rows ${t}`, n] as [string, number]),
    ['files written', stats.files],
    ['bytes written', formatBytes(stats.bytesWritten)],
    ['records/s', Math.round(stats.consumed / Math.max(run.seconds, 0.001))],
    ['output', run.output],
    ...(run.etlEngine === undefined ? [] : [['ETL engine', run.etlEngine] as [string, string]]),
  ];
  console.log(`\nworker summary (${run.seconds.toFixed(1)} s)\n${table(rows)}\n\n${queryHint(run.output)}`);
}

export function printDemoSummary(run: DemoResult, format: 'table' | 'json' = 'table'): void {
  const stats = mergeWorkerStats(run.workers);
  const t = run.tournament;
  if (format === 'json') {
    const { results: _perGame, ...tournament } = t;
    console.log(JSON.stringify({ ...run, tournament, workers: stats }));
    return;
  }
  const rows: Array<[string, string | number]> = [
    ['broker', run.broker],
    ['roster', run.roster],
    ['seed', String(t.seed)],
    ['players × games', `${t.players} × ${t.gamesPerPlayer}`],
    ['games played', t.games],
    ['games timed out', t.timedOut],
    ['participants', t.participants],
    ['attacks', t.attacks],
    ...Object.entries(run.published).map(([topic, n]) => [`published ${topic}`, n] as [string, number]),
    ...Object.entries(stats.consumedByTopic).map(
      ([topic, n]) => [`consumed ${topic}`, n] as [string, number],
    ),
    ['workers', run.workers.length],
    ['each record went to', run.copies === 1 ? 'one worker' : `all ${run.copies} workers (broadcast broker)`],
    ['dead-lettered', stats.deadLetters],
    ...Object.entries(stats.rowsByTable).map(([table, n]) => [`rows ${table}`, n] as [string, number]),
    ['files', stats.files],
    ['bytes written', formatBytes(stats.bytesWritten)],
    ['records/s', Math.round(stats.consumed / Math.max(run.seconds, 0.001))],
    ['output', run.output],
  ];
  console.log(`\ndemo summary (${run.seconds.toFixed(1)} s)\n${table(rows)}\n\n${queryHint(run.output)}`);
}
