/** Stats of several workers (the members of one group, or the batches of one triggered run) as one. */
import type { WorkerStats } from './worker.js';

/** Add up the stats of several workers of one group. */
export function mergeWorkerStats(all: WorkerStats[]): WorkerStats {
  const sum = (pick: (s: WorkerStats) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const s of all) for (const [k, v] of Object.entries(pick(s))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    ...all[0],
    messages: all.reduce((n, s) => n + s.messages, 0),
    files: all.reduce((n, s) => n + s.files, 0),
    deadLetters: all.reduce((n, s) => n + s.deadLetters, 0),
    bytesWritten: all.reduce((n, s) => n + s.bytesWritten, 0),
    consumed: all.reduce((n, s) => n + s.consumed, 0),
    committed: all.reduce((n, s) => n + s.committed, 0),
    redelivered: all.reduce((n, s) => n + s.redelivered, 0),
    rowsByTable: sum((s) => s.rowsByTable),
    consumedByTopic: sum((s) => s.consumedByTopic),
    committedByTopic: sum((s) => s.committedByTopic),
    deadLettersByTopic: Object.fromEntries(
      [...new Set(all.flatMap((s) => Object.keys(s.deadLettersByTopic)))].map((topic) => [
        topic,
        sum((s) => s.deadLettersByTopic[topic] ?? {}),
      ]),
    ),
  };
}
