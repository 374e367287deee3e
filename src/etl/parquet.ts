/**
 * Arrow table → Parquet bytes with parquet-wasm (arrow-rs compiled to WebAssembly): the fastest writer
 * measured here (docs/parquet.md), with ZSTD and exact round trips of every seed type.
 *
 * Tables with `timestamp('s')` columns are written with milliseconds (arrow-schemas.ts storageSchema) and get
 * the seed's schema put back into the footer's `ARROW:schema` (arrow-schema-footer.ts), as PyArrow does.
 */
import { Table as ArrowTable, tableToIPC } from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm';
import { replaceArrowSchema } from './arrow-schema-footer.js';
import { arrowSchema } from './arrow-schemas.js';
import { type Compression, DEFAULT_COMPRESSION } from './compression.js';
import { NATIVE_ZSTD, zstdParquet } from './native-zstd.js';
import { hasSecondsColumn, type TableSpec } from './schemas.js';
import { writerProperties } from './writer-properties.js';

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

/** The footer's `ARROW:schema` replacement for tables with seconds columns, else undefined. */
export function footerSchema(spec: TableSpec): string | undefined {
  return hasSecondsColumn(spec) ? seedSchemaBase64(spec) : undefined;
}

/**
 * Arrow table (in its storage schema, see TableBuilder.finish) → Parquet bytes. ZSTD is done by Node's
 * zlib where it has it (native-zstd.ts: less CPU than parquet-wasm's own), else inside parquet-wasm.
 */
export function writeTable(table: ArrowTable, compression: Compression): Uint8Array {
  const wasmTable = WasmTable.fromIPCStream(tableToIPC(table, 'stream'));
  if (compression === 'zstd' && NATIVE_ZSTD)
    return zstdParquet(writeParquet(wasmTable, writerProperties('none')));
  return writeParquet(wasmTable, writerProperties(compression));
}

/**
 * Encode one table (in its storage schema, see TableBuilder.finish) as a whole Parquet file at once: the
 * ETL thread's etl_meta row, tests and the bench's writer ceiling. The record tables are written in parts
 * of CHUNK_ROWS rows by the ETL thread (etl-thread.ts), with writeTable, and joined.
 */
export function encodeParquet(
  spec: TableSpec,
  table: ArrowTable,
  compression: Compression = DEFAULT_COMPRESSION,
) {
  const bytes = writeTable(table, compression);
  const schema = footerSchema(spec);
  return schema === undefined ? bytes : replaceArrowSchema(bytes, schema);
}
