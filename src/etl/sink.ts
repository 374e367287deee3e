/**
 * ParquetSink: batches of Deliveries in, Parquet files out, offsets committed only after the files are durable.
 *
 *   const sink = new ParquetSink({ storage, service: 'kafka', mode: 'Streaming',   // every option explicit
 *     roll: { maxRows: 50_000, maxBytes: 64 << 20, maxAgeMs: 60_000 }, memoryBudgetBytes: 256 << 20,
 *     compression: 'zstd',
 *     onDurable: async (run, files) => subscription.commit(run.deliveries),
 *     onDeadLetter: async (delivery, reason) => broker.publish([{ topic: `${delivery.topic}.dlq`, ... }]),
 *     log: (level, msg, fields) => logger[level](fields, msg) });
 *   await sink.add(batch);            // resolves once the batch is handed to the ETL thread (rolls run behind)
 *   await sink.flush((tp) => revoked.has(tp)); sink.drop((tp) => revoked.has(tp));   // on a rebalance
 *   await sink.close();
 *
 * Deliveries are grouped into segments per (topic, partition) (segment.ts). A segment rolls (all its
 * tables encoded and written through `Storage.write`, then `onDurable`) when it holds `maxRows` deliveries,
 * `maxBytes` estimated bytes, or is `maxAgeMs` old: the age roll runs on an unref'd timer, so it fires
 * even when no message arrives. All open segments share `memoryBudgetBytes`; over it, the largest rolls.
 * Rolls of one partition are written one after another, so `onDurable` sees each partition in order.
 *
 * The records themselves are parsed, put in columns and encoded on the ETL thread (etl-pool.ts); this side
 * packs them (packed.ts) and keeps the bookkeeping. A roll never stops that: `add` returns once the batch
 * is handed over, while rolled segments are finished, written and committed behind it. Back-pressure: the
 * packed bytes not yet taken by the thread (IN_FLIGHT_BYTES), and the segments still being made durable
 * (over the memory budget, `add` waits for the oldest; so open + rolling ≤ 2 × budget).
 *
 * A malformed message is counted, logged once with its position, handed to `onDeadLetter` with the reason,
 * and stays in its segment's delivered list, so it is committed once the DLQ publish and the segment are
 * done; the good messages around it are written.
 *
 * Failure: if a write or a DLQ publish fails, the sink stops writing (a later segment must not become
 * durable past an unwritten one, or a replay cut elsewhere could duplicate rows) and every later call
 * rejects with the error. The worker then restarts from the committed offsets; the names make that an
 * overwrite.
 */
import { type Delivery, partitionKey, type TopicPartition } from '../brokers/types.js';
import { HeroflowError } from '../errors.js';
import type { Storage } from '../storage/types.js';
import type { Compression } from './compression.js';
import { EtlPool } from './etl-pool.js';
import type { EtlEngine } from './native-engine.js';
import { checkDelivery, describeRejection, keySizeOf } from './record.js';
import { TABLES, type TableName } from './schemas.js';
import {
  type ChunkHandlers,
  type DeliveryRun,
  deliveryBytes,
  Segment,
  type SegmentConfig,
  type WrittenFile,
} from './segment.js';

/**
 * Packed bytes in flight to the ETL thread before add() waits for it: bounds what the hand-over holds.
 * Every chunk in flight also keeps its deliveries (and the client's fetch buffers behind them) until
 * answered. 4 MiB is two to four chunks, some 150 ms of the thread's work. Session 13 chose 8 MiB when
 * the consuming thread was the slower one; since the lean Kafka decoder it is the faster, the hand-over
 * stays full, and 8 MiB held 15–25 MB more at the same rate (one worker, 1 M Kafka records, 3 interleaved
 * rounds: docs/performance.md, "Session 18"; 6 MiB sat between).
 */
export const IN_FLIGHT_BYTES = 4 * 1024 * 1024;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RollPolicy {
  /** Deliveries per segment (each is one buffer_meta row). */
  maxRows: number;
  /** Estimated bytes a segment holds in memory (see segment.ts deliveryBytes). */
  maxBytes: number;
  /** Age of a segment's first delivery, by wall clock. */
  maxAgeMs: number;
}

