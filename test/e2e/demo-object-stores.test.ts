/**
 * `heroflow demo --out s3://… | gs://… | az://…` end to end against the emulators scripts/services.sh
 * starts (moto, fake-gcs-server, Azurite): the five tables read back from the store (hyparquet) hold the
 * same rows as a local run with the same --seed. Also the seed's spelling: OUTPUT_FS=S3 + OUTPUT_DIR=bucket/prefix.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { checkDemoOutput, type DemoJson, runDemo } from '../helpers/demo.js';
import { allRows } from '../helpers/parquet.js';
import { skipUnlessPython } from '../helpers/python.js';
import {
  AZURITE_KEY,
  createBucket,
  EMULATORS,
  emulatorEnv,
  type ObjectStoreName,
  SCHEME,
  skipUnlessEmulator,
  useEmulatorEnv,
} from '../storage/object-stores.js';

/** Tables whose content is fixed by the seed (virtual clock): compared row for row. */
const TABLES = ['lib_server_lobby', 'lib_server_game', 'log_meta'];
const ARGS = ['--seed', '11', '--players', '8', '--games', '4'];

/**
 * Columns that differ between two runs of the same seed: the writer's etl_id, the producer's random msg_id.
 * buffer_meta is broker metadata (wall-clock receive time, the msg-id header, the partition an unkeyed record
 * landed on), so it is compared by rows per topic only.
 */
const VARIES = new Set(['etl_id', 'msg_id']);

/** A table's rows as sorted text without the columns that vary per run. */
async function tableText(storage: Storage, table: string): Promise<string[]> {
  const rows = await allRows(storage, table);
  return rows
    .map((r) =>
      JSON.stringify(
        Object.entries(r).filter(([k]) => !VARIES.has(k)),
        (_, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v),
      ),
    )
    .sort();
}

/**
 * PyArrow (the seeds' reader) opens the five tables straight from the emulator with its own S3 / GCS /
 * Azure file system and from the local run's directory: same schema, same rows (without etl_id and msg_id;
 * buffer_meta by rows per topic).
 */
const PYARROW_COMPARE = `
import json, sys
import pyarrow.compute as pc, pyarrow.dataset as ds, pyarrow.fs as pafs
kind, path, local, cfg = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
if kind == 's3':
    fs = pafs.S3FileSystem(endpoint_override=cfg['endpoint'], scheme='http', access_key=cfg['key'], secret_key=cfg['secret'], region='us-east-1')
elif kind == 'gcs':
    fs = pafs.GcsFileSystem(endpoint_override=cfg['authority'], scheme='http', anonymous=True, project_id='heroflow-test')
else:
    fs = pafs.AzureFileSystem(account_name='devstoreaccount1', account_key=cfg['key'], blob_storage_authority=cfg['authority'],
                              blob_storage_scheme='http', dfs_storage_authority=cfg['authority'], dfs_storage_scheme='http')
def table(t, filesystem, root):
    return ds.dataset(f'{root}/{t}', filesystem=filesystem, format='parquet', partitioning=None).to_table()
def canon(tbl, t):
    if t == 'buffer_meta':
        return sorted(pc.value_counts(tbl['topic']).to_pylist(), key=lambda v: v['values'])
    if t == 'etl_meta':
        return tbl.num_rows > 0
    tbl = tbl.drop_columns([c for c in ('etl_id', 'msg_id') if c in tbl.column_names])
    return sorted(json.dumps(r, default=str, sort_keys=True) for r in tbl.to_pylist())
out = {}
for t in ['etl_meta', 'buffer_meta', 'log_meta', 'lib_server_lobby', 'lib_server_game']:
    remote, here = table(t, fs, path), table(t, pafs.LocalFileSystem(), local)
    out[t] = {'schema': remote.schema.remove_metadata().equals(here.schema.remove_metadata()),
              'rows': [remote.num_rows, here.num_rows], 'same': canon(remote, t) == canon(here, t)}
print(json.dumps(out))
`;
const pyarrowSkip = skipUnlessPython('pyarrow.fs');

