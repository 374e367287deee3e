/**
 * FileStorage.prepare (issue 14, failures 4 and 7): an output that cannot be written fails before the
 * first file, in one line; temp files of writers that crashed (kill -9 mid-write) are removed at start,
 * those of live writers and, for a day, of other hosts are not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isHeroflowError } from '../../src/errors.js';
import { FileStorage } from '../../src/storage/file.js';
import { runCli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'hf-prepare-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('FileStorage.prepare', () => {
  it('removes the temp files of crashed writers of this host and keeps the others', async () => {
    const dir = join(root, 'sweep');
    const table = join(dir, 'lib_server_game', 'date=2023-09-01');
    const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
    const stale = `.tmp-${host}.${deadPid()}-0a1b2c`;
    const live = `.tmp-${host}.${process.pid}-3d4e5f`;
    const foreignNew = '.tmp-otherhost.1-6a7b8c';
    const foreignOld = '.tmp-otherhost.2-9d0e1f';
    const storage = new FileStorage(dir);
    await storage.write('lib_server_game/date=2023-09-01/a.parquet', new Uint8Array([1]));
    for (const name of [stale, live, foreignNew, foreignOld]) writeFileSync(join(table, name), '');
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(join(table, foreignOld), twoDaysAgo, twoDaysAgo);

    assert.deepEqual(await storage.prepare(), { removed: 2 });
    assert.deepEqual(readdirSync(table).sort(), [live, foreignNew, 'a.parquet'].sort());
  });

  it('fails at once with HF_STORAGE_IO when the directory cannot be made', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(new FileStorage(join(file, 'out')).prepare(), (err) =>
      isHeroflowError(err, 'HF_STORAGE_IO'),
    );
  });
});

describe('heroflow worker with an output it cannot write', () => {
  it('exits 1 at start with one line naming the directory, no stack trace', () => {
    const r = runCli([
      'worker',
      '--broker',
      'memory://',
      '--out',
      '/proc/heroflow-out',
      '--exit-when-idle',
      '1s',
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /^heroflow: Cannot write to the output directory \/proc\/heroflow-out .*\[HF_STORAGE_IO\]$/m,
    );
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  });
});