export interface ParquetSinkOptions {
  storage: Storage;
  /** etl_meta.service: the broker in use (upstream wrote 'Kafka'). */
  service: string;
  /** etl_meta.mode. */
  mode: 'Streaming' | 'Batch';
  /** When a segment rolls; the defaults live with the settings (config/settings.ts). */
  roll: RollPolicy;
  /** One budget for all open segments, in the same estimated bytes as `roll.maxBytes`. */
  memoryBudgetBytes: number;
  /** Threads of the sink's own ETL pool (default 1); ignored when `etl` is passed in. */
  etlThreads?: number;
  compression: Compression;
  /** Which ETL engine reads the records (native-engine.ts); default auto. */
  etlEngine?: EtlEngine;
  /** The tables to write (default: all five); rows of the others are not even built. */
  tables?: readonly TableName[];
  /** After a segment's files are durable; the worker commits these deliveries here. */
  onDurable: (run: DeliveryRun, files: string[]) => Promise<void>;
  /**
   * Keep every Delivery of a segment until it is durable (default). `false` when the consumer commits a
   * run by its first and last delivery (Subscription.commitRun): the sink then holds no message bodies.
   */
  keepDeliveries?: boolean;
  /**
   * Called once, as soon as a write or a dead-letter publish fails (later calls reject with the same
   * error): the worker stops consuming at once instead of at its next batch, which may never come.
   */
  onFailure?: (err: HeroflowError) => void;
  /** Each file once it is durable, with its encode and write times (metrics). */
  onFileWritten?: (file: WrittenFile) => void;
  /**
   * Asked once a segment is encoded, just before its files are written: true when a newer owner of the
   * partition has already written and committed past the segment's first delivery. The segment is then
   * dropped: its files, named by that delivery, would replace the newer owner's, which may hold more.
   */
  superseded?: (first: Delivery) => Promise<boolean>;
  /** For each malformed delivery; the worker publishes it to `<topic>.dlq`. */
  onDeadLetter: (delivery: Delivery, reason: string) => Promise<void>;
  log?: (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;
  /**
   * The ETL thread (etl-pool.ts). By default the sink starts its own and stops it in close(); one passed
   * in is left running (tests use this to inject failures).
   */
  etl?: EtlPool;
}

export interface SinkStats {
  messages: number;
  rowsByTable: Record<TableName, number>;
  files: number;
  deadLetters: number;
  /** Per topic, per rejection reason code (`not_json`, `missing_field`, …). */
  deadLettersByTopic: Record<string, Record<string, number>>;
  bytesWritten: number;
  /**
   * Segments not written because their partition's next owner reads them again: it was lost while they
   * were rolling (drop), or it had already committed past their start (`superseded`).
   */
  segmentsSuperseded: number;
  openSegments: number;
  openBytes: number;
}

export class ParquetSink {
  private readonly roll: RollPolicy;
  private readonly budget: number;
  /** Open segments by partitionKey. */
  private readonly open = new Map<string, Segment>();
  /** The segment segmentFor() returned last (while it is open). */
  private lastSegment: Segment | undefined;
  /** Per partition (by partitionKey): the tail of its chain of segment writes. */
  private readonly writes = new Map<string, { tp: TopicPartition; tail: Promise<void> }>();
  private openBytes = 0;
  /** Deliveries in open segments (not yet rolled): what the window rule counts. */
  private openDeliveries = 0;
  /**
   * Segments rolled and not yet durable, each with the tail of its write: add() waits on them over the
   * budget, drop() calls off those of a lost partition not yet written.
   */
  private readonly rolling = new Map<Segment, Promise<void>>();
  private rollingBytes = 0;
  private window?: number;
  private failure: unknown;
  private closing: Promise<void> | undefined;
  private readonly etl: EtlPool;
  /** Chunks shipped to the ETL thread and not yet answered, with their packed bytes. */
  private readonly inFlight = new Map<Promise<void>, number>();
  private inFlightBytes = 0;
  private readonly keepDeliveries: boolean;
  private readonly segmentConfig: SegmentConfig;
  private readonly counters = {
    messages: 0,
    files: 0,
    deadLetters: 0,
    segmentsSuperseded: 0,
    deadLettersByTopic: {} as Record<string, Record<string, number>>,
    bytesWritten: 0,
    rowsByTable: { etl_meta: 0, buffer_meta: 0, log_meta: 0, lib_server_lobby: 0, lib_server_game: 0 },
  };

  constructor(private readonly opts: ParquetSinkOptions) {
    this.roll = { ...opts.roll };
    this.budget = opts.memoryBudgetBytes;
    this.etl = opts.etl ?? new EtlPool(undefined, opts.etlThreads);
    // Its start-up (parquet-wasm compile) then overlaps with the first batches instead of the first roll.
    this.etl.warmUp();
    this.keepDeliveries = opts.keepDeliveries ?? true;
    this.segmentConfig = {
      etl: this.etl,
      tables: [...(opts.tables ?? TABLES.map((t) => t.name))],
      compression: opts.compression,
      engine: opts.etlEngine ?? 'auto',
      service: opts.service,
      mode: opts.mode,
    };
  }

  /**
   * The subscription's window (Subscription.window): open segments roll once they hold half of it, so the
   * broker never waits for a commit that only the roll timer would bring (see limitHeld's caller).
   */
  limitHeld(window: number | undefined): void {
    this.window = window;
  }

