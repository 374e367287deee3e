/** Waiting for workers to consume what was published, failing instead of hanging when they stop moving. */
import { HeroflowError } from '../errors.js';

export interface ConsumptionWatch {
  /** Records consumed so far, by all workers together. */
  consumed(): number;
  /** Whether consumption is complete (in a group: the total; on a broadcast broker: each worker's). */
  done(): boolean;
  /** What complete means, in records (for the message and the progress bar). */
  target: number;
  /** Fail after this long without progress. */
  stallMs: number;
  onProgress?: (consumed: number) => void;
  /** How often to look. */
  pollMs?: number;
}

/** Resolves once `done()`; rejects with HF_PIPELINE_STALLED when consumption stops moving for `stallMs`. */
export async function waitForConsumption(w: ConsumptionWatch): Promise<void> {
  let last = -1;
  let lastMoved = Date.now();
  while (!w.done()) {
    const now = w.consumed();
    w.onProgress?.(now);
    if (now !== last) [last, lastMoved] = [now, Date.now()];
    if (Date.now() - lastMoved > w.stallMs) {
      throw new HeroflowError(
        'HF_PIPELINE_STALLED',
        `The workers consumed ${now} of ${w.target} records and made no progress for ${w.stallMs / 1000} s. ` +
          'Check that the broker is still up (scripts/services.sh status) and run again with --log-level debug to see the workers.',
      );
    }
    await new Promise((r) => setTimeout(r, w.pollMs ?? 50));
  }
  w.onProgress?.(w.consumed());
}
