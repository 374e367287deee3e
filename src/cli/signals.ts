/** SIGINT/SIGTERM for long-running commands: both mean "stop cleanly" (flush, commit, close). */

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => onStopSignal(resolve));
}

/** Calls `handler` on the first SIGINT or SIGTERM; returns a function that stops listening. */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  const done = (sig: NodeJS.Signals) => {
    cancel();
    handler(sig);
  };
  const cancel = () => {
    process.off('SIGINT', done);
    process.off('SIGTERM', done);
  };
  process.on('SIGINT', done);
  process.on('SIGTERM', done);
  return cancel;
}

/**
 * Calls `handler` on every SIGINT/SIGTERM with how many came so far: the first asks for a clean stop, a
 * second one (an impatient user, a supervisor's follow-up) for an abort. Returns a function that stops
 * listening.
 */
export function onStopSignals(handler: (count: number, signal: NodeJS.Signals) => void): () => void {
  let count = 0;
  const each = (sig: NodeJS.Signals) => handler(++count, sig);
  process.on('SIGINT', each);
  process.on('SIGTERM', each);
  return () => {
    process.off('SIGINT', each);
    process.off('SIGTERM', each);
  };
}
