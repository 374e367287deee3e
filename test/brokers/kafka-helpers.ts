/** Shared by the Kafka adapter tests: unique names, bounded reads from several subscriptions at once. */
import { randomBytes } from 'node:crypto';
import type { Delivery, Message, Subscription } from '../../src/brokers/types.js';
import { HEADER_MSG_ID } from '../../src/brokers/types.js';

export const uniq = (kind: string) => `hf-kafka-${kind}-${randomBytes(4).toString('hex')}`;
export const text = (d: Delivery) => Buffer.from(d.value).toString();

export function msgs(topic: string, n: number, from = 0, run = 'm'): Message[] {
  return Array.from({ length: n }, (_, i) => ({
    topic,
    key: `k${(from + i) % 7}`,
    value: Buffer.from(`${run}-${from + i}`),
    headers: { [HEADER_MSG_ID]: `${run}-${from + i}` },
  }));
}

/**
 * Read from every subscription concurrently until `enough(total)` or the deadline; commit as it goes.
 * A `next()` still pending at the deadline is abandoned (the subscription is closed right after).
 */
export async function drain(
  subs: Subscription[],
  enough: (got: Delivery[][]) => boolean,
  opts: { timeoutMs?: number; commit?: boolean } = {},
): Promise<Delivery[][]> {
  const got: Delivery[][] = subs.map(() => []);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const its = subs.map((s) => s[Symbol.asyncIterator]());
  const pending: (Promise<IteratorResult<Delivery[]>> | undefined)[] = subs.map(() => undefined);
  while (!enough(got) && Date.now() < deadline) {
    const races = its.map((it, i) => {
      pending[i] ??= it.next();
      return pending[i].then((r) => ({ i, r }));
    });
    let clock: NodeJS.Timeout | undefined;
    const timer = new Promise<undefined>((r) => {
      clock = setTimeout(() => r(undefined), Math.max(0, deadline - Date.now()));
    });
    // Cleared once the race is decided: a pending deadline would hold the test process for minutes.
    const won = await Promise.race([...races, timer]).finally(() => clearTimeout(clock));
    if (!won) break;
    pending[won.i] = undefined;
    if (won.r.done) continue;
    got[won.i].push(...won.r.value);
    if (opts.commit) await subs[won.i].commit(won.r.value);
  }
  return got;
}

export async function until(cond: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
