/**
 * `heroflow query [question]`: ready questions (or `--sql`) over the worker's Parquet output through
 * DuckDB, from the same --out / OUTPUT_DIR / OUTPUT_FS the worker wrote to (local or object store).
 */
import type { Command } from 'commander';
import { openBroker } from '../../brokers/index.js';
import { resolveOutputUrl } from '../../config/index.js';
import { HeroflowError } from '../../errors.js';
// The questions alone (no imports): the help text lists them; the query engine loads in the action.
import { findQuestion, QUESTIONS } from '../../query/questions.js';
import { addSettings, readSettings } from '../options.js';
import { writeStdout } from '../stdout.js';

const SETTING_NAMES = [
  'out',
  'outputFs',
  'querySql',
  'queryFormat',
  'queryLimit',
  'queryBuckets',
  'broker',
  'topics',
  'queryWait',
] as const;

const QUESTION_LIST = QUESTIONS.map((q) => `  ${q.name.padEnd(18)}${q.description}`).join('\n');
const NAMES = QUESTIONS.map((q) => q.name).join(', ');

export function registerQuery(program: Command): void {
  const cmd = program
    .command('query')
    .argument('[question]', `a ready question: ${NAMES}`)
    .description(
      "Answer a ready question (or your --sql) over the worker's Parquet output with DuckDB; the output is only read.",
    )
    .addHelpText(
      'after',
      `\nQuestions:\n${QUESTION_LIST}\n\nExamples:\n  heroflow query leaderboard --out ./output\n  heroflow query --sql "SELECT count(*) FROM lib_server_game" --format csv\n  heroflow query dead-letters --broker kafka://127.0.0.1:9092\n(docs/query.md: the views, the columns, object-store output)`,
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async (name: string | undefined) => {
    const s = readSettings(cmd, SETTING_NAMES);
    if (name !== undefined && s.querySql !== undefined) {
      throw new HeroflowError('HF_USAGE', `Give a question (${name}) or --sql, not both.`);
    }
    const question = name === undefined ? undefined : findQuestion(name.trim().toLowerCase());
    if (name !== undefined && !question) {
      throw new HeroflowError('HF_USAGE', `Unknown question "${name}"; ask one of ${NAMES}, or give --sql.`);
    }
    if (!question && s.querySql === undefined) {
      throw new HeroflowError('HF_USAGE', `Name a question (${NAMES}) or give --sql "SELECT …".`);
    }
    const outputUrl = resolveOutputUrl(s.out, s.outputFs);
    const { formatResult, readDeadLetters, runQuery } = await import('../../query/index.js');
    const result = await runQuery({
      outputUrl,
      question,
      sql: s.querySql,
      params: { limit: s.queryLimit, buckets: s.queryBuckets },
      deadLetters: async () => {
        const broker = await openBroker(s.broker);
        try {
          const rows = await readDeadLetters(broker, s.topics, s.queryWait);
          if (rows.length === 0 && /^memory:/i.test(s.broker)) {
            console.error(
              'note: memory:// lives inside one process; dead letters of another process are not visible (give --broker the URL the worker used).',
            );
          }
          return rows;
        } finally {
          await broker.close();
        }
      },
    });
    await writeStdout(formatResult(result, s.queryFormat));
  });
}
