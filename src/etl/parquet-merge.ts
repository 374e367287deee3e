/**
 * Parquet files of one schema → one file with all their row groups, without decoding a page: the data of
 * each part is copied as it is and its row groups' offsets are moved by where that data now starts.
 *
 * Why: the ETL thread encodes every CHUNK_ROWS rows of a table as soon as they are built (etl-thread.ts),
 * so an open segment holds compressed pages (~20 B a record) instead of Arrow IPC (~700 B), and the roll
 * only joins the parts. The page indexes (column and offset index) hold positions inside their part; they
 * are left where they are and no longer named by the footer, which readers accept (both are optional).
 */
import {
  CHUNK_FILE_OFFSET,
  CHUNK_META,
  dropPageIndexes,
  FILE_NUM_ROWS,
  FILE_ROW_GROUPS,
  type Footer,
  GROUP_COLUMNS,
  GROUP_FILE_OFFSET,
  GROUP_NUM_ROWS,
  GROUP_ORDINAL,
  MAGIC,
  moveOffset,
  readFooter,
} from './parquet-footer.js';
import { field, T, type ThriftList, type ThriftStruct, writeStruct } from './thrift-compact.js';

/** data_page_offset, index_page_offset, dictionary_page_offset, bloom_filter_offset. */
const META_OFFSETS = [9, 10, 11, 14];

interface Part extends Footer {
  bytes: Uint8Array;
}

function readPart(bytes: Uint8Array): Part {
  return { bytes, ...readFooter(bytes) };
}

function moveRowGroup(group: ThriftStruct, by: bigint, ordinal: number): ThriftStruct {
  moveOffset(group, GROUP_FILE_OFFSET, by);
  const ord = field(group, GROUP_ORDINAL);
  if (ord) ord.value = ordinal;
  const columns = field(group, GROUP_COLUMNS)?.value as ThriftList | undefined;
  for (const item of columns?.items ?? []) {
    const chunk = item as ThriftStruct;
    moveOffset(chunk, CHUNK_FILE_OFFSET, by);
    const meta = field(chunk, CHUNK_META)?.value as ThriftStruct | undefined;
    if (meta) for (const id of META_OFFSETS) moveOffset(meta, id, by);
    dropPageIndexes(chunk);
  }
  return group;
}

/** One Parquet file with every row group of `parts` in order (all written with the same schema). */
export function mergeParquet(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  if (parts.length === 0) throw new Error('mergeParquet: no parts');
  const read = parts.map(readPart);
  const groups: ThriftStruct[] = [];
  let rows = 0n;
  let at = MAGIC.length;
  for (const p of read) {
    const by = BigInt(at - MAGIC.length);
    const list = field(p.meta, FILE_ROW_GROUPS)?.value as ThriftList | undefined;
    for (const g of list?.items ?? []) {
      groups.push(moveRowGroup(g as ThriftStruct, by, groups.length));
      rows += field(g as ThriftStruct, GROUP_NUM_ROWS)?.value as bigint;
    }
    at += p.dataEnd - MAGIC.length;
  }
  const meta = read[0].meta.map((f) => {
    if (f.id === FILE_NUM_ROWS) return { ...f, value: rows };
    if (f.id === FILE_ROW_GROUPS) return { ...f, value: { elementType: T.STRUCT, items: groups } };
    return f;
  });
  const footer = writeStruct(meta);
  const out = new Uint8Array(at + footer.length + 8);
  out.set(MAGIC, 0);
  let pos = MAGIC.length;
  for (const p of read) {
    out.set(p.bytes.subarray(MAGIC.length, p.dataEnd), pos);
    pos += p.dataEnd - MAGIC.length;
  }
  out.set(footer, pos);
  new DataView(out.buffer).setUint32(pos + footer.length, footer.length, true);
  out.set(MAGIC, pos + footer.length + 4);
  return out;
}
