/**
 * The ready questions of `heroflow query`, as SQL over the views of views.ts. Each is one statement so
 * that `--format` and the test treat them like `--sql`. Ordering always ends on a key, so the same output
 * gives the same answer, row for row.
 */
export interface QuestionParams {
  /** Most rows for ranked questions; 0 = all. */
  limit: number;
  /** Equal-width buckets of the damage histogram. */
  buckets: number;
}

export interface Question {
  readonly name: string;
  readonly description: string;
  /** Reads the dead letters from the broker (dead-letters.ts) instead of only the Parquet output. */
  readonly deadLetters?: boolean;
  sql(p: QuestionParams): string;
}

const limit = (n: number) => (n > 0 ? `LIMIT ${Math.floor(n)}` : '');

export const QUESTIONS: readonly Question[] = [
  {
    name: 'leaderboard',
    description:
      'players by damage dealt (sum of enemy_damage as logged), then wins: games, wins, attacks, knockouts (--limit)',
    sql: (p) => `
      WITH dealt AS (
             SELECT user_token, sum(enemy_damage) AS damage_dealt, count(*) AS attacks,
                    count(*) FILTER (WHERE enemy_health_post = 0) AS knockouts
             FROM attacks GROUP BY user_token),
           played AS (
             SELECT user_token, count(*) AS games, count(*) FILTER (WHERE won) AS wins
             FROM game_results GROUP BY user_token)
      SELECT row_number() OVER (ORDER BY coalesce(damage_dealt, 0) DESC, coalesce(wins, 0) DESC, user_token) AS rank,
             user_token, coalesce(games, 0) AS games, coalesce(wins, 0) AS wins,
             coalesce(damage_dealt, 0) AS damage_dealt, coalesce(attacks, 0) AS attacks,
             coalesce(knockouts, 0) AS knockouts
      FROM played FULL OUTER JOIN dealt USING (user_token)
      ORDER BY rank ${limit(p.limit)}`,
  },
  {
    name: 'hero-win-rate',
    description: 'per hero (superhero_id): finished games, wins, win rate; best first (--limit)',
    sql: (p) => `
      SELECT superhero_id, count(*) AS games, count(*) FILTER (WHERE won) AS wins,
             round(count(*) FILTER (WHERE won) / count(*), 3) AS win_rate
      FROM game_results WHERE finished
      GROUP BY superhero_id
      ORDER BY win_rate DESC, games DESC, superhero_id NULLS LAST ${limit(p.limit)}`,
  },
  {
    name: 'damage',
    description:
      'distribution of enemy_damage per attack: --buckets equal-width buckets from 0 to the largest hit, with counts and shares',
    sql: (p) => `
      WITH w AS (
             SELECT CAST(greatest(1, ceil((max(enemy_damage) + 1) / ${Math.floor(p.buckets)})) AS UBIGINT) AS width,
                    count(*) AS total
             FROM attacks),
           hits AS (SELECT enemy_damage // w.width AS bucket FROM attacks, w)
      SELECT r.bucket * w.width AS damage_from, (r.bucket + 1) * w.width - 1 AS damage_to,
             count(hits.bucket) AS attacks, round(count(hits.bucket) / any_value(w.total), 4) AS share
      FROM w, range(0, ${Math.floor(p.buckets)}) AS r(bucket) LEFT JOIN hits ON hits.bucket = r.bucket
      WHERE w.total > 0
      GROUP BY r.bucket, w.width ORDER BY r.bucket`,
  },
  {
    name: 'games-per-minute',
    description: 'games started per minute of game time (the Starting Match TIMESTAMP), in time order',
    sql: () => `
      SELECT date_trunc('minute', started) AS minute, count(*) AS games
      FROM (SELECT game_token, min(started) AS started FROM participants GROUP BY game_token)
      GROUP BY minute ORDER BY minute`,
  },
  {
    name: 'dead-letters',
    description:
      "malformed messages per topic and reason, read from the broker's <topic>.dlq (--broker, --topics; not in the Parquet output)",
    deadLetters: true,
    sql: () => `
      SELECT topic, reason, count(*) AS messages, min(position) AS first_position
      FROM dead_letters GROUP BY topic, reason ORDER BY messages DESC, topic, reason`,
  },
];

export function findQuestion(name: string): Question | undefined {
  return QUESTIONS.find((q) => q.name === name);
}
