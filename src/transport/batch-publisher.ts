/**
 * Buffers messages and publishes them in batches, one batch at a time (so that per-topic order is the
 * logging order), counting what the broker accepted per topic. Both transport forms use it: the
 * in-thread destination (memory://) and the worker-thread transport (real brokers).
 */
import type { Message } from '../brokers/types.js';

/** Anything with the broker's publish (a Broker, a debug sink, a test fake). */
export interface PublishTarget {
  publish(messages: Message[]): Promise<void>;
}

export interface BatchOptions {
  /** Messages per publish call. Default 500. */
  batchSize?: number;
  /** Longest a partial batch waits for more messages. Default 5 ms. */
  lingerMs?: number;
  /** Unpublished messages above which `drain()` makes the producer wait. Default 20,000. */
  highWaterMark?: number;
}

export class BatchPublisher {
  private buffer: Message[] = [];
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private readonly published = new Map<string, number>();
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly highWaterMark: number;

  constructor(
    private readonly target: PublishTarget,
    options: BatchOptions = {},
    /** Called once per accepted batch (the worker mirrors counts into shared memory with it). */
    private readonly onPublished?: (batch: Message[]) => void,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.lingerMs = options.lingerMs ?? 5;
    this.highWaterMark = options.highWaterMark ?? 20_000;
  }

  add(message: Message): void {
    if (this.failure) throw this.failure;
    this.buffer.push(message);
    this.pending++;
    if (this.buffer.length >= this.batchSize) this.send();
    else this.timer ??= setTimeout(() => this.send(), this.lingerMs);
  }

  /** Messages added but not yet accepted by the broker. */
  get unpublished(): number {
    return this.pending;
  }

  get needsDrain(): boolean {
    return this.pending >= this.highWaterMark;
  }

  /** Yields to the event loop, then waits while more than `highWaterMark` messages are unpublished. */
  async drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending >= this.highWaterMark && !this.failure) await this.chain;
    if (this.failure) throw this.failure;
  }

  /** Resolves when everything added so far is published; rejects with the first publish error. */
  async flush(): Promise<void> {
    this.send();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.published);
  }

  private send(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await this.target.publish(batch);
        for (const m of batch) this.published.set(m.topic, (this.published.get(m.topic) ?? 0) + 1);
        this.onPublished?.(batch);
      } catch (err) {
        // Later batches are not attempted: publishing them would reorder around the hole.
        this.failure = err instanceof Error ? err : new Error(String(err));
      } finally {
        this.pending -= batch.length;
      }
    });
  }
}
