/**
 * A segment: the deliveries of one (topic, partition) that end up in one set of files, one per table.
 * It opens at its first delivery and is written whole when the sink rolls it (sink.ts). Its etl_id is
 * minted when it opens, so every flush is one ETL run with its own id and its own etl_meta row.
 */
import { randomUUID } from 'node:crypto';
import type { Delivery } from '../brokers/types.js';
import type { Storage } from '../storage/types.js';
import { type SegmentStart, segmentPath } from './naming.js';
import { type Compression, encodeParquet } from './parquet.js';
import type { RecordValues } from './record.js';
import { SegmentRows } from './rows.js';
import { ETL_META, type TableName } from './schemas.js';
import { TableBuilder } from './table-builder.js';

/**
 * Memory held per delivery beyond its value: the fixed-width columns and offsets of its buffer_meta and
 * log_meta rows, the Delivery object itself. The value counts twice: the sink keeps the Delivery until it
 * is durable, and its text is copied into the string columns.
 */
const PER_DELIVERY_OVERHEAD = 160;

export function deliveryBytes(d: Delivery, keySize: number): number {
  return 2 * d.value.byteLength + Math.max(keySize, 0) + PER_DELIVERY_OVERHEAD;
}

export class Segment {
  readonly rows = new SegmentRows(randomUUID());
  readonly deliveries: Delivery[] = [];
  /** DLQ publishes of this segment's malformed messages; the segment is durable only after them. */
  readonly deadLetters: Promise<void>[] = [];
  readonly openedAt = Date.now();
  bytes = 0;
  start: SegmentStart | undefined;
  timer: NodeJS.Timeout | undefined;

  constructor(readonly key: string) {}

  /** Fixes the name from the first delivery; its record time is the envelope's when it parsed. */
  begin(d: Delivery, values: RecordValues | undefined, msgId: string): void {
    this.start = {
      topic: d.topic,
      partition: d.partition,
      offset: d.offset,
      batchId: msgId,
      recordTime: values?.timestamp ?? d.timestamp,
    };
  }
}

export interface SegmentWriterOptions {
  storage: Storage;
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
  for (const [spec, builder] of seg.rows.tables()) {
    const rows = builder.rows;
    if (rows > 0) await put(spec.name, encodeParquet(spec, builder.finish(), opts.compression), rows);
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
