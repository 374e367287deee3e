/**
 * A segment: the deliveries of one (topic, partition) that end up in one set of files, one per table.
 * It opens at its first delivery and is written when the sink rolls it (sink.ts). Its etl_id is minted
 * when it opens, so every flush is one ETL run with its own id and its own etl_meta row.
 *
 * The segment owns its bookkeeping: the run to commit (first and last delivery, or all of them), the
 * packer of records not yet shipped, the chunks in flight to the ETL thread (etl-pool.ts) and the
 * dead-letter publishes it must wait for. The sink decides when a segment ships, rolls or is dropped; the
 * segment does the rest.
 */
import { randomUUID } from 'node:crypto';
import { type Delivery, partitionKey } from '../brokers/types.js';
import type { Compression } from './compression.js';
import type { EncodedFile, EtlPool } from './etl-pool.js';
import { type SegmentStart, segmentPath } from './naming.js';
import type { EtlEngine } from './native-engine.js';
import { ChunkPacker } from './packed.js';
import { messageId } from './record.js';
import type { TableName } from './schemas.js';

/**
 * Memory held per delivery beyond its value, measured rather than summed up: an open segment keeps its
 * rows on the ETL thread as Arrow IPC, about 700 B a simulator record (~500 B values) with all five
 * tables (docs/performance.md). The value counts a second time when the sink keeps the Delivery until it
 * is durable (`held`).
 */
export const PER_DELIVERY_OVERHEAD = 300;

/** Records per chunk shipped to the ETL thread: one message per 2,048 records, not one per record. */
export const SHIP_RECORDS = 2048;

export function deliveryBytes(d: Delivery, keySize: number, held = true): number {
  return (held ? 2 : 1) * d.value.byteLength + Math.max(keySize, 0) + PER_DELIVERY_OVERHEAD;
}

/**
 * The deliveries of one segment, in the order they were added: one partition's, contiguous. `deliveries`
 * holds every one unless the sink was told the consumer commits runs (ParquetSinkOptions.keepDeliveries):
 * then only the first and the last are kept, and the message bodies in between can be collected.
 */
export interface DeliveryRun {
  count: number;
  first: Delivery | undefined;
  last: Delivery | undefined;
  deliveries: Delivery[] | undefined;
}

/** What the ETL thread is told about every segment it opens, and what etl_meta records at its end. */
export interface SegmentConfig {
  etl: EtlPool;
  tables: readonly TableName[];
  compression: Compression;
  engine: EtlEngine;
  /** etl_meta.service and etl_meta.mode. */
  service: string;
  mode: string;
}

/** Where the answers of the ETL thread go: malformed records, and a thread that failed. */
export interface ChunkHandlers {
  reject(delivery: Delivery, reason: string): void;
  error(err: unknown): void;
}

export interface WrittenFile {
  path: string;
  table: TableName;
  rows: number;
  bytes: number;
  /** Encoding this file on the ETL thread, then its durable write (Storage.write). */
  encodeMs: number;
  writeMs: number;
}

