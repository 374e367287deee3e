/**
 * What the adapters over push clients (RabbitMQ, NATS JetStream, MQTT) share: their client pushes
 * messages into a bounded BatchQueue and the consumer pulls batches from it; `ready()` settles once;
 * `close()` stops fetching, runs `onRevoke` while the member still holds its messages (so what the
 * consumer flushes there is acked, not handed to another member as a duplicate), then lets the adapter
 * release its client.
 */
import { HeroflowError } from '../../errors.js';
import type { Delivery, SubscribeOptions, Subscription, TopicPartition } from '../types.js';
import { BatchQueue } from './batch-queue.js';

export abstract class PushSubscription implements Subscription {
  protected readonly queue: BatchQueue<Delivery>;
  protected closing: Promise<void> | undefined;
  readonly #ready: Promise<void>;
  #settleReady!: (err?: unknown) => void;
  /** The broker's unacked limit (Subscription.window). */
  abstract readonly window: number;

  constructor(
    protected readonly opts: SubscribeOptions,
    capacity: number,
    private readonly onClosed: () => void,
  ) {
    this.queue = new BatchQueue<Delivery>({ capacity, resume: () => this.resumed() });
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (err) => (err === undefined ? resolve() : reject(err));
    });
    this.#ready.catch(() => {});
  }

  abstract assignment(): TopicPartition[];
  abstract commit(deliveries: Delivery[]): Promise<void>;
  /** Leave after onRevoke: close the channel or connection, give back what is still held. */
  protected abstract release(): Promise<void>;
  /** The queue has room again after being full (adapters that pause fetching resume here). */
  protected resumed(): void {}

  ready(): Promise<void> {
    return this.#ready;
  }

  protected settleReady(err?: unknown): void {
    this.#settleReady(err);
  }

  /** The subscription cannot go on: `ready()` and the consumer's next pull reject with this. */
  protected fail(error: unknown, consumer: string): void {
    const err =
      error instanceof HeroflowError
        ? error
        : new HeroflowError(
            'HF_BROKER_UNREACHABLE',
            `${consumer} could not start: ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
    this.#settleReady(err);
    this.queue.fail(err);
    void this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery[]> {
    return {
      next: async () => {
        const batch = this.closing
          ? null
          : await this.queue.next(this.opts.maxBatch ?? 500, this.opts.maxWaitMs ?? 0);
        return batch ? { value: batch, done: false } : { value: undefined, done: true };
      },
      return: async () => ({ value: undefined, done: true }),
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.#settleReady(
        new HeroflowError('HF_BROKER_CLOSED', `subscription to ${this.opts.topics.join(', ')} was closed`),
      );
      this.queue.discard(() => true);
      this.queue.close();
      this.resumed();
      const held = this.assignment();
      if (held.length > 0) await this.opts.onRevoke?.(held);
      await this.release();
      this.onClosed();
    })();
    return this.closing;
  }
}
