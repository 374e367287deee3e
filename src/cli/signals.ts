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
