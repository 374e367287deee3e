/**
 * `heroflow demo --out s3://… | gs://… | az://…` end to end against the emulators scripts/services.sh
 * starts (moto, fake-gcs-server, Azurite): the five tables read back from the store (hyparquet) hold the
 * same rows as a local run with the same --seed. Also the seed's spelling: OUTPUT_FS=S3 + OUTPUT_DIR=bucket/prefix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { checkDemoOutput, type DemoJson, runDemo } from '../helpers/demo.js';
import { allRows } from '../helpers/parquet.js';
import {
  createBucket,
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
    before(async () => {
      useEmulatorEnv(name);
      bucket = await createBucket(name, 'demo');
    });

    it('writes the five tables to the store, equal to a local run with the same seed', async () => {
      const url = `${SCHEME[name]}://${bucket}/superhero`;
      const run = runDemo([...ARGS, '--out', url], emulatorEnv(name));
      const storage = openStorage(url);
      await assertSameAsLocal(storage, run);
      // Nothing outside the prefix.
      const whole = openStorage(`${SCHEME[name]}://${bucket}`);
      assert.ok((await whole.list()).every((p) => p.startsWith('superhero/')));
      await storage.close();
      await whole.close();
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
