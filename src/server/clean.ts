/**
 * The clean routine (upstream worker.py / lib/pubsub clean_routine, upstream.md §1.9): consume
 * `lib.server.lobby` and, on each `Cleaning Game Records`, let the finished game's keys expire after
 * REDIS_EXPIRY seconds — every key of the game, not upstream's partial and partly wrong list — so that a
 * long run keeps Redis bounded. Messages are decoded the way upstream's subscriber does (a JSON string
 * that may hold a JSON string: the Redis transport double-encodes), and anything else is skipped.
 */
import type { Broker } from '../brokers/types.js';
import { QUEUE_LOBBY } from '../transport/index.js';
import type { GameStore } from './store/index.js';

export interface CleanerOptions {
  broker: Broker;
  store: GameStore;
  expirySeconds: number;
  /** WORKER_CHANNEL; default lib.server.lobby. */
  topic?: string;
  group?: string;
  from?: 'earliest' | 'latest';
  signal?: AbortSignal;
  onClean?: (gameToken: string, userToken: string) => void;
}

export interface CleanerStats {
  messages: number;
  cleaned: number;
  skipped: number;
}

/** The `{game_token, user_token}` of a Cleaning record, or undefined for any other message. */
export function cleaningTask(value: Uint8Array | string): { game: string; user: string } | undefined {
  let record: unknown = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  for (let i = 0; i < 3 && typeof record === 'string'; i++) {
    try {
      record = JSON.parse(record);
    } catch {
      return undefined;
    }
  }
  const r = record as { log_message?: unknown; task?: unknown } | null;
  if (r?.log_message !== 'Cleaning Game Records') return undefined;
  let task = r?.task;
  if (typeof task === 'string') {
    try {
      task = JSON.parse(task);
    } catch {
      return undefined;
    }
  }
  const t = task as { game_token?: unknown; user_token?: unknown } | null;
  if (typeof t?.game_token !== 'string' || typeof t.user_token !== 'string') return undefined;
  return { game: t.game_token, user: t.user_token };
}

export async function runCleaner(options: CleanerOptions): Promise<CleanerStats> {
  const stats: CleanerStats = { messages: 0, cleaned: 0, skipped: 0 };
  const sub = options.broker.subscribe({
    topics: [options.topic ?? QUEUE_LOBBY],
    group: options.group ?? 'heroflow-clean',
    from: options.from ?? 'latest',
  });
  const stop = () => void sub.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    await sub.ready();
    if (options.signal?.aborted) return stats;
    for await (const batch of sub) {
      for (const d of batch) {
        stats.messages++;
        const task = cleaningTask(d.value);
        if (!task) {
          stats.skipped++;
          continue;
        }
        await options.store.expireGame(task.game, task.user, options.expirySeconds);
        stats.cleaned++;
        options.onClean?.(task.game, task.user);
      }
      await sub.commit(batch);
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await sub.close();
  }
  return stats;
}
