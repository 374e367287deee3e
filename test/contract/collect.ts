/**
 * Reading from a Subscription in tests without losing messages to timeouts: a `next()` that is still
 * pending when a wait gives up is kept and reused by the next read, and deliveries beyond what a read
 * asked for are kept for the next one.
 */
import type { Delivery, Subscription } from '../../src/brokers/types.js';

export interface CollectOptions {
  /** Upper bound for the whole read; what arrived by then is returned (the caller asserts). Default 15 s. */
  timeoutMs?: number;
  /** Stop early once nothing arrived for this long (used to detect a stall, never asserted). */
  idleMs?: number;
  /** Commit every batch as it arrives. */
  commit?: boolean;
}

const TIMEOUT = Symbol('timeout');

class Reader {
  private readonly iterator: AsyncIterator<Delivery[]>;
  private pending: Promise<IteratorResult<Delivery[]>> | undefined;
  private readonly buffered: Delivery[] = [];
  ended = false;

  constructor(private readonly sub: Subscription) {
    this.iterator = sub[Symbol.asyncIterator]();
  }

  async until(done: (got: Delivery[]) => boolean, max: number, opts: CollectOptions): Promise<Delivery[]> {
    const got: Delivery[] = [];
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    const take = async (batch: Delivery[]) => {
      for (const d of batch) {
        if (got.length >= max || done(got)) this.buffered.push(d);
        else got.push(d);
      }
      if (opts.commit) await this.sub.commit(batch);
    };
    await take(this.buffered.splice(0));
    while (!done(got) && got.length < max && !this.ended) {
      const wait = Math.min(deadline - Date.now(), opts.idleMs ?? Number.POSITIVE_INFINITY);
      if (wait <= 0) break;
      this.pending ??= this.iterator.next();
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        this.pending,
        new Promise<typeof TIMEOUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMEOUT), wait);
        }),
      ]);
      clearTimeout(timer);
      if (result === TIMEOUT) break;
      this.pending = undefined;
      if (result.done) {
        this.ended = true;
        break;
      }
      await take(result.value);
    }
    return got;
  }
}

const readers = new WeakMap<Subscription, Reader>();

function reader(sub: Subscription): Reader {
  let r = readers.get(sub);
  if (!r) {
    r = new Reader(sub);
    readers.set(sub, r);
  }
  return r;
}

/** Read until `n` deliveries arrived (or the bounded wait ends); returns at most `n`. */
export function collect(sub: Subscription, n: number, opts: CollectOptions = {}): Promise<Delivery[]> {
  return reader(sub).until(() => false, n, opts);
}

/** Read until `done(collected)` holds (or the bounded wait ends). */
export function collectUntil(
  sub: Subscription,
  done: (got: Delivery[]) => boolean,
  opts: CollectOptions = {},
): Promise<Delivery[]> {
  return reader(sub).until(done, Number.POSITIVE_INFINITY, opts);
}
