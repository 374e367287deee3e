/**
 * One query, start to end: an in-memory DuckDB, the views over the output (views.ts), the dead letters
 * when the query reads them, the statement, the result as JS values. Nothing is written anywhere; the
 * output is only read.
 */
import { HeroflowError } from '../errors.js';
import { type DeadLetter, loadDeadLetters } from './dead-letters.js';
import type { QueryResult } from './format.js';
import { openOutputFiles } from './output-files.js';
import type { Question, QuestionParams } from './questions.js';
import { createViews } from './views.js';

export interface QueryRequest {
  /** The output URL the worker wrote to (resolved --out / OUTPUT_FS). */
  outputUrl: string;
  /** A ready question, or `sql`. */
  question?: Question;
  sql?: string;
  params: QuestionParams;
  /** Reads the dead letters when the query needs them (the dead-letters question, or SQL naming dead_letters). */
  deadLetters: () => Promise<DeadLetter[]>;
}

const NAMES_DEAD_LETTERS = /\bdead_letters\b/i;

export async function runQuery(req: QueryRequest): Promise<QueryResult> {
  const sql = req.question ? req.question.sql(req.params) : req.sql;
  if (sql === undefined) throw new Error('runQuery needs a question or sql');
  // Loaded here, not at import: every command loads this module through the CLI, and libduckdb cost each
  // worker ~10 MB of resident memory and start-up time for a command it never runs.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  // The dead-letters question reads only the broker: it works before any Parquet file exists.
  const output = req.question?.deadLetters ? undefined : await openOutputFiles(req.outputUrl);
  try {
    if (output) await createViews(connection, output.files);
    if (req.question?.deadLetters || (req.sql !== undefined && NAMES_DEAD_LETTERS.test(req.sql))) {
      await loadDeadLetters(connection, await req.deadLetters());
    }
    let reader: Awaited<ReturnType<typeof connection.runAndReadAll>>;
    try {
      reader = await connection.runAndReadAll(sql);
    } catch (err) {
      // A ready question that fails is a bug and keeps its stack; the user's own SQL gets one line.
      if (req.question) throw err;
      throw new HeroflowError('HF_QUERY_SQL', `--sql failed: ${(err as Error).message}`);
    }
    return { columns: reader.columnNames(), rows: reader.getRowsJS() };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await output?.close();
  }
}