  async add(deliveries: readonly Delivery[]): Promise<void> {
    if (this.closing !== undefined) {
      throw new HeroflowError('HF_CLOSED', 'ParquetSink.add() was called after close(); create a new sink.');
    }
    this.throwIfFailed();
    const keep = this.keepDeliveries;
    const touched = new Set<Segment>();
    for (const d of deliveries) {
      const seg = this.segmentFor(d);
      const keySize = keySizeOf(d);
      const bad = checkDelivery(d, keySize);
      const bytes = deliveryBytes(d, keySize, keep);
      seg.add(d, keySize, bad === undefined, bytes);
      this.openDeliveries++;
      this.openBytes += bytes;
      this.counters.messages++;
      if (bad !== undefined) this.deadLetter(seg, d, describeRejection(bad));
      else {
        touched.add(seg);
        if (seg.shipReady) this.ship(seg);
      }
      if (seg.count >= this.roll.maxRows || seg.bytes >= this.roll.maxBytes) this.rollBehind(seg, 'size');
      while (this.openBytes > this.budget) this.rollBehind(this.largest(), 'memory');
      if (this.window !== undefined && this.openDeliveries * 2 >= this.window) {
        for (const open of [...this.open.values()]) this.rollBehind(open, 'window');
      }
    }
    for (const seg of touched) this.ship(seg);
    while (this.inFlightBytes > IN_FLIGHT_BYTES && this.failure === undefined) {
      await Promise.race(this.inFlight.keys());
    }
    while (this.rollingBytes > this.budget && this.failure === undefined) {
      await Promise.race(this.rolling.values());
    }
    this.throwIfFailed();
  }

  /** Hands the segment's packed records to the ETL thread; the malformed ones it names are dead-lettered. */
  private ship(seg: Segment): void {
    const handlers: ChunkHandlers = {
      reject: (d, reason) => void this.deadLetter(seg, d, reason),
      error: (err) => this.fail(err, seg),
    };
    const shipped = seg.ship(this.segmentConfig, handlers);
    if (shipped === undefined) return;
    const { answered, bytes } = shipped;
    this.inFlight.set(answered, bytes);
    this.inFlightBytes += bytes;
    void answered.then(() => {
      this.inFlight.delete(answered);
      this.inFlightBytes -= bytes;
    });
  }

