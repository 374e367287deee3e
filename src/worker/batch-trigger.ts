/**
 * Batch mode with BATCH_CONTINUOUS=false (seed 001): the worker idles on a Redis channel and runs ONE
 * batch per message published there (the Airflow DAGs send `{"message": "start"}`). A batch reads, for
 * each partition this member is assigned, from the stored position (`last_offset + 1`) up to the end
 * offset captured when the trigger arrived, at most BATCH_SIZE messages; writes them; advances the
 * offset state after each durable file; then leaves the group and waits for the next trigger.
 *
 * Each batch is a whole Worker lifetime (join, seek, consume, flush, leave): a batch job between triggers
 * holds no partitions, so other members and the next trigger find the group free.
 */
import type { Redis } from 'ioredis';
import {
  type Broker,
  type Delivery,
  type StartPosition,
  type TopicPartition,
  partitionKey as tpKey,
} from '../brokers/types.js';
import { type LogFn, Worker, type WorkerOptions, type WorkerStats } from './worker.js';

interface Plan {
  /** First offset of this batch; below it nothing is read. */
  start: bigint;
  /** Last offset of this batch (inclusive). */
  target: bigint;
  admitted: number;
  last?: bigint;
}

/**
 * What one triggered batch may read: per partition from its start position to min(end at trigger time,
 * BATCH_SIZE messages). Deliveries past that are not written and not counted, so the next batch reads
 * them from the stored position.
 */
export class BatchLimit {
  readonly #ends = new Map<string, { low: bigint; high: bigint }>();
  readonly #plans = new Map<string, Plan>();
  #assigned = false;

  constructor(
    readonly batchSize: number,
    ends: Map<string, { low: bigint; high: bigint }> | undefined,
  ) {
    for (const [k, v] of ends ?? []) this.#ends.set(k, v);
  }

  /** Whether end offsets are known; without them a batch ends when the worker goes idle. */
  get bounded(): boolean {
    return this.#ends.size > 0;
  }

  assign(tps: TopicPartition[], starts: StartPosition[] | undefined): void {
    this.#assigned = true;
    for (const tp of tps) {
      const k = tpKey(tp.topic, tp.partition);
      const end = this.#ends.get(k);
      if (!end) continue;
      const given = starts?.find((s) => s.topic === tp.topic && s.partition === tp.partition)?.offset;
      // An 'earliest' or out-of-range stored position reads from the low watermark (the adapter does the same).
      const start = given === undefined || given === 'earliest' || given < end.low ? end.low : given;
      const target =
        end.high - 1n < start + BigInt(this.batchSize) - 1n
          ? end.high - 1n
          : start + BigInt(this.batchSize) - 1n;
      this.#plans.set(k, { start, target, admitted: 0 });
    }
  }

  revoke(tps: TopicPartition[]): void {
    // Until the next assignment arrives the batch cannot be complete (a rebalance, not the end).
    this.#assigned = false;
    for (const tp of tps) this.#plans.delete(tpKey(tp.topic, tp.partition));
  }

  admit(batch: Delivery[]): Delivery[] {
    if (!this.bounded) return batch;
    return batch.filter((d) => {
      const plan = this.#plans.get(tpKey(d.topic, d.partition));
      if (!plan || d.offset === undefined || d.offset > plan.target || plan.admitted >= this.batchSize)
        return false;
      plan.admitted++;
      if (plan.last === undefined || d.offset > plan.last) plan.last = d.offset;
      return true;
    });
  }

  /** Every assigned partition read to its target (a partition with nothing to read is done at once). */
  reached(): boolean {
    if (!this.bounded || !this.#assigned) return false;
    for (const p of this.#plans.values()) {
      const done =
        p.target < p.start || p.admitted >= this.batchSize || (p.last !== undefined && p.last >= p.target);
      if (!done) return false;
    }
    return true;
  }
}

/** Trigger messages from one Redis channel, queued so that each one runs exactly one batch. */
export class TriggerChannel {
  readonly #redis: Redis;
  readonly #queue: string[] = [];
  #wake?: () => void;
  #closed = false;

