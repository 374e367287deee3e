/**
 * ZSTD by Node's own zlib instead of inside parquet-wasm: a Parquet file written UNCOMPRESSED is turned
 * into the same file with every page ZSTD-compressed, its page headers and footer offsets moved to match.
 *
 * Why: in one worker's profile the encoder (parquet-wasm) is a third of the ETL thread's time, and most of
 * that is ZSTD compiled to WebAssembly. Node's native ZSTD (zlib, Node ≥ 22.15) makes the same level-1
 * pages for less CPU (docs/performance.md). It is called synchronously: `zlib.zstdCompress` would move the
 * work to libuv's thread pool, but measured here it costs more CPU in all, and a worker on 2 cores is out
 * of CPU. On a Node without it, `NATIVE_ZSTD` is false and the encoder compresses in wasm as before.
 *
 * Only pages change: DATA_PAGE and DICTIONARY_PAGE bodies are compressed whole (Parquet v1 pages carry
 * their levels inside the compressed body); a DATA_PAGE_V2 or an index page is refused, since the writer
 * properties never make them. The page indexes (column and offset index) name the old positions, so they
 * are dropped, as parquet-merge.ts does for the parts it joins.
 */
import zlib from 'node:zlib';
import {
  CHUNK_FILE_OFFSET,
  CHUNK_META,
  dropPageIndexes,
  FILE_ROW_GROUPS,
  GROUP_COLUMNS,
  GROUP_COMPRESSED_SIZE,
  GROUP_FILE_OFFSET,
  MAGIC,
  moveOffset,
  readFooter,
} from './parquet-footer.js';
import {
  field,
  readStruct,
  type ThriftField,
  type ThriftList,
  ThriftReader,
  type ThriftStruct,
  writeStruct,
} from './thrift-compact.js';

/** zlib's ZSTD API (Node ≥ 22.15 / 23.8), typed here: this package's @types/node is Node 20's. */
const zstd = zlib as unknown as {
  zstdCompressSync?: (
    body: Uint8Array,
    options: { params: Record<number, number>; pledgedSrcSize: number },
  ) => Buffer;
  constants: { ZSTD_c_compressionLevel?: number };
};

/** Whether this Node has native ZSTD. */
export const NATIVE_ZSTD = typeof zstd.zstdCompressSync === 'function';

/** arrow-rs' default ZSTD level (`ZstdLevel::default()`), which parquet-wasm's ZSTD uses. */
const ZSTD_LEVEL = 1;

/**
 * zlib's default 16 KiB output chunks. One chunk the size of the page was measured worse in a worker
 * (+0.9 CPU s per 1 M records, 3 pairs): fresh ~1 MiB buffers per page cost more than joining chunks.
 */
const options = (size: number) => ({
  params: { [zstd.constants.ZSTD_c_compressionLevel!]: ZSTD_LEVEL },
  pledgedSrcSize: size,
});

// parquet.thrift: codecs, RowGroup, ColumnMetaData and PageHeader field ids, page types.
const GROUP_TOTAL_BYTE_SIZE = 2;
const CODEC_UNCOMPRESSED = 0;
const CODEC_ZSTD = 6;
const META_CODEC = 4;
const META_UNCOMPRESSED_SIZE = 6;
const META_COMPRESSED_SIZE = 7;
const META_DATA_PAGE_OFFSET = 9;
const META_DICTIONARY_PAGE_OFFSET = 11;
const PAGE_TYPE = 1;
const PAGE_COMPRESSED_SIZE = 3;
const PAGE_CRC = 4;
const DATA_PAGE = 0;
const DICTIONARY_PAGE = 2;

interface Page {
  header: ThriftStruct;
  /** The header's length as it was read. */
  headerLength: number;
  type: number;
  /** The header's compressed_page_size field, set to the compressed body's length. */
  size: ThriftField;
  body: Uint8Array;
}

function i64(s: ThriftStruct, id: number): bigint | undefined {
  const f = field(s, id);
  return f === undefined ? undefined : (f.value as bigint);
}

function setI64(s: ThriftStruct, id: number, value: bigint): void {
  const f = field(s, id);
  if (f !== undefined) f.value = value;
}

