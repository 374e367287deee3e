/**
 * Output file names, Kafka Connect S3 sink style:
 *   <table>/date=YYYY-MM-DD/<topic>+<partition, 4 digits>+<start offset, 20 digits>.parquet
 *
 * Exactly-once by naming: the date is the record time of the segment's first record and the last part is
 * the position where the segment starts, so a replay from the same start offset (after a crash between
 * "file written" and "offset committed") writes the same names: an overwrite, never a duplicate, even when
 * the replay cuts the segment at a different end. Brokers without offsets name the segment by a stable
 * batch id instead: the first delivery's msg_id (the producer's id header when present).
 */
import { isoDate } from './timestamps.js';

export interface SegmentStart {
  topic: string;
  partition: number;
  /** Offset of the segment's first delivery, when the broker has positions. */
  offset?: bigint;
  /** Stable id of the segment's first delivery (its msg_id), used when there is no offset. */
  batchId: string;
  /** Record time of the first delivery, epoch ms (naive wall clock for envelope times). */
  recordTime: number;
}

/** Keeps a name one path segment and portable: topic names and msg ids are producer-controlled text. */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._=-]/g, '_');
}

export function segmentFileName(start: SegmentStart): string {
  const position =
    start.offset === undefined ? safe(start.batchId) : start.offset.toString().padStart(20, '0');
  return `${safe(start.topic)}+${String(start.partition).padStart(4, '0')}+${position}.parquet`;
}

export function segmentPath(table: string, start: SegmentStart): string {
  const time =
    Number.isFinite(start.recordTime) && Math.abs(start.recordTime) < 8.64e15 ? start.recordTime : 0;
  return `${table}/date=${isoDate(time)}/${segmentFileName(start)}`;
}
