/**
 * One packed record into the rows of its segment: the fast path (scan-record.ts) when the record fits it,
 * else the generic path (record.ts), which also names what is wrong with a malformed one. The ETL thread
 * runs this per record; tests and the bench call it to build rows the same way.
 */
import { F_VALUE, F_VALUE_END, type PackedChunk, packedMsgId, STRIDE } from './packed.js';
import { describeRejection, isRejection, parseValue } from './record.js';
import type { SegmentRows } from './rows.js';
import type { RecordScanner } from './scan-record.js';

/** The record's envelope time (epoch ms) when it made rows, or the rejection reason when it did not. */
export function transformRecord(
  rows: SegmentRows,
  c: PackedChunk,
  i: number,
  scanner: RecordScanner,
): number | string {
  // `| 0`: spans come out of a Float64Array; integer (Smi) indices keep every byte access on the fast path.
  const start = c.meta[i * STRIDE + F_VALUE] | 0;
  const end = c.meta[i * STRIDE + F_VALUE_END] | 0;
  if (scanner.scan(c.bytes, start, end)) {
    rows.appendScanned(c, i, scanner);
    return scanner.timestamp;
  }
  const v = parseValue(c.bytes.subarray(start, end), packedMsgId(c, i));
  if (isRejection(v)) return describeRejection(v);
  rows.append(c, i, v);
  return v.timestamp;
}