  private constructor(redis: Redis) {
    this.#redis = redis;
  }

  static async open(redisUrl: string, channel: string): Promise<TriggerChannel> {
    // Loaded here: only a triggered batch run needs ioredis, and a worker that does not skips its load.
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 10_000, maxRetriesPerRequest: 3 });
    redis.on('error', () => {});
    const t = new TriggerChannel(redis);
    redis.on('message', (_ch: string, message: string) => {
      t.#queue.push(message);
      t.#wake?.();
    });
    await redis.connect();
    await redis.subscribe(channel);
    return t;
  }

  /** The next trigger message; `undefined` when closed or when `idleMs` passed without one. */
  async next(idleMs?: number): Promise<string | undefined> {
    while (this.#queue.length === 0 && !this.#closed) {
      const woke = await new Promise<boolean>((resolve) => {
        const timer = idleMs === undefined ? undefined : setTimeout(() => resolve(false), idleMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.#wake = undefined;
      if (!woke) return undefined;
    }
    return this.#closed ? undefined : this.#queue.shift();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
    this.#redis.disconnect();
  }
}

export interface TriggeredBatchOptions extends Omit<WorkerOptions, 'limit' | 'idleExitMs'> {
  /** Redis holding the trigger channel (REDIS_HOST/PORT/DB). */
  redisUrl: string;
  channel: string;
  batchSize: number;
  /** Stop waiting for triggers after this long without one. */
  idleExitMs?: number;
  /** A batch on a broker without end offsets ends after this long without a message. */
  batchIdleMs?: number;
  onBatchDone?: (stats: WorkerStats, trigger: string) => void;
}

/**
 * Wait for triggers and run one batch per trigger until `signal` aborts (SIGINT/SIGTERM) or the idle
 * exit; resolves with the stats of every batch run.
 */
export async function runTriggeredBatches(
  opts: TriggeredBatchOptions,
  signal: AbortSignal,
): Promise<WorkerStats[]> {
  const log: LogFn = opts.log ?? (() => {});
  const triggers = await TriggerChannel.open(opts.redisUrl, opts.channel);
  const onAbort = () => triggers.close();
  signal.addEventListener('abort', onAbort);
  const done: WorkerStats[] = [];
  let current: Worker | undefined;
  const stopCurrent = () => void current?.stop();
  signal.addEventListener('abort', stopCurrent);
  try {
    for (;;) {
      log('info', 'waiting for a trigger', { channel: opts.channel });
      const message = await triggers.next(opts.idleExitMs);
      if (message === undefined || signal.aborted) break;
      log('info', 'trigger received, starting one batch', { channel: opts.channel, message });
      const limit = new BatchLimit(opts.batchSize, await endOffsets(opts.broker, opts.topics));
      current = new Worker({
        ...opts,
        limit,
        idleExitMs: limit.bounded ? undefined : (opts.batchIdleMs ?? 2000),
      });
      await current.run();
      const stats = current.stats();
      current = undefined;
      done.push(stats);
      log('info', 'batch done', { consumed: stats.consumed, files: stats.files, committed: stats.committed });
      opts.onBatchDone?.(stats, message);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    signal.removeEventListener('abort', stopCurrent);
    triggers.close();
  }
  return done;
}

async function endOffsets(
  broker: Broker,
  topics: string[],
): Promise<Map<string, { low: bigint; high: bigint }> | undefined> {
  // Brokers that cannot say where each partition ends (all but Kafka) end a batch when idle.
  if (!broker.watermarks) return undefined;
  const out = new Map<string, { low: bigint; high: bigint }>();
  for (const topic of topics) {
    for (const w of await broker.watermarks(topic))
      out.set(tpKey(topic, w.partition), { low: w.low, high: w.high });
  }
  return out;
}
