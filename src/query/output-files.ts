/**
 * The Parquet files of the five tables, as local paths DuckDB can read. A local output directory is read
 * in place. Object-store output (s3://, gs://, az://) is copied through heroflow's own Storage backends
 * into a temp directory first: DuckDB reads remote files only through its httpfs extension, which it
 * downloads from extensions.duckdb.org at first use, and that download is not possible everywhere heroflow
 * runs (docs/query.md); the backends already know each store's credentials and endpoints.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HeroflowError } from '../errors.js';
import { TABLES, type TableName } from '../etl/schemas.js';
import { FileStorage, openStorage, redact, type Storage } from '../storage/index.js';

export interface OutputFiles {
  /** The output URL as given (redacted), for messages. */
  readonly url: string;
  /** Absolute local paths per table; empty when the table has no file. */
  readonly files: Record<TableName, string[]>;
  /** Bytes copied from an object store (0 for local output). */
  readonly copiedBytes: number;
  /** Removes the temp copy, if any. */
  close(): Promise<void>;
}

/** Parallel downloads from an object store: enough to hide latency, few enough not to hog memory. */
const DOWNLOADS_IN_FLIGHT = 8;

async function listTables(storage: Storage): Promise<Record<TableName, string[]>> {
  const out = {} as Record<TableName, string[]>;
  for (const t of TABLES) {
    out[t.name] = (await storage.list(`${t.name}/`)).filter((p) => p.endsWith('.parquet'));
  }
  return out;
}

async function copyAll(storage: Storage, keys: string[], dir: string): Promise<number> {
  let next = 0;
  let bytes = 0;
  const lane = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const data = await storage.read(key);
      const target = join(dir, key);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
      bytes += data.byteLength;
    }
  };
  await Promise.all(Array.from({ length: DOWNLOADS_IN_FLIGHT }, lane));
  return bytes;
}

function noOutput(url: string): HeroflowError {
  return new HeroflowError(
    'HF_QUERY_NO_OUTPUT',
    `No Parquet files of the five tables under ${redact(url)} (--out / OUTPUT_DIR, OUTPUT_FS). Run \`heroflow worker\` (or \`heroflow demo\`) with the same --out first, then query.`,
  );
}

/** Finds (and for object stores, copies) the output's Parquet files. Throws HF_QUERY_NO_OUTPUT when there are none. */
export async function openOutputFiles(url: string): Promise<OutputFiles> {
  if (/^memory:/i.test(url)) {
    throw new HeroflowError(
      'HF_QUERY_NO_OUTPUT',
      'memory:// output lives only inside the process that wrote it; give --out (OUTPUT_DIR) a directory or an object-store URL the worker wrote to.',
    );
  }
  const storage = openStorage(url);
  try {
    const keys = await listTables(storage);
    const all = Object.values(keys).flat();
    if (all.length === 0) throw noOutput(url);
    if (storage instanceof FileStorage) {
      const files = {} as Record<TableName, string[]>;
      for (const t of TABLES) files[t.name] = keys[t.name].map((k) => join(storage.root, k));
      return { url: storage.url, files, copiedBytes: 0, close: async () => {} };
    }
    const dir = await mkdtemp(join(tmpdir(), 'heroflow-query-'));
    try {
      const copiedBytes = await copyAll(storage, all, dir);
      const files = {} as Record<TableName, string[]>;
      for (const t of TABLES) files[t.name] = keys[t.name].map((k) => join(dir, k));
      return { url: storage.url, files, copiedBytes, close: () => rm(dir, { recursive: true, force: true }) };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  } finally {
    await storage.close();
  }
}
