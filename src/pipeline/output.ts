/** The output before a run writes to it (Storage.prepare). */
import type { Storage } from '../storage/types.js';
import type { LogFn } from '../worker/index.js';

/** Fails now if the output cannot be written, and removes what crashed writers left there. */
export async function prepareOutput(storage: Storage, log: LogFn): Promise<void> {
  const prepared = await storage.prepare?.();
  if (prepared && prepared.removed > 0) {
    log('info', 'removed temp files that crashed writers left', {
      output: storage.url,
      removed: prepared.removed,
    });
  }
}
