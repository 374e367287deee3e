/**
 * The processes a bench starts (its workers, its private broker servers), so that an interrupted bench
 * takes them along. Without this a SIGTERM (a CI timeout) or a Ctrl-C ended `heroflow bench` alone and
 * left a private Kafka JVM and its workers running on: a CI run once lost the rest of its time to them.
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();

/** Remember `child` until it exits. */
export function ownChild<C extends ChildProcess>(child: C): C {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** SIGKILL every child still running. Synchronous, so that a signal or exit handler can call it. */
export function killOwnChildren(): number {
  let killed = 0;
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) killed++;
  }
  running.clear();
  return killed;
}
