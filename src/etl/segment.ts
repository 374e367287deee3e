/**
 * A segment: the deliveries of one (topic, partition) that end up in one set of files, one per table.
 * It opens at its first delivery and is written when the sink rolls it (sink.ts). Its etl_id is minted
 * when it opens, so every flush is one ETL run with its own id and its own etl_meta row.
 *
 * The main thread keeps only the bookkeeping: the run to commit (first and last delivery, or all of them),
 * the packer of records not yet shipped, and the chunks in flight to the ETL thread (etl-pool.ts), whose
 * deliveries are kept until the thread says which of them were malformed (dead letters need the message).
 */
import { randomUUID } from 'node:crypto';
import type { Delivery } from '../brokers/types.js';
import type { EncodedFile, EtlPool } from './etl-pool.js';
import { type SegmentStart, segmentPath } from './naming.js';
import { ChunkPacker } from './packed.js';
import { messageId } from './record.js';
import type { TableName } from './schemas.js';
import type { Compression } from './writer-properties.js';

/**
 * Memory held per delivery beyond its value, measured rather than summed up: an open segment keeps its
 * rows on the ETL thread as Arrow IPC, about 700 B a simulator record (~500 B values) with all five
 * tables (docs/performance.md). The value counts a second time when the sink keeps the Delivery until it
 * is durable (`held`).
 */
export const PER_DELIVERY_OVERHEAD = 300;

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

export class Segment {
  readonly etlId = randomUUID();
  readonly run: DeliveryRun;
  readonly openedAt = Date.now();
  /** The segment on the ETL thread, opened with the first record shipped. */
  threadId: number | undefined;
  readonly packer = new ChunkPacker();
  /** The deliveries in `packer`, by index (a rejection names its record by index). */
  unsent: Delivery[] = [];
  /** Chunks shipped and not yet answered; each settles once its dead letters are started. */
  readonly chunks: Promise<void>[] = [];
  /** DLQ publishes of this segment's malformed messages; the segment is durable only after them. */
  readonly deadLetters: Promise<void>[] = [];
  /** Whether the first delivery went to the thread (it passed the broker-side checks). */
  firstShipped = false;
  /** The envelope time of the first delivery, once the thread has read it (NaN if it was refused). */
  firstTime = Number.NaN;
  dropped = false;
  bytes = 0;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    keepDeliveries: boolean,
  ) {
    this.run = { count: 0, first: undefined, last: undefined, deliveries: keepDeliveries ? [] : undefined };
  }

  /** Counts a delivery into the segment (every one, malformed too: it is committed with the files). */
  hold(d: Delivery, shipped: boolean): void {
    const run = this.run;
    if (run.first === undefined) {
      run.first = d;
      this.firstShipped = shipped;
    }
    run.last = d;
    run.count++;
    run.deliveries?.push(d);
  }

  /** Where the files go: named by the first delivery, dated by its record time when it parsed. */
  start(): SegmentStart | undefined {
    const d = this.run.first;
    if (d === undefined) return undefined;
    const parsed = this.firstShipped && !Number.isNaN(this.firstTime);
    return {
      topic: d.topic,
      partition: d.partition,
      offset: d.offset,
      batchId: messageId(d),
      recordTime: parsed ? this.firstTime : d.timestamp,
    };
  }
}

export interface SegmentWriterOptions {
  etl: EtlPool;
  storage: { write(path: string, data: Uint8Array): Promise<void> };
  service: string;
  mode: string;
  compression: Compression;
  tables: readonly TableName[];
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

/** Ends the segment on the ETL thread and writes every file it returns (etl_meta last). */
export async function writeSegment(seg: Segment, opts: SegmentWriterOptions): Promise<WrittenFile[]> {
  const start = seg.start();
  if (start === undefined || seg.threadId === undefined) return [];
  const files: EncodedFile[] = await opts.etl.finish(seg.threadId, {
    service: opts.service,
    mode: opts.mode,
    openedAt: seg.openedAt,
    endedAt: Date.now(),
  });
  const written: WrittenFile[] = [];
  for (const f of files) {
    const path = segmentPath(f.table, start);
    const started = performance.now();
    await opts.storage.write(path, f.bytes);
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
