/**
 * Turns a push-style client (ioredis subscriber, amqplib consume, mqtt.js, NATS callbacks) into the pull
 * contract: the client pushes into a bounded buffer, the Subscription pulls batches out of it.
 *
 * Capacity is a high watermark, not a hard limit: a message the client already handed over is never dropped.
 * Crossing it calls `pause` (stop the client: amqplib channel flow / lower prefetch, socket.pause(),
 * unsubscribe) and draining below the low watermark calls `resume`, so what the adapter holds stays bounded
 * by roughly `capacity` plus whatever the client had in flight.
 */
import { HeroflowError } from '../../errors.js';
import { Signal } from './signal.js';

export interface BatchQueueOptions {
  /** High watermark: `pause` is called when the buffer reaches it. */
  capacity: number;
  /** `resume` is called when the buffer drains to this many. Default: half the capacity. */
  lowWatermark?: number;
  pause?: () => void;
  resume?: () => void;
}

export class BatchQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly signal = new Signal();
  private paused = false;
  private ended = false;
  private failure: unknown;
  private readonly capacity: number;
  private readonly low: number;

  constructor(private readonly options: BatchQueueOptions) {
    if (!(options.capacity >= 1)) throw new RangeError('BatchQueue capacity must be at least 1');
    this.capacity = options.capacity;
    this.low = Math.min(options.lowWatermark ?? Math.floor(options.capacity / 2), options.capacity - 1);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Add one item. Returns `false` when the buffer is at capacity (the producer should stop). */
  push(item: T): boolean {
    if (this.ended) return false;
    this.items.push(item);
    this.signal.notify();
    if (this.size >= this.capacity) {
      if (!this.paused) {
        this.paused = true;
        this.options.pause?.();
      }
      return false;
    }
    return true;
  }

  /**
   * Take up to `maxBatch` items. Waits without limit while the buffer is empty; once at least one item is
   * there, waits at most `maxWaitMs` for the batch to fill. Resolves `null` once closed and drained; rejects
   * with the error given to `fail` once the buffered items are drained.
   */
  async next(maxBatch: number, maxWaitMs = 0): Promise<T[] | null> {
    while (this.size === 0) {
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return null;
      }
      await this.signal.wait();
    }
    if (this.size < maxBatch && maxWaitMs > 0 && !this.ended) {
      const deadline = Date.now() + maxWaitMs;
      while (this.size < maxBatch && !this.ended) {
        const left = deadline - Date.now();
        if (left <= 0 || !(await this.signal.wait(left))) break;
      }
    }
    return this.take(maxBatch);
  }

  /** Take what is there now without waiting (possibly nothing). */
  take(maxBatch: number): T[] {
    const end = Math.min(this.items.length, this.head + maxBatch);
    const batch = this.items.slice(this.head, end);
    this.head = end;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.size <= this.low && !this.ended) {
      this.paused = false;
      this.options.resume?.();
    }
    return batch;
  }

  /** Remove buffered items that match (e.g. deliveries of a revoked partition). Returns how many. */
  discard(predicate: (item: T) => boolean): number {
    const kept = this.items.slice(this.head).filter((item) => !predicate(item));
    const removed = this.size - kept.length;
    this.items = kept;
    this.head = 0;
    return removed;
  }

  /** No more items will come: pending and later `next()` calls drain what is left, then get `null`. */
  close(): void {
    this.ended = true;
    this.signal.notify();
  }

  /** The source broke: after draining, `next()` rejects with `error` (wrapped if it is not an Error). */
  fail(error: unknown): void {
    this.failure =
      error instanceof Error
        ? error
        : new HeroflowError('HF_BROKER_UNREACHABLE', `Broker connection failed: ${String(error)}`);
    this.close();
  }
}
