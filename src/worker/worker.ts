/**
 * A worker: one member of a consumer group that pulls batches from a broker, runs the ETL into Parquet
 * and acknowledges a message only after the file holding it is durable.
 *
 *   subscription (pull) ──batch──► ParquetSink ──segment durable──► commit (streaming)
 *                                       │                         └► offset store (batch mode)
 *                                       └─ malformed ─► <topic>.dlq
 *
 * Back-pressure is the pull loop itself: the next batch is asked for only after the sink accepted the
 * previous one (and rolled files if a limit was reached).
 */
import {
  type Broker,
  type Delivery,
  type PartitionWatermarks,
  partitionKey,
  type StartPosition,
  type Subscription,
  type TopicPartition,
} from '../brokers/types.js';
import { HeroflowError, isHeroflowError } from '../errors.js';
import {
  type Compression,
  type DeliveryRun,
  type EtlEngine,
  ParquetSink,
  type SinkStats,
  type TableName,
  type WrittenFile,
} from '../etl/index.js';
import type { OffsetStore } from '../state/index.js';
import type { Storage } from '../storage/types.js';
import { BatchOffsets } from './batch-offsets.js';
import type { BatchLimit } from './batch-trigger.js';
import { DLQ_TRUNCATED_SIZES, deadLetterMessage, truncatedDeadLetterMessage } from './dead-letter.js';

export type LogFn = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface WorkerOptions {
  broker: Broker;
  storage: Storage;
  topics: string[];
  group: string;
  from: 'earliest' | 'latest';
  consumerId?: string;
  /** streaming: commit to the broker; batch: positions kept in `offsetStore`, never committed (seed 001). */
  mode: 'streaming' | 'batch';
  offsetStore?: OffsetStore;
  roll: { maxRows: number; maxBytes: number; maxAgeMs: number };
  memoryBudgetBytes: number;
  /** ETL threads of the sink (ParquetSinkOptions.etlThreads). */
  etlThreads?: number;
  compression: Compression;
  /** Which ETL engine reads the records (etl/native-engine.ts); default auto. */
  etlEngine?: EtlEngine;
  /** The tables to write (default: all five). */
  tables?: readonly TableName[];
  maxBatch?: number;
  /** Triggered batch mode: read only up to these per-partition targets, stop once they are reached. */
  limit?: BatchLimit;
  /** Stop by itself after this long without a message. */
  idleExitMs?: number;
  log?: LogFn;
  /** Called for every file once it is durable, with its encode and write times (metrics). */
  onFileWritten?: (file: WrittenFile) => void;
  /** Called after every batch handed to the sink (progress bars, metrics). */
  onBatch?: (deliveries: Delivery[]) => void;
}

export interface WorkerStats extends SinkStats {
  consumed: number;
  consumedByTopic: Record<string, number>;
  committed: number;
  committedByTopic: Record<string, number>;
  redelivered: number;
}

const tpKey = (tp: TopicPartition) => partitionKey(tp.topic, tp.partition);

/**
 * Longest a member with no partitions after a revoke waits for its next assignment before it may idle
 * out: on a cooperative group (memory) it may get none. On Kafka a member with nothing idles out only
 * once the group has written every partition to its end as well (stillReading), whatever this says.
 */
const REBALANCE_WAIT_MS = 60_000;

export class Worker {
  private readonly opts: WorkerOptions;
  private readonly sink: ParquetSink;
  private readonly batchOffsets?: BatchOffsets;
  private sub?: Subscription;
  private stopping = false;
  private idleTimer?: NodeJS.Timeout;
  /** When partitions were last revoked, until the next assignment (see stillReading). */
  private revokedAt: number | undefined;
  /** Set once the subscription is live in its group (its first assignment done). */
  private live = false;
  private readonly created = Date.now();
  /** Highest offset read per topic and partition, for the idle check (brokers with watermarks only). */
  private readonly lastRead = new Map<string, Map<number, bigint>>();
  private loop?: Promise<void>;
  /** Sink calls are serialised: a rebalance flush must not interleave with a batch being added. */
  private sinkQueue: Promise<unknown> = Promise.resolve();
  private readonly counters = {
    consumed: 0,
    committed: 0,
    redelivered: 0,
    byTopic: {} as Record<string, number>,
    committedByTopic: {} as Record<string, number>,
  };