function pyarrowCompare(
  name: ObjectStoreName,
  bucketPath: string,
): Record<string, { schema: boolean; rows: number[]; same: boolean }> {
  const env = emulatorEnv('s3');
  const cfg =
    name === 's3'
      ? { endpoint: EMULATORS.s3, key: env.AWS_ACCESS_KEY_ID, secret: env.AWS_SECRET_ACCESS_KEY }
      : { authority: new URL(EMULATORS[name]).host, key: AZURITE_KEY };
  const r = spawnSync(
    'python3',
    ['-c', PYARROW_COMPARE, name, bucketPath, join(dir, 'local'), JSON.stringify(cfg)],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const dir = mkdtempSync(join(tmpdir(), 'heroflow-demo-os-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let local: { run: DemoJson; tables: Map<string, string[]> } | undefined;
async function localRun() {
  if (!local) {
    const out = join(dir, 'local');
    const run = runDemo([...ARGS, '--out', out]);
    const storage = openStorage(out);
    const tables = new Map<string, string[]>();
    for (const t of TABLES) tables.set(t, await tableText(storage, t));
    local = { run, tables };
  }
  return local;
}

async function assertSameAsLocal(storage: Storage, run: DemoJson) {
  const expected = await localRun();
  await checkDemoOutput(storage, run);
  assert.deepEqual(run.workers.rowsByTable, expected.run.workers.rowsByTable);
  for (const t of TABLES) {
    assert.deepEqual(await tableText(storage, t), expected.tables.get(t), `${t}: same rows as the local run`);
  }
  const perTopic = async (s: Storage) => {
    const counts: Record<string, number> = {};
    for (const r of await allRows(s, 'buffer_meta'))
      counts[String(r.topic)] = (counts[String(r.topic)] ?? 0) + 1;
    return counts;
  };
  assert.deepEqual(
    await perTopic(storage),
    await perTopic(openStorage(join(dir, 'local'))),
    'buffer_meta rows per topic',
  );
  assert.ok((await storage.list('etl_meta/')).length > 0, 'etl_meta written');
}

for (const name of ['s3', 'gcs', 'azure'] as ObjectStoreName[]) {
  const skip = await skipUnlessEmulator(name);
  describe(`heroflow demo --out ${SCHEME[name]}://`, { skip }, () => {
    let bucket = '';
    let demo: DemoJson | undefined;
    /** `heroflow demo --out <store>` once per store (both tests read its output). */
    const storeRun = () => {
      demo ??= runDemo([...ARGS, '--out', `${SCHEME[name]}://${bucket}/superhero`], emulatorEnv(name));
      return demo;
    };
    before(async () => {
      useEmulatorEnv(name);
      bucket = await createBucket(name, 'demo');
    });

    it('writes the five tables to the store, equal to a local run with the same seed', async () => {
      const url = `${SCHEME[name]}://${bucket}/superhero`;
      const run = storeRun();
      const storage = openStorage(url);
      await assertSameAsLocal(storage, run);
      // Nothing outside the prefix.
      const whole = openStorage(`${SCHEME[name]}://${bucket}`);
      assert.ok((await whole.list()).every((p) => p.startsWith('superhero/')));
      await storage.close();
      await whole.close();
    });

    it('PyArrow reads the same tables from the store as from the local run', {
      skip: pyarrowSkip,
    }, async () => {
      await localRun();
      storeRun();
      const seen = pyarrowCompare(name, `${bucket}/superhero`);
      for (const [table, r] of Object.entries(seen)) {
        assert.ok(
          r.rows[0] > 0 && r.rows[0] === r.rows[1],
          `${table}: rows from the store ${r.rows.join(' vs ')}`,
        );
        assert.ok(r.schema, `${table}: same Arrow schema`);
        assert.ok(r.same, `${table}: same rows (${r.rows.join(' vs ')})`);
      }
    });

    if (name === 's3') {
      it("takes the seed's OUTPUT_FS=S3 with OUTPUT_DIR=bucket/prefix", async () => {
        const run = runDemo(ARGS, {
          ...emulatorEnv('s3'),
          OUTPUT_FS: 'S3',
          OUTPUT_DIR: `${bucket}/from-env`,
        });
        const storage = openStorage(`s3://${bucket}/from-env`);
        await assertSameAsLocal(storage, run);
        await storage.close();
      });
    }
  });
}