/** The pages of one column chunk, in file order. */
function pagesOf(bytes: Uint8Array, start: number, length: number): Page[] {
  const pages: Page[] = [];
  let at = start;
  while (at < start + length) {
    const reader = new ThriftReader(bytes.subarray(at, start + length));
    const header = readStruct(reader);
    const type = field(header, PAGE_TYPE)?.value;
    if (type !== DATA_PAGE && type !== DICTIONARY_PAGE)
      throw new Error(
        `native ZSTD: page type ${String(type)} at byte ${at} is not a v1 data or dictionary page`,
      );
    const size = field(header, PAGE_COMPRESSED_SIZE) as ThriftField;
    const bodyAt = at + reader.pos;
    const bodyEnd = bodyAt + (size.value as number);
    // A CRC would be of the uncompressed body: dropped (it is optional).
    const kept = header.filter((f) => f.id !== PAGE_CRC);
    pages.push({ header: kept, headerLength: reader.pos, type, size, body: bytes.subarray(bodyAt, bodyEnd) });
    at = bodyEnd;
  }
  return pages;
}

/**
 * `uncompressed`: a whole Parquet file written with Compression.UNCOMPRESSED. Returns the same file,
 * every page ZSTD-compressed at arrow-rs' level, and without page indexes.
 */
export function zstdParquet(uncompressed: Uint8Array): Uint8Array {
  const compress = zstd.zstdCompressSync;
  if (compress === undefined) throw new Error('native ZSTD needs Node ≥ 22.15 (zlib.zstdCompressSync)');
  const { meta } = readFooter(uncompressed);
  const groups = (field(meta, FILE_ROW_GROUPS)?.value as ThriftList | undefined)?.items ?? [];

  // Lay every chunk out again: header + compressed body per page, offsets moved to where they now are.
  const out: Uint8Array[] = [MAGIC];
  let at = MAGIC.length;
  for (const g of groups as ThriftStruct[]) {
    const groupStart = at;
    let groupDelta = 0;
    const chunks = (field(g, GROUP_COLUMNS)?.value as ThriftList | undefined)?.items ?? [];
    for (const chunk of chunks as ThriftStruct[]) {
      const m = field(chunk, CHUNK_META)?.value as ThriftStruct;
      if (field(m, META_CODEC)?.value !== CODEC_UNCOMPRESSED)
        throw new Error('native ZSTD: the file is already compressed');
      const oldStart = i64(m, META_DICTIONARY_PAGE_OFFSET) ?? (i64(m, META_DATA_PAGE_OFFSET) as bigint);
      const chunkStart = at;
      let dataPageAt: number | undefined;
      // The uncompressed sizes count the page headers too, whose size fields are now other numbers.
      let headerDelta = 0;
      for (const page of pagesOf(uncompressed, Number(oldStart), Number(i64(m, META_COMPRESSED_SIZE)))) {
        const body = compress(page.body, options(page.body.length));
        page.size.value = body.length;
        const header = writeStruct(page.header);
        headerDelta += header.length - page.headerLength;
        if (page.type === DATA_PAGE) dataPageAt ??= at;
        else setI64(m, META_DICTIONARY_PAGE_OFFSET, BigInt(at));
        out.push(header, body);
        at += header.length + body.length;
      }
      setI64(m, META_DATA_PAGE_OFFSET, BigInt(dataPageAt ?? chunkStart));
      setI64(m, META_COMPRESSED_SIZE, BigInt(at - chunkStart));
      setI64(m, META_UNCOMPRESSED_SIZE, (i64(m, META_UNCOMPRESSED_SIZE) ?? 0n) + BigInt(headerDelta));
      groupDelta += headerDelta;
      (field(m, META_CODEC) as ThriftField).value = CODEC_ZSTD;
      moveOffset(chunk, CHUNK_FILE_OFFSET, BigInt(chunkStart) - oldStart);
      dropPageIndexes(chunk);
    }
    setI64(g, GROUP_FILE_OFFSET, BigInt(groupStart));
    setI64(g, GROUP_COMPRESSED_SIZE, BigInt(at - groupStart));
    setI64(g, GROUP_TOTAL_BYTE_SIZE, (i64(g, GROUP_TOTAL_BYTE_SIZE) ?? 0n) + BigInt(groupDelta));
  }
  const footer = writeStruct(meta);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, footer.length, true);
  tail.set(MAGIC, 4);
  out.push(footer, tail);
  // A buffer of its own (not a slice of Node's pool): the ETL thread transfers it to the main thread.
  const file = new Uint8Array(at + footer.length + tail.length);
  let pos = 0;
  for (const b of out) {
    file.set(b, pos);
    pos += b.length;
  }
  return file;
}
