/**
 * What PyArrow and DuckDB see, checked with python3 when pyarrow (and duckdb) are installed
 * (`pip install pyarrow duckdb`); skipped with a visible line otherwise.
 *
 * PyArrow: the embedded ARROW:schema must be exactly the seed's schema, and `read_table` must give the
 * same schema it gives for a file PyArrow itself wrote from the seed's schema (PyArrow stores
 * timestamp('s') as TIMESTAMP(MILLIS) and, as of pyarrow 26, reads it back as timestamp[ms]).
 * DuckDB: every timestamp column is a TIMESTAMP, never a BIGINT.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TABLES } from '../../src/etl/schemas.js';
import { FileStorage } from '../../src/storage/file.js';
import { skipUnlessPython } from '../helpers/python.js';
import { writeAllTables } from './helpers.js';

function python(code: string, args: string[] = []) {
  return spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8' });
}

const PYARROW_TYPES = `
import pyarrow as pa
T = {'utf8': pa.string(), 'uint8': pa.uint8(), 'uint16': pa.uint16(), 'uint64': pa.uint64(), 'int16': pa.int16(),
     'bool': pa.bool_(), 'list<utf8>': pa.list_(pa.string()), 'timestamp[ms]': pa.timestamp('ms'), 'timestamp[s]': pa.timestamp('s')}
`;

const CHECK_PYARROW = `${PYARROW_TYPES}
import base64, json, sys, os, tempfile
import pyarrow.parquet as pq
tables, root = json.loads(sys.argv[1]), sys.argv[2]
for name, (cols, path) in tables.items():
    seed = pa.schema([pa.field(c, T[t]) for c, t in cols])
    f = pq.ParquetFile(os.path.join(root, path))
    embedded = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(f.metadata.metadata[b'ARROW:schema'])))
    assert embedded.equals(seed), f'{name}: embedded {embedded} != seed {seed}'
    own = os.path.join(tempfile.mkdtemp(), 'own.parquet')
    pq.write_table(seed.empty_table(), own)
    got, want = pq.read_table(os.path.join(root, path)).schema, pq.read_table(own).schema
    assert got.remove_metadata().equals(want.remove_metadata()), f'{name}: read {got} != PyArrow own {want}'
print('ok')
`;

const CHECK_DUCKDB = `
import duckdb, json, sys, os
tables, root = json.loads(sys.argv[1]), sys.argv[2]
for name, (cols, path) in tables.items():
    described = {r[0]: r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{os.path.join(root, path)}'").fetchall()}
    for c, t in cols:
        if t.startswith('timestamp'):
            assert described[c] == 'TIMESTAMP', f'{name}.{c}: {described[c]}'
print('ok')
`;

describe('PyArrow and DuckDB read the files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heroflow-pyarrow-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const storage = new FileStorage(dir);
  const files = await writeAllTables(storage);
  const tables = Object.fromEntries(
    TABLES.map((spec) => [
      spec.name,
      [spec.columns.map((c) => [c.name, c.type]), files.find((f) => f.startsWith(`${spec.name}/`))],
    ]),
  );

  it('PyArrow sees the seed schema embedded, and reads what it reads from its own files', {
    skip: skipUnlessPython('pyarrow'),
  }, () => {
    const out = python(CHECK_PYARROW, [JSON.stringify(tables), dir]);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout.trim(), 'ok');
  });

  it('DuckDB sees every timestamp column as TIMESTAMP', { skip: skipUnlessPython('duckdb') }, () => {
    const out = python(CHECK_DUCKDB, [JSON.stringify(tables), dir]);
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout.trim(), 'ok');
  });
});