export class Segment {
  readonly etlId = randomUUID();
  readonly openedAt = Date.now();
  readonly key: string;
  readonly #run: DeliveryRun;
  readonly #packer = new ChunkPacker();
  /** The deliveries in the packer, by index (a rejection names its record by index). */
  #unsent: Delivery[] = [];
  /** The segment on the ETL thread, opened with the first record shipped. */
  #threadId: number | undefined;
  /** Chunks shipped and not yet answered; each settles once its dead letters are started. */
  readonly #chunks: Promise<void>[] = [];
  /** DLQ publishes of this segment's malformed messages; the segment is durable only after them. */
  readonly #deadLetters: Promise<void>[] = [];
  /** The envelope time of the first record that parsed (the date folder), NaN until one has. */
  #firstTime = Number.NaN;
  #dropped = false;
  /** Rolled, then its partition was lost: the files are not to be written (see cancelWrite). */
  #writeCancelled = false;
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    keepDeliveries: boolean,
  ) {
    this.key = partitionKey(topic, partition);
    this.#run = { count: 0, first: undefined, last: undefined, deliveries: keepDeliveries ? [] : undefined };
  }

  /** What to commit once the files are durable. */
  get run(): Readonly<DeliveryRun> {
    return this.#run;
  }

  get count(): number {
    return this.#run.count;
  }

  /** Estimated bytes held (deliveryBytes of each delivery). */
  get bytes(): number {
    return this.#bytes;
  }

  get dropped(): boolean {
    return this.#dropped;
  }

  /** Records packed and not yet shipped, enough to make a chunk. */
  get shipReady(): boolean {
    return this.#packer.count >= SHIP_RECORDS;
  }

  /**
   * Counts a delivery into the segment (every one, malformed ones too: they are committed with the files);
   * a `good` one (it passed the broker-side checks) is packed for the ETL thread.
   */
  add(d: Delivery, keySize: number, good: boolean, bytes: number): void {
    const run = this.#run;
    // Without every delivery kept, only the run's ends are: they must not pin the client's fetch buffers
    // for the segment's whole life (the last one is detached when adds end).
    run.first ??= run.deliveries ? d : (d.detached?.() ?? d);
    run.last = d;
    run.count++;
    run.deliveries?.push(d);
    this.#bytes += bytes;
    if (!good) return;
    this.#packer.pack(d, keySize);
    this.#unsent.push(d);
  }

  /**
   * Hands the packed records to the ETL thread. Its answer names the malformed ones, which go to
   * `on.reject` (the chunk's deliveries are kept until then, and only until then). Returns the answer and
   * the packed bytes it carried, or nothing when no record was waiting.
   */
  ship(cfg: SegmentConfig, on: ChunkHandlers): { answered: Promise<void>; bytes: number } | undefined {
    if (this.#packer.count === 0) return undefined;
    const deliveries = this.#unsent;
    this.#unsent = [];
    const chunk = this.#packer.take();
    // Measured before the chunk goes: the transfer to the thread leaves its buffers empty.
    const bytes = chunk.bytes.byteLength + chunk.meta.byteLength;
    this.#threadId ??= cfg.etl.open({
      topic: this.topic,
      etlId: this.etlId,
      tables: [...cfg.tables],
      compression: cfg.compression,
      engine: cfg.engine,
    });
    // The thread answers a segment's chunks in order, so the first time seen is the first record's.
    const answered = cfg.etl.chunk(this.#threadId, chunk).then(
      (r) => {
        if (Number.isNaN(this.#firstTime)) this.#firstTime = r.firstTime;
        if (this.#dropped) return;
        for (const [i, reason] of r.rejects) on.reject(deliveries[i], reason);
      },
      (err: unknown) => on.error(err),
    );
    this.#chunks.push(answered);
    return { answered, bytes };
  }

  /** A dead-letter publish the segment must wait for before it is durable. */
  awaitDeadLetter(published: Promise<void>): void {
    this.#deadLetters.push(published);
  }

  /** Rolls the segment by age unless something else rolled it first. */
  rollAfter(ms: number, roll: () => void): void {
    this.#timer = setTimeout(roll, ms);
    // An idle worker must still be able to exit; the timer only matters while the process runs.
    this.#timer.unref();
  }

  /** Taken out of the open set (rolled or dropped): the age timer no longer matters. */
  closeForAdds(): void {
    clearTimeout(this.#timer);
    const run = this.#run;
    if (!run.deliveries && run.last) run.last = run.last.detached?.() ?? run.last;
  }

  /** Forgets the segment (its partition was revoked): nothing of it is written or dead-lettered. */
  drop(etl: EtlPool): void {
    this.closeForAdds();
    this.#dropped = true;
    if (this.#threadId !== undefined) etl.abort(this.#threadId);
  }

  /**
   * A rolled segment whose partition was lost before its files were written: they are not written. The
   * partition's next owner reads from the last commit, which is at or before this segment's start.
   */
  cancelWrite(): void {
    this.#writeCancelled = true;
  }

  /** Every chunk answered (so every dead letter started), then every dead letter published. */
  async settled(): Promise<void> {
    await Promise.all(this.#chunks);
    await Promise.all(this.#deadLetters);
  }

  /**
   * Where the files go: named by the first delivery's position, dated by the first record that parsed
   * (by the first delivery's broker time when none did).
   */
  start(): SegmentStart | undefined {
    const d = this.#run.first;
    if (d === undefined) return undefined;
    return {
      topic: d.topic,
      partition: d.partition,
      offset: d.offset,
      batchId: messageId(d),
      recordTime: Number.isNaN(this.#firstTime) ? d.timestamp : this.#firstTime,
    };
  }

  /**
   * Ends the segment on the ETL thread and writes every file it returns (etl_meta last). cancelWrite(), or
   * `superseded` asked between the encoding and the first write (as late as can be), calls the write off:
   * undefined.
   */
  async write(
    cfg: SegmentConfig,
    storage: { write(path: string, data: Uint8Array): Promise<void> },
    superseded?: (first: Delivery) => Promise<boolean>,
  ): Promise<WrittenFile[] | undefined> {
    const start = this.start();
    const first = this.#run.first;
    if (start === undefined || first === undefined || this.#threadId === undefined) return [];
    const files: EncodedFile[] = await cfg.etl.finish(this.#threadId, {
      service: cfg.service,
      mode: cfg.mode,
      openedAt: this.openedAt,
      endedAt: Date.now(),
    });
    if (this.#writeCancelled || (await superseded?.(first)) || this.#writeCancelled) return undefined;
    const written: WrittenFile[] = [];
    for (const f of files) {
      const path = segmentPath(f.table, start);
      const started = performance.now();
      await storage.write(path, f.bytes);
      written.push({
        path,
        table: f.table,
        rows: f.rows,
        bytes: f.bytes.byteLength,
        encodeMs: f.encodeMs,
        writeMs: performance.now() - started,
      });
    }
    return written;
  }
}
