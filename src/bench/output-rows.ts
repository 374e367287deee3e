/**
 * What the workers wrote, read back for the oracle: every buffer_meta file of a local output directory
 * (one row per record, whatever its table), its msg_id, key and partition columns in file order, and the
 * file's modification time (when it became durable: the end of the record's end-to-end path). Read with
 * parquet-wasm, the project's own Parquet library, into Arrow.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';

export interface OutputFile {
  /** Relative to the output directory. */
  path: string;
  mtimeMs: number;
  msgIds: string[];
  keys: (string | null)[];
  partitions: number[];
}

const TABLE = 'buffer_meta';

export async function readOutputRows(outDir: string): Promise<OutputFile[]> {
  const root = path.join(outDir, TABLE);
  let names: string[];
  try {
    names = (await readdir(root, { recursive: true })).filter((n) => n.endsWith('.parquet'));
  } catch {
    return [];
  }
  const files: OutputFile[] = [];
  for (const name of names.sort()) {
    const full = path.join(root, name);
    const [bytes, info] = await Promise.all([readFile(full), stat(full)]);
    const wasm = readParquet(bytes, { columns: ['msg_id', 'key', 'partition'] });
    const table = tableFromIPC(wasm.intoIPCStream());
    const col = (n: string) => table.getChild(n)?.toArray() ?? [];
    files.push({
      path: path.join(TABLE, name),
      mtimeMs: info.mtimeMs,
      msgIds: Array.from(col('msg_id') as string[]),
      keys: Array.from(col('key') as (string | null)[]),
      partitions: Array.from(col('partition') as ArrayLike<number>, Number),
    });
  }
  return files;
}
