/**
 * Arrow table → Parquet bytes with parquet-wasm (arrow-rs compiled to WebAssembly): the fastest writer
 * measured here (docs/parquet.md), with ZSTD and exact round trips of every seed type.
 *
 * Tables with `timestamp('s')` columns are written with milliseconds (schemas.ts storageSchema) and get
 * the seed's schema put back into the footer's `ARROW:schema` (arrow-schema-footer.ts), as PyArrow does.
 */
import { Table as ArrowTable, tableToIPC } from 'apache-arrow';
import {
  Compression as PwCompression,
  Table as WasmTable,
  WriterPropertiesBuilder,
  writeParquet,
} from 'parquet-wasm';
import { replaceArrowSchema } from './arrow-schema-footer.js';
import { arrowSchema, hasSecondsColumn, type TableSpec } from './schemas.js';

export const COMPRESSIONS = ['zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
/** ZSTD: files about 4× smaller than SNAPPY for ~10 % more encode time (docs/parquet.md). */
export const DEFAULT_COMPRESSION: Compression = 'zstd';

const CODECS: Record<Compression, PwCompression> = {
  zstd: PwCompression.ZSTD,
  snappy: PwCompression.SNAPPY,
  gzip: PwCompression.GZIP,
  lz4: PwCompression.LZ4_RAW,
  brotli: PwCompression.BROTLI,
  none: PwCompression.UNCOMPRESSED,
};

const CREATED_BY = 'heroflow (parquet-wasm 0.8.0)';

const seedSchemas = new Map<TableSpec, string>();

/**
 * The seed's Arrow schema as an IPC schema message (continuation marker + length + flatbuffer), base64:
 * the form PyArrow and arrow-rs both store under `ARROW:schema`. Encoded once per table by apache-arrow.
 */
export function seedSchemaBase64(spec: TableSpec): string {
  let b64 = seedSchemas.get(spec);
  if (b64 === undefined) {
    const stream = tableToIPC(new ArrowTable(arrowSchema(spec)), 'stream');
    const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
    const metadataLength = view.getInt32(4, true);
    b64 = Buffer.from(stream.subarray(0, 8 + metadataLength)).toString('base64');
    seedSchemas.set(spec, b64);
  }
  return b64;
}

/** Encode one table (in its storage schema, see TableBuilder.finish) as a whole Parquet file. */
export function encodeParquet(
  spec: TableSpec,
  table: ArrowTable,
  compression: Compression = DEFAULT_COMPRESSION,
) {
  // parquet-wasm takes ownership of both the table and the properties, so they are built per call.
  const wasmTable = WasmTable.fromIPCStream(tableToIPC(table, 'stream'));
  const props = new WriterPropertiesBuilder()
    .setCompression(CODECS[compression])
    .setCreatedBy(CREATED_BY)
    .build();
  const bytes = writeParquet(wasmTable, props);
  return hasSecondsColumn(spec) ? replaceArrowSchema(bytes, seedSchemaBase64(spec)) : bytes;
}
