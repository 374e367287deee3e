/**
 * The broker key of a transported record (`--key-by`, HEROFLOW_KEY_BY). `game` keys every record that
 * names a game by its GAME_TOKEN, so that all of a game's records go to one partition (Kafka), one
 * lane of a key-ordered consumer (the workload manager's `ordered`), and keep their publish order there.
 * `none` (default) leaves messages unkeyed, as upstream.
 */

export const KEY_BY = ['none', 'game'] as const;
export type KeyBy = (typeof KEY_BY)[number];

/**
 * The record's game: `task.PAYLOAD.GAME_TOKEN` (lobby and game frames; `task` is a JSON string there)
 * or `task.game_token` ('Cleaning Game Records', an object). Undefined for records without a game (they
 * stay unkeyed) and for a task that is not JSON: the record is still sent, only without a key.
 */
export function gameTokenOf(task: unknown): string | undefined {
  let t = task;
  if (typeof t === 'string') {
    // Cheap pre-check: most string tasks of a game carry the token; others are not parsed.
    if (!t.includes('GAME_TOKEN')) return undefined;
    try {
      t = JSON.parse(t);
    } catch {
      return undefined;
    }
  }
  if (typeof t !== 'object' || t === null) return undefined;
  const o = t as { PAYLOAD?: { GAME_TOKEN?: unknown }; game_token?: unknown };
  const token = o.PAYLOAD?.GAME_TOKEN ?? o.game_token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

export function messageKey(task: unknown, keyBy: KeyBy): string | undefined {
  return keyBy === 'game' ? gameTokenOf(task) : undefined;
}