  /** Waits until every segment rolled so far is durable (open ones stay open); rejects with a failure. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.rolling.values()]);
    this.throwIfFailed();
  }

  /** Rolls the open segments of the partitions `filter` accepts (all by default) and waits for their writes. */
  async flush(filter: (tp: TopicPartition) => boolean = () => true): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const seg of [...this.open.values()]) if (filter(seg)) waits.push(this.rollSegment(seg, 'flush'));
    for (const { tp, tail } of this.writes.values()) if (filter(tp)) waits.push(tail);
    await Promise.allSettled(waits);
    this.throwIfFailed();
  }

  /**
   * Forgets the buffered deliveries of partitions no longer owned (they are never committed), and calls
   * off the writes of their rolled segments not yet written: a flush() first leaves none of those.
   */
  drop(filter: (tp: TopicPartition) => boolean): void {
    for (const seg of [...this.open.values()]) {
      if (!filter(seg)) continue;
      this.detach(seg);
      seg.drop(this.etl);
      this.opts.log?.('info', 'dropped buffered deliveries of a revoked partition', {
        topic: seg.topic,
        partition: seg.partition,
        deliveries: seg.count,
      });
    }
    for (const seg of this.rolling.keys()) if (filter(seg)) seg.cancelWrite();
  }

  /** Flushes everything, then refuses further adds and stops the encoder thread. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.flush().finally(() => {
      if (this.opts.etl === undefined) return this.etl.close();
    });
    return this.closing;
  }

  stats(): SinkStats {
    const c = this.counters;
    return {
      messages: c.messages,
      rowsByTable: { ...c.rowsByTable },
      files: c.files,
      deadLetters: c.deadLetters,
      deadLettersByTopic: Object.fromEntries(
        Object.entries(c.deadLettersByTopic).map(([topic, byReason]) => [topic, { ...byReason }]),
      ),
      bytesWritten: c.bytesWritten,
      segmentsSuperseded: c.segmentsSuperseded,
      openSegments: this.open.size,
      openBytes: this.openBytes,
    };
  }

  private segmentFor(d: Delivery): Segment {
    // A batch comes from one partition: the segment of the record before is nearly always this one's,
    // and finding it without building the partition's key string is ~2 % of the main thread.
    const last = this.lastSegment;
    if (last !== undefined && last.partition === d.partition && last.topic === d.topic) return last;
    this.lastSegment = this.openSegmentFor(d);
    return this.lastSegment;
  }

  private openSegmentFor(d: Delivery): Segment {
    const key = partitionKey(d.topic, d.partition);
    let seg = this.open.get(key);
    if (seg === undefined) {
      const opened = new Segment(d.topic, d.partition, this.keepDeliveries);
      opened.rollAfter(this.roll.maxAgeMs, () => {
        if (this.open.get(key) === opened) this.rollSegment(opened, 'age').catch(() => {});
      });
      this.open.set(key, opened);
      seg = opened;
    }
    return seg;
  }

  private largest(): Segment {
    let best: Segment | undefined;
    for (const seg of this.open.values()) if (best === undefined || seg.bytes > best.bytes) best = seg;
    return best!;
  }

  private detach(seg: Segment): void {
    if (this.open.get(seg.key) !== seg) return;
    this.open.delete(seg.key);
    if (this.lastSegment === seg) this.lastSegment = undefined;
    seg.closeForAdds();
    this.openBytes -= seg.bytes;
    this.openDeliveries -= seg.count;
  }

  private deadLetter(seg: Segment, d: Delivery, reason: string): Promise<void> {
    this.counters.deadLetters++;
    // The code only ("missing_field", not the field's path): label values must stay a small set.
    const code = reason.split(':')[0];
    const byReason = this.counters.deadLettersByTopic[d.topic] ?? {};
    this.counters.deadLettersByTopic[d.topic] = byReason;
    byReason[code] = (byReason[code] ?? 0) + 1;
    this.opts.log?.('warn', 'malformed message sent to the dead-letter topic', {
      topic: d.topic,
      partition: d.partition,
      offset: d.offset?.toString(),
      id: d.id,
      reason,
    });
    const published = Promise.resolve().then(() => this.opts.onDeadLetter(d, reason));
    seg.awaitDeadLetter(published);
    return published.catch((err: unknown) => this.fail(err, seg));
  }

  /** A roll nobody awaits: its failure is kept by fail() and reported by the next call. */
  private rollBehind(seg: Segment, cause: 'size' | 'memory' | 'window'): void {
    this.rollSegment(seg, cause).catch(() => {});
  }

  /** Takes the segment out of the open set and queues its write behind earlier ones of its partition. */
  private rollSegment(seg: Segment, cause: 'size' | 'age' | 'memory' | 'window' | 'flush'): Promise<void> {
    this.detach(seg);
    this.ship(seg);
    const previous = this.writes.get(seg.key)?.tail ?? Promise.resolve();
    const done = previous.then(() => this.complete(seg, cause));
    const tail = done.catch((err: unknown) => this.fail(err, seg));
    this.writes.set(seg.key, { tp: { topic: seg.topic, partition: seg.partition }, tail });
    this.rolling.set(seg, tail);
    this.rollingBytes += seg.bytes;
    void tail.then(() => {
      this.rolling.delete(seg);
      this.rollingBytes -= seg.bytes;
      if (this.writes.get(seg.key)?.tail === tail) this.writes.delete(seg.key);
    });
    return done;
  }

  private async complete(seg: Segment, cause: string): Promise<void> {
    this.throwIfFailed();
    await seg.settled();
    this.throwIfFailed();
    const files = await seg.write(this.segmentConfig, this.opts.storage, this.opts.superseded);
    if (files === undefined) {
      this.counters.segmentsSuperseded++;
      this.opts.log?.(
        'warn',
        'segment not written: its partition was lost, or its next owner wrote past its start',
        {
          topic: seg.topic,
          partition: seg.partition,
          offset: seg.run.first?.offset?.toString(),
          deliveries: seg.count,
        },
      );
      return;
    }
    for (const f of files) {
      this.opts.onFileWritten?.(f);
      this.counters.files++;
      this.counters.bytesWritten += f.bytes;
      this.counters.rowsByTable[f.table] += f.rows;
    }
    this.opts.log?.('debug', 'segment written', {
      topic: seg.topic,
      partition: seg.partition,
      cause,
      deliveries: seg.count,
      files: files.length,
    });
    await this.opts.onDurable(
      seg.run,
      files.map((f) => f.path),
    );
  }

  private fail(err: unknown, seg: Segment): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.opts.log?.('error', 'segment write failed; the sink stops writing until restarted', {
      topic: seg.topic,
      partition: seg.partition,
      error: err instanceof Error ? err.message : String(err),
    });
    this.opts.onFailure?.(this.failureError());
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failureError();
  }

  private failureError(): HeroflowError {
    if (this.failure instanceof HeroflowError) return this.failure;
    return new HeroflowError('HF_STORAGE_IO', `Writing Parquet output failed: ${String(this.failure)}`, {
      cause: this.failure,
    });
  }
}
