/**
 * ZSTD by Node's zlib (native-zstd.ts): an UNCOMPRESSED parquet-wasm file recompressed page by page must
 * read back exactly as parquet-wasm's own ZSTD file of the same table does, in hyparquet, PyArrow and
 * DuckDB, with ZSTD on every column chunk. Runs on a Node with zlib ZSTD (≥ 22.15; CI's Node 24 subset).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tableToIPC } from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm';
import { NATIVE_ZSTD, zstdParquet } from '../../src/etl/native-zstd.js';
import { ChunkPacker } from '../../src/etl/packed.js';
import { keySizeOf } from '../../src/etl/record.js';
import { SegmentRows } from '../../src/etl/rows.js';
import { RecordScanner } from '../../src/etl/scan-record.js';
import { transformRecord } from '../../src/etl/transform.js';
import { writerProperties } from '../../src/etl/writer-properties.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { python, skipUnlessPython } from '../helpers/python.js';
import { delivery, pyDumps, simulatorRecords } from './fixtures.js';
import { readMetadata, readRows } from './helpers.js';

/** More rows than arrow-rs puts in one page (20,000), so that chunks have several pages. */
const N = 45_000;
const skip = NATIVE_ZSTD ? false : `this Node (${process.version}) has no zlib ZSTD (Node ≥ 22.15)`;

/** The lib.server.game topic's first N simulator records, built into their tables as the ETL thread does. */
function gameRows(): SegmentRows {
  const rows = new SegmentRows('0f8fad5b-d9cb-469f-a165-70867728950e', 'lib.server.game');
  const scanner = new RecordScanner();
  const packer = new ChunkPacker();
  let i = 0;
  for (const { topic, record } of simulatorRecords(3)) {
    if (topic !== 'lib.server.game') continue;
    if (i === N) break;
    const d = delivery(pyDumps(record), { topic, offset: BigInt(i), timestamp: Date.UTC(2023, 8, 1) + i });
    packer.pack(d, keySizeOf(d));
    transformRecord(rows, packer.take(), 0, scanner);
    i++;
  }
  return rows;
}

describe('native ZSTD pages', { skip }, () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-zstd-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const storage = new MemoryStorage();
  const rows = skip ? undefined : gameRows();
  const encode = (compression: 'none' | 'zstd') => {
    const [, game] = rows!.tables().find(([spec]) => spec.name === 'lib_server_game')!;
    const table = WasmTable.fromIPCStream(tableToIPC(game.finish(), 'stream'));
    return writeParquet(table, writerProperties(compression));
  };

  it('read back row for row as parquet-wasm’s own ZSTD, every chunk ZSTD, in several pages', async () => {
    const native = zstdParquet(encode('none'));
    await storage.write('native.parquet', native);
    await storage.write('wasm.parquet', encode('zstd'));
    await storage.write('none.parquet', encode('none'));
    const meta = await readMetadata(storage, 'native.parquet');
    // arrow-rs leaves the deprecated ColumnChunk.file_offset at 0: moved, it became a negative number.
    const offsets = (m: typeof meta) => m.row_groups.flatMap((g) => g.columns.map((c) => c.file_offset));
    assert.deepEqual(new Set(offsets(await readMetadata(storage, 'none.parquet'))), new Set([0n]));
    assert.deepEqual(new Set(offsets(meta)), new Set([0n]));
    assert.equal(Number(meta.num_rows), N);
    const chunks = meta.row_groups.flatMap((g) => g.columns);
    assert.equal(chunks.length, 10);
    assert.deepEqual(new Set(chunks.map((c) => c.meta_data?.codec)), new Set(['ZSTD']));
    const got = await readRows(storage, 'native.parquet');
    const want = await readRows(storage, 'wasm.parquet');
    assert.equal(got.length, N);
    assert.deepEqual(got, want);
    // ~3× smaller than the uncompressed input, and within 2 % of the wasm encoder's size.
    assert.ok(native.length < encode('none').length / 3, `${native.length} bytes`);
    assert.ok(Math.abs(native.length / encode('zstd').length - 1) < 0.02, `${native.length} bytes`);
  });

  it('PyArrow and DuckDB read it whole', {
    skip: skipUnlessPython('duckdb') || skipUnlessPython('pyarrow'),
  }, () => {
    const path = join(root, 'native.parquet');
    writeFileSync(path, zstdParquet(encode('none')));
    const out = python(
      `
import sys, duckdb, pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
t = f.read()
codecs = {f.metadata.row_group(0).column(i).compression for i in range(f.metadata.num_columns)}
print(t.num_rows, sorted(codecs), t.column('msg_id')[${N - 1}].as_py())
print(*duckdb.sql(f"SELECT count(*), count(DISTINCT msg_id) FROM '{sys.argv[1]}'").fetchall()[0])
`,
      [path],
    );
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(out.stdout.trim().split('\n'), [
      `${N} ['ZSTD'] lib.server.game/0@${N - 1}`,
      `${N} ${N}`,
    ]);
  });

  it('refuses a file that is already compressed', () => {
    assert.throws(() => zstdParquet(encode('zstd')), /already compressed/);
  });
});