  constructor(opts: WorkerOptions) {
    if (opts.mode === 'batch' && !opts.offsetStore) {
      throw new HeroflowError(
        'HF_CONFIG_INVALID',
        'Batch mode keeps its positions in an offset store: set --state (env HEROFLOW_STATE) or REDIS_HOST.',
      );
    }
    this.opts = opts;
    const log = opts.log ?? (() => {});
    if (opts.offsetStore) this.batchOffsets = new BatchOffsets(opts.offsetStore);
    this.sink = new ParquetSink({
      storage: opts.storage,
      service: opts.broker.kind,
      mode: opts.mode === 'batch' ? 'Batch' : 'Streaming',
      roll: opts.roll,
      memoryBudgetBytes: opts.memoryBudgetBytes,
      etlThreads: opts.etlThreads,
      compression: opts.compression,
      etlEngine: opts.etlEngine,
      tables: opts.tables,
      log,
      onDurable: (run) => this.acknowledge(run),
      superseded: (first) => this.superseded(first),
      onFileWritten: opts.onFileWritten,
      // Kafka commits a run by its ends: the sink then keeps no message bodies until files are durable.
      keepDeliveries: !this.commitsRuns(),
      // A failed write ends the run now (run() rejects with it), not at a next batch that may never come.
      onFailure: () => {
        this.stopping = true;
        clearTimeout(this.idleTimer);
        void this.sub?.close();
      },
      onDeadLetter: (delivery, reason) => this.deadLetter(delivery, reason),
    });
  }

  /** Start consuming; resolves when the worker has stopped (stop(), idle exit, or the stream ended). */
  run(): Promise<void> {
    this.loop ??= this.consume(this.subscribe());
    return this.loop;
  }

  /** Resolves once this member is live in its group (see Subscription.ready); starts it if needed. */
  async ready(): Promise<void> {
    void this.run();
    await this.sub?.ready();
  }

  /**
   * Graceful stop: stop pulling, flush open files, commit, leave the group. Never rejects: a failure of
   * the run is reported by run().
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.idleTimer);
    await this.sub?.close();
    await this.loop?.catch(() => {});
  }

  stats(): WorkerStats {
    return {
      ...this.sink.stats(),
      consumed: this.counters.consumed,
      consumedByTopic: { ...this.counters.byTopic },
      committed: this.counters.committed,
      committedByTopic: { ...this.counters.committedByTopic },
      redelivered: this.counters.redelivered,
    };
  }

  private subscribe(): Subscription {
    const { broker, topics, group, from, consumerId, maxBatch = 1000 } = this.opts;
    this.sub = broker.subscribe({
      topics,
      group,
      from,
      consumerId,
      maxBatch,
      maxWaitMs: 50,
      onAssign: (tps) => this.onAssign(tps),
      onRevoke: (tps, info) => this.onRevoke(tps, info?.lost === true),
    });
    this.sub.ready().then(
      () => {
        this.live = true;
      },
      () => {},
    );
    // Commits come per durable file: with a window the files must roll before it fills (docs/brokers.md).
    this.sink.limitHeld(this.sub.window);
    return this.sub;
  }

  private async consume(sub: Subscription): Promise<void> {
    this.armIdleTimer();
    try {
      for await (const fetched of sub) {
        // Idle means waiting for messages: the time spent on a batch (a roll, a slow commit) never counts.
        clearTimeout(this.idleTimer);
        const batch = this.opts.limit ? this.opts.limit.admit(fetched) : fetched;
        if (batch.length > 0) {
          this.count(batch);
          await this.serial(() => this.sink.add(batch));
          this.opts.onBatch?.(batch);
        }
        if (this.stopping || this.opts.limit?.reached()) break;
        this.armIdleTimer();
      }
      await this.serial(() => this.sink.flush());
    } finally {
      clearTimeout(this.idleTimer);
      await sub.close();
      await this.sink.close();
    }
  }

  private count(batch: Delivery[]): void {
    this.counters.consumed += batch.length;
    const track = this.opts.idleExitMs !== undefined && this.opts.broker.watermarks !== undefined;
    for (const d of batch) {
      this.counters.byTopic[d.topic] = (this.counters.byTopic[d.topic] ?? 0) + 1;
      if (d.redelivered) this.counters.redelivered++;
      if (track && d.offset !== undefined) this.readTo(d.topic, d.partition, d.offset);
    }
  }

  /** The highest offset read per partition (by topic, then partition: no string per delivery). */
  private readTo(topic: string, partition: number, offset: bigint): void {
    let byPartition = this.lastRead.get(topic);
    if (byPartition === undefined) {
      byPartition = new Map();
      this.lastRead.set(topic, byPartition);
    }
    const last = byPartition.get(partition);
    if (last === undefined || offset > last) byPartition.set(partition, offset);
  }

