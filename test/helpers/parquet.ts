/** Parquet read back with hyparquet: an independent reader, not the writer's own library (parquet-wasm). */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Storage } from '../../src/storage/types.js';

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function readRows(storage: Storage, path: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: toArrayBuffer(await storage.read(path)), compressors });
}

export async function readMetadata(storage: Storage, path: string) {
  return parquetMetadata(toArrayBuffer(await storage.read(path)));
}

export async function allRows(storage: Storage, table: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const path of await storage.list(`${table}/`)) rows.push(...(await readRows(storage, path)));
  return rows;
}
