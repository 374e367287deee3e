/**
 * Segments are written as Parquet parts of 16,384 rows joined at the roll (parquet-merge.ts): the joined
 * file must read back, every row in order, by hyparquet, PyArrow and DuckDB, with the seed's embedded
 * schema; the footer editor must write back what it read byte for byte.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Table, tableFromArrays } from 'apache-arrow';
import { encodeParquet } from '../../src/etl/parquet.js';
import { mergeParquet } from '../../src/etl/parquet-merge.js';
import { ETL_META } from '../../src/etl/schemas.js';
import { readStruct, ThriftReader, writeStruct } from '../../src/etl/thrift-compact.js';
import { FileStorage } from '../../src/storage/file.js';
import { python, skipUnlessPython } from '../helpers/python.js';
import { attackRecord, deliveries } from './fixtures.js';
import { readMetadata, readRows, recordedSink } from './helpers.js';

const N = 40_000;
const GAME = 'a1a1a1a1-0000-4000-8000-000000000001';
const attack = (i: number) => attackRecord(GAME, `u${i}`, i % 250);

function footerOf(file: Uint8Array): Uint8Array {
  const n = file.length;
  const length = new DataView(file.buffer, file.byteOffset + n - 8, 4).getUint32(0, true);
  return file.subarray(n - 8 - length, n - 8);
}

describe('Parquet parts joined into one file', () => {
  const root = mkdtempSync(join(tmpdir(), 'hf-merge-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const storage = new FileStorage(root);
  const GAME_FILE = 'lib_server_game/date=2023-09-01/lib.server.game+0000+00000000000000000000.parquet';

  it('reads back a Parquet footer and writes the same bytes', () => {
    const table = tableFromArrays({ etl_id: ['a', 'b'] });
    const file = encodeParquet(ETL_META, new Table(table.schema, table.batches));
    const footer = footerOf(file);
    assert.deepEqual(writeStruct(readStruct(new ThriftReader(footer))), footer);
  });

  it('joins files of one schema: every row, in order, as row groups of a single footer', async () => {
    const part = (ids: string[]) => {
      const t = tableFromArrays({ etl_id: ids });
      return encodeParquet(ETL_META, new Table(t.schema, t.batches));
    };
    await storage.write('joined.parquet', mergeParquet([part(['a', 'b']), part(['c']), part(['d', 'e'])]));
    const meta = await readMetadata(storage, 'joined.parquet');
    assert.deepEqual(
      meta.row_groups.map((g) => Number(g.num_rows)),
      [2, 1, 2],
    );
    const rows = await readRows(storage, 'joined.parquet');
    assert.deepEqual(
      rows.map((r) => r.etl_id),
      ['a', 'b', 'c', 'd', 'e'],
    );
    assert.throws(() => mergeParquet([part(['a']), new Uint8Array(20)]), /not a Parquet file/);
  });

  it('a 40,000-record segment is one file of three row groups with every row in order', async () => {
    const r = recordedSink({ roll: { maxRows: 100_000 } }, storage);
    await r.sink.add(deliveries(Array.from({ length: N }, (_, i) => attack(i))));
    await r.sink.close();
    const meta = await readMetadata(storage, GAME_FILE);
    assert.deepEqual(
      meta.row_groups.map((g) => Number(g.num_rows)),
      [16_384, 16_384, N - 2 * 16_384],
    );
    assert.equal(Number(meta.num_rows), N);
    // arrow-rs writes the deprecated ColumnChunk.file_offset as 0 (unset): the join must not move it.
    assert.deepEqual(
      new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.file_offset))),
      new Set([0n]),
    );
    const rows = await readRows(storage, GAME_FILE);
    assert.equal(rows.length, N);
    assert.deepEqual(
      rows.map((row) => row.msg_id),
      Array.from({ length: N }, (_, i) => `lib.server.game/0@${i}`),
    );
    assert.deepEqual(
      rows.slice(16_380, 16_388).map((row) => row.user_token),
      Array.from({ length: 8 }, (_, i) => `u${16_380 + i}`),
      'rows on both sides of a part boundary',
    );
  });

  it('PyArrow and DuckDB read the joined file whole, with the seed schema', {
    skip: skipUnlessPython('duckdb') || skipUnlessPython('pyarrow'),
  }, () => {
    const out = python(
      `
import sys, os, duckdb, pyarrow.parquet as pq
path = os.path.join(sys.argv[1], sys.argv[2])
t = pq.read_table(path)
f = pq.ParquetFile(path)
print(t.num_rows, f.metadata.num_row_groups, t.column('user_token')[16384].as_py(), str(t.schema.field('timestamp').type))
print(*duckdb.sql(f"SELECT count(*), count(DISTINCT msg_id), max(enemy_damage) FROM '{path}'").fetchall()[0])
`,
      [root, GAME_FILE],
    );
    assert.equal(out.status, 0, out.stderr);
    const [pyarrow, duck] = out.stdout.trim().split('\n');
    assert.equal(pyarrow, `${N} 3 u16384 timestamp[ms]`);
    assert.equal(duck, `${N} ${N} 249`);
  });
});