  /** Publishes the dead-letter copy; one too large for the broker goes truncated, so the partition moves on. */
  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    let copy = deadLetterMessage(delivery, reason);
    const smaller = DLQ_TRUNCATED_SIZES.filter((n) => n < delivery.value.byteLength);
    for (;;) {
      try {
        await this.opts.broker.publish([copy]);
        return;
      } catch (err) {
        const keep = smaller.shift();
        if (!isHeroflowError(err, 'HF_MESSAGE_TOO_LARGE') || keep === undefined) throw err;
        this.opts.log?.('warn', 'dead-letter copy too large for the broker; publishing it truncated', {
          id: delivery.id,
          bytes: delivery.value.byteLength,
          keep,
        });
        copy = truncatedDeadLetterMessage(delivery, reason, keep);
      }
    }
  }

  /** Whether segments can be committed by their first and last delivery (see keepDeliveries). */
  private commitsRuns(): boolean {
    return this.opts.mode === 'batch' || this.opts.broker.capabilities.commitRuns === true;
  }

  /**
   * Whether a newer owner of the partition has written and acknowledged past `first`: in batch mode by the
   * offset store, otherwise by the group's commits, or owns the partition in the settled group (it may have
   * written and not yet committed). A member revoked late finds out here, not by losing.
   */
  private async superseded(first: Delivery): Promise<boolean> {
    if (this.batchOffsets) return this.batchOffsets.writtenPast(first);
    const sub = this.sub;
    if (sub === undefined) return false;
    // The group's settled assignment too: a next owner that has written files but not yet committed.
    const [past, elsewhere] = await Promise.all([sub.committedPast?.(first), sub.assignedElsewhere?.(first)]);
    return past === true || elsewhere === true;
  }

  private async acknowledge(run: DeliveryRun): Promise<void> {
    if (this.batchOffsets) await this.batchOffsets.record(run);
    else if (run.deliveries) await this.sub?.commit(run.deliveries);
    else if (run.first && run.last) await this.sub?.commitRun?.(run.first, run.last);
    this.counters.committed += run.count;
    const topic = run.first?.topic;
    if (topic !== undefined) {
      this.counters.committedByTopic[topic] = (this.counters.committedByTopic[topic] ?? 0) + run.count;
    }
  }

  private async onAssign(tps: TopicPartition[]): Promise<StartPosition[] | undefined> {
    this.revokedAt = undefined;
    this.opts.log?.('info', 'partitions assigned', { partitions: tps.map(tpKey) });
    const starts = await this.batchOffsets?.startPositions(tps);
    const limit = this.opts.limit;
    if (limit) {
      limit.assign(tps, starts);
      // Nothing to read in this batch: no delivery will come to end the loop, so end it from here
      // (after onAssign has returned: stop() waits for the subscription's assignment to settle).
      if (limit.reached()) setImmediate(() => void this.stop());
    }
    return starts;
  }

  /**
   * Rebalance: flush and commit what is buffered of the revoked partitions, forget the rest. Lost
   * partitions are only forgotten: their new owner reads them again from the last commit, and a file of
   * them written now could replace the new owner's longer file of the same first offset.
   */
  private async onRevoke(tps: TopicPartition[], lost: boolean): Promise<void> {
    // Until the next assignment, having nothing to read means waiting for the group, not being done.
    if (!this.stopping) this.revokedAt = Date.now();
    // Another member reads these next: what this one read of them says nothing once they come back.
    for (const tp of tps) this.lastRead.get(tp.topic)?.delete(tp.partition);
    const revoked = new Set(tps.map(tpKey));
    const owned = (tp: TopicPartition) => revoked.has(tpKey(tp));
    this.opts.limit?.revoke(tps);
    await this.serial(async () => {
      if (!lost) await this.sink.flush(owned);
      this.sink.drop(owned);
    });
    this.opts.log?.('info', lost ? 'partitions lost' : 'partitions revoked', { partitions: [...revoked] });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.sinkQueue.then(fn);
    this.sinkQueue = next.catch(() => {});
    return next;
  }

  private armIdleTimer(): void {
    const ms = this.opts.idleExitMs;
    if (ms === undefined) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.idleTimeout(ms), ms);
  }

  /** The idle time ran out: stop, unless there is still something to read (then wait another round). */
  private async idleTimeout(ms: number): Promise<void> {
    if (this.stopping) return;
    const consumed = this.counters.consumed;
    let busy = await this.stillReading();
    // A batch that came while the broker was asked: what was asked about is out of date.
    if (busy === undefined && this.counters.consumed !== consumed) busy = 'records came during the check';
    if (this.stopping) return;
    if (busy !== undefined) {
      this.opts.log?.('debug', 'idle time ran out, but not idle', { reason: busy });
      this.armIdleTimer();
      return;
    }
    this.opts.log?.('info', 'idle, stopping', { idleMs: ms });
    void this.stop();
  }

  /**
   * Why the worker is not idle although no message came for a while: a rebalance under way (the member
   * holds nothing until it is assigned again), an assigned partition not read to its end, or (on brokers
   * that can tell) a partition of the group not written to its end. Undefined when idle.
   *
   * The last is the group's view: a member that left while it held partitions it had not written (it was
   * assigned them as it closed, or it dropped them as lost) hands them on with a rebalance that the others
   * notice only at their next heartbeat. A member that stopped on its own partitions alone could leave
   * before that, and the group would end with those partitions' tails unwritten (seed 002's CI failure,
   * docs/kafka.md). So a member read to its ends writes what it holds (its commits are what the others
   * look for) and stays until every partition of its topics is written.
   */
  private async stillReading(): Promise<string | undefined> {
    const owned = this.sub?.assignment() ?? [];
    if (!this.live && Date.now() - this.created < REBALANCE_WAIT_MS) return 'joining the group';
    // Eager groups (Kafka) take everything back and assign again; cooperative ones (memory) only move
    // partitions, and a member left with none may get nothing more, so the wait is bounded.
    const revoked = this.revokedAt;
    if (revoked !== undefined && owned.length === 0 && Date.now() - revoked < REBALANCE_WAIT_MS) {
      return 'a rebalance is under way';
    }
    if (!this.opts.broker.watermarks) return undefined;
    const mine = new Set(owned.map(tpKey));
    const ownUnread = await this.unwritten(new Set(owned.map((tp) => tp.topic)), mine, true);
    if (ownUnread !== undefined) return ownUnread;
    try {
      await this.serial(() => this.sink.flush());
    } catch {
      return 'a write failed'; // the sink's onFailure stops the worker
    }
    return this.unwritten(new Set(this.opts.topics), mine, false);
  }

  /**
   * The first partition of `topics` short of its end (only this member's with `onlyMine`): read to it by
   * this member (`mine`), else written to it by the group (its commits, or the offset store in batch
   * mode). Undefined when there is none.
   */
  private async unwritten(
    topics: Set<string>,
    mine: Set<string>,
    onlyMine: boolean,
  ): Promise<string | undefined> {
    const broker = this.opts.broker;
    for (const topic of topics) {
      let ends: PartitionWatermarks[];
      let written: Map<number, bigint> | undefined;
      try {
        ends = (await broker.watermarks?.(topic)) ?? [];
        written = await this.writtenTo(topic, ends);
      } catch (err) {
        // A broker too busy to answer is no proof of having read everything: ask again next round.
        return `cannot tell where ${topic} ends: ${(err as Error).message}`;
      }
      for (const { partition, low, high } of ends) {
        const key = partitionKey(topic, partition);
        if (onlyMine && !mine.has(key)) continue;
        const last = mine.has(key) ? this.lastRead.get(topic)?.get(partition) : undefined;
        const read = last === undefined ? undefined : last + 1n;
        // Neither read nor written: an earliest group starts at the log's start; a latest one at an end
        // fixed when its members subscribed, which nothing here knows, so it counts as done.
        const start = this.opts.from === 'earliest' ? low : undefined;
        const position = max(max(read, written?.get(partition)), start);
        if (position !== undefined && position < high) {
          return mine.has(key) ? `${key} has unread records` : `${key} is not written by the group yet`;
        }
      }
    }
    return undefined;
  }

  /** The next offset to write per partition, as the group knows it: its commits, or the offset store's. */
  private async writtenTo(
    topic: string,
    ends: PartitionWatermarks[],
  ): Promise<Map<number, bigint> | undefined> {
    if (this.batchOffsets === undefined) return this.opts.broker.groupOffsets?.(this.opts.group, topic);
    const starts = await this.batchOffsets.startPositions(
      ends.map(({ partition }) => ({ topic, partition })),
    );
    const out = new Map<number, bigint>();
    for (const { partition, offset } of starts) if (offset !== 'earliest') out.set(partition, offset);
    return out;
  }
}

/** The larger of two optional offsets. */
function max(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  return b === undefined || a > b ? a : b;
}
