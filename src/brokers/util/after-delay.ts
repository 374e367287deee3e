/**
 * `nack({ delayMs })` for adapters whose broker has no delayed redelivery: the message stays unacked (so
 * it still counts in the window and the broker replays it if the process dies) and is handed back once the
 * delay has passed. The nack itself resolves at once: the consumer is done with the message.
 */
export function afterDelay(delayMs: number | undefined, fn: () => unknown): Promise<void> {
  if (!delayMs || delayMs <= 0) return Promise.resolve(fn()).then(() => {});
  // unref: a pending redelivery must not keep a closing process alive; the broker replays it instead.
  setTimeout(() => void Promise.resolve(fn()).catch(() => {}), delayMs).unref();
  return Promise.resolve();
}
