/**
 * A segment: the deliveries of one (topic, partition) that end up in one set of files, one per table.
 * It opens at its first delivery and is written when the sink rolls it (sink.ts). Its etl_id is minted
 * when it opens, so every flush is one ETL run with its own id and its own etl_meta row.
 *
 * Its rows are shipped to the encoder thread in chunks of CHUNK_ROWS deliveries while it is open
 * (encoder-pool.ts), so a roll only has the last chunk and the footers left to encode.
 */
import { randomUUID } from 'node:crypto';
import { tableToIPC } from 'apache-arrow';
import type { Delivery } from '../brokers/types.js';
import type { Storage } from '../storage/types.js';
import type { EncoderPool } from './encoder-pool.js';
import { type SegmentStart, segmentPath } from './naming.js';
import { type Compression, encodeParquet } from './parquet.js';
import { SegmentRows } from './rows.js';
import { ETL_META, type TableName } from './schemas.js';
import { TableBuilder } from './table-builder.js';

/**
 * Deliveries per chunk shipped to the encoder. Smaller chunks leave less to encode when the segment
 * rolls (add() waits for that) but cost more messages and IPC headers; parquet-wasm's streaming writer costs
 * noticeably more CPU per row below ~32k rows per batch (docs/parquet.md).
 */
export const CHUNK_ROWS = 32_768;

interface OpenFile {
  id: number;
  rows: number;
}

/**
 * Memory held per delivery beyond its value: the fixed-width columns and offsets of its buffer_meta and
 * log_meta rows, the Delivery object itself. The value's text is copied into the string columns; it counts
 * a second time when the sink keeps the Delivery until it is durable (`held`).
 */
const PER_DELIVERY_OVERHEAD = 160;

export function deliveryBytes(d: Delivery, keySize: number, held = true): number {
  return (held ? 2 : 1) * d.value.byteLength + Math.max(keySize, 0) + PER_DELIVERY_OVERHEAD;
}

export class Segment {
  /** The rows not shipped to the encoder yet. */
  rows = new SegmentRows(randomUUID());
  /** Per table, its file in the encoder (opened by the first chunk with rows of that table). */
  private readonly files = new Map<TableName, OpenFile>();
  /** What onDurable receives once the segment's files are durable. */
  readonly run: DeliveryRun;
  /** DLQ publishes of this segment's malformed messages; the segment is durable only after them. */
  readonly deadLetters: Promise<void>[] = [];
  readonly openedAt = Date.now();
  bytes = 0;
  start: SegmentStart | undefined;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    keepDeliveries: boolean,
  ) {
    this.run = { count: 0, first: undefined, last: undefined, deliveries: keepDeliveries ? [] : undefined };
  }

  /** Counts a delivery into the segment (every one, malformed too: it is committed with the files). */
  hold(d: Delivery): void {
    const run = this.run;
    run.first ??= d;
    run.last = d;
    run.count++;
    run.deliveries?.push(d);
  }

  /** Fixes the name from the first delivery; its record time is the envelope's when it parsed. */
  begin(d: Delivery, recordTime: number | undefined, msgId: string): void {
    this.start = {
      topic: d.topic,
      partition: d.partition,
      offset: d.offset,
      batchId: msgId,
      recordTime: recordTime ?? d.timestamp,
    };
  }

  /** Hands the rows built so far to the encoder and starts a fresh chunk. */
  ship(encoder: EncoderPool, compression: Compression): void {
    for (const [spec, builder] of this.rows.tables()) {
      const rows = builder.rows;
      if (rows === 0) continue;
      let file = this.files.get(spec.name);
      if (file === undefined) {
        file = { id: encoder.open(spec, compression), rows: 0 };
        this.files.set(spec.name, file);
      }
      file.rows += rows;
      encoder.append(file.id, tableToIPC(builder.finish(), 'stream'));
    }
    this.rows = new SegmentRows(this.rows.etlId);
  }

  /** Ships the tail and ends every file, in table order; each entry settles with that file's bytes. */
  finishFiles(encoder: EncoderPool, compression: Compression) {
    this.ship(encoder, compression);
    const out: { table: TableName; rows: number; bytes: Promise<Uint8Array> }[] = [];
    for (const [spec] of this.rows.tables()) {
      const file = this.files.get(spec.name);
      if (file !== undefined) out.push({ table: spec.name, rows: file.rows, bytes: encoder.finish(file.id) });
    }
    this.files.clear();
    return out;
  }

  /** Drops the segment's files in the encoder (a revoked partition: nothing is written). */
  abort(encoder: EncoderPool): void {
    for (const file of this.files.values()) encoder.abort(file.id);
    this.files.clear();
  }
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

export interface SegmentWriterOptions {
  storage: Storage;
  encoder: EncoderPool;
  service: string;
  mode: string;
  compression: Compression;
}

export interface WrittenFile {
  path: string;
  table: TableName;
  rows: number;
  bytes: number;
}

/** Encodes and writes every non-empty table of the segment, then its etl_meta row. */
export async function writeSegment(seg: Segment, opts: SegmentWriterOptions): Promise<WrittenFile[]> {
  const start = seg.start;
  if (start === undefined) return [];
  const written: WrittenFile[] = [];
  const put = async (table: TableName, data: Uint8Array, rows: number) => {
    const path = segmentPath(table, start);
    await opts.storage.write(path, data);
    written.push({ path, table, rows, bytes: data.byteLength });
  };
  // Every file's encoding is requested before the first write, so the thread finishes them back to back;
  // allSettled first, so that a failure of a later file is never an unhandled rejection.
  const files = seg.finishFiles(opts.encoder, opts.compression);
  const encoded = await Promise.allSettled(files.map((f) => f.bytes));
  for (const [i, f] of files.entries()) {
    const r = encoded[i];
    if (r.status === 'rejected') throw r.reason;
    await put(f.table, r.value, f.rows);
  }
  // A segment of malformed messages only wrote nothing: no ETL run to describe.
  if (written.length === 0) return written;
  const meta = new TableBuilder(ETL_META);
  meta.utf8('etl_id').append(seg.rows.etlId);
  meta.utf8('service').append(opts.service);
  meta.utf8('mode').append(opts.mode);
  meta.int64('timestamp_start').append(seg.openedAt);
  meta.int64('timestamp_end').append(Date.now());
  await put('etl_meta', encodeParquet(ETL_META, meta.finish(), opts.compression), 1);
  return written;
}
