/**
 * What the footer editors (parquet-merge.ts, native-zstd.ts) share: the field ids of parquet.thrift they
 * touch, and the footer of a whole file read into a generic Thrift tree (thrift-compact.ts).
 */
import { readStruct, T, ThriftReader, type ThriftStruct } from './thrift-compact.js';

export const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

// FileMetaData, RowGroup, ColumnChunk and ColumnMetaData field ids.
export const FILE_NUM_ROWS = 3;
export const FILE_ROW_GROUPS = 4;
export const GROUP_COLUMNS = 1;
export const GROUP_NUM_ROWS = 3;
export const GROUP_FILE_OFFSET = 5;
export const GROUP_COMPRESSED_SIZE = 6;
export const GROUP_ORDINAL = 7;
export const CHUNK_FILE_OFFSET = 2;
export const CHUNK_META = 3;
/** offset_index_offset/_length, column_index_offset/_length: positions of the page indexes. */
const CHUNK_PAGE_INDEX = new Set([4, 5, 6, 7]);

/** Unnames a column chunk's page indexes (both optional), whose positions no longer hold. */
export function dropPageIndexes(chunk: ThriftStruct): void {
  for (let i = chunk.length - 1; i >= 0; i--) if (CHUNK_PAGE_INDEX.has(chunk[i].id)) chunk.splice(i, 1);
}

/**
 * Moves the i64 field `id` of `s` (an offset into the file) by `by`. A 0 stays 0: it means unset, as in
 * ColumnChunk.file_offset, a deprecated field that arrow-rs writes as 0.
 */
export function moveOffset(s: ThriftStruct, id: number, by: bigint): void {
  for (const f of s)
    if (f.id === id && f.type === T.I64 && f.value !== 0n) f.value = (f.value as bigint) + by;
}

export interface Footer {
  /** FileMetaData. */
  meta: ThriftStruct;
  /** Where the footer starts: the file's data is bytes[4, dataEnd). */
  dataEnd: number;
}

export function readFooter(bytes: Uint8Array): Footer {
  const n = bytes.length;
  if (n < 12 || MAGIC.some((m, i) => bytes[n - 4 + i] !== m || bytes[i] !== m))
    throw new Error('not a Parquet file (no PAR1 at both ends)');
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 4).getUint32(0, true);
  const dataEnd = n - 8 - footerLength;
  return { meta: readStruct(new ThriftReader(bytes.subarray(dataEnd, n - 8))), dataEnd };
}
