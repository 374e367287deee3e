/**
 * The chaos suite's short version (issue 14): two kill -9 trials on Kafka and two on Redis Streams (a
 * private redis-server the trial SIGKILLs and restarts too; the shared one is never touched), each judged
 * by the checker over every Parquet file: nothing lost, no unreadable file, no delivery written twice.
 * Two known faults are `todo` tests that report without failing the suite: a record Redis holds twice
 * after it was killed mid-publish (docs/reliability.md) and stray temp files (issue 14 failure 7, swept at a
 * worker's start since; kept as a todo until that has held over many runs). Then the checker itself is put to the test on a kept output directory: a deleted file must
 * show up as lost, a copied file as duplicated, a truncated one as unreadable, a leftover temp file as
 * stray. A check that cannot fail proves nothing. The workers are the build (`npm run build`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parquetMetadata } from 'hyparquet';
import { chaosTarget } from '../../bench/chaos/brokers.js';
import { checkOutput } from '../../bench/chaos/checker.js';
import { trialLine } from '../../bench/chaos/report.js';
import { runTrial, type TrialOptions, type TrialResult } from '../../bench/chaos/trial.js';
import { PrivateServer } from '../../src/bench/private-server.js';
import { type RecordPool, simulatorPool } from '../../src/bench/records.js';
import { ensureBuilt } from '../helpers/cli.js';
import { skipUnlessService } from '../helpers/services.js';

const kafkaSkip = await skipUnlessService('kafka');
const redisInstalled = spawnSync('redis-server', ['--version']).status === 0;
const SEED = 14_000;
let pool: RecordPool;
let redis: PrivateServer | undefined;
const keptDirs: string[] = [];

before(async () => {
  ensureBuilt();
  pool = await simulatorPool(20, 'kafka');
  if (redisInstalled) redis = await PrivateServer.start('redis');
});
after(async () => {
  await redis?.stop();
  await Promise.all(keptDirs.map((d) => rm(d, { recursive: true, force: true })));
});

function options(
  over: Partial<TrialOptions> & Pick<TrialOptions, 'broker' | 'target' | 'seed' | 'id'>,
): TrialOptions {
  return {
    pool,
    records: 3000,
    rate: 1000,
    partitions: 4,
    rollRows: 300,
    rollAgeMs: 1000,
    settleMs: 90_000,
    ...over,
  };
}

/**
 * Nothing lost, nothing unreadable, no delivery written twice; and, unless the broker itself was killed,
 * no record held twice by the broker. Rows of a publish that failed while the broker was down are not
 * counted against anyone: the broker may have stored what it could not confirm.
 */
function assertClean(r: TrialResult, opts: { storedTwice: boolean }, line: string): void {
  try {
    assertCleanTrial(r, opts);
  } catch (err) {
    // CI keeps the failing test's error and only a part of the rest: the trial's line (seed, plan,
    // notes) and the workers' group events go with it.
    const story = [line, ...(r.workerLogs ?? [])].join('\n');
    (err as Error).message += `\n${story}`;
    throw err;
  }
}

function assertCleanTrial(r: TrialResult, opts: { storedTwice: boolean }): void {
  const c = r.check;
  assert.ok(r.acked > 0, 'the broker acknowledged records');
  assert.equal(c.lost, 0, `no acknowledged record is missing (e.g. ${c.lostSample.join(', ')})`);
  assert.equal(c.rewritten, 0, 'no delivery written twice by the pipeline');
  if (opts.storedTwice) {
    assert.equal(c.storedTwice, 0, 'the broker held no record twice');
    // A record the broker holds twice sits at two positions, so its rows are in two files of every table:
    // only where the broker cannot have done that is a row in two files the pipeline's fault.
    assert.equal(c.tableDuplicates, 0, 'no record in two files of any table');
  }
  assert.deepEqual(c.unreadable, [], 'every Parquet file decodes');
  assert.equal(c.written, r.acked);
}

describe('chaos, short version: kill -9 trials judged by the checker', { timeout: 600_000 }, () => {
  const trials: TrialResult[] = [];

  for (let i = 0; i < 2; i++) {
    test(`kafka trial ${i + 1}: a worker SIGKILLed at a seeded moment loses and duplicates nothing`, {
      skip: kafkaSkip,
    }, async (t) => {
      const id = `kct${process.pid}x${i}`;
      const r = await runTrial(
        options({
          broker: 'kafka',
          target: chaosTarget('kafka', id),
          seed: SEED + i,
          id,
          keepOutput: i === 0,
        }),
      );
      if (r.kept) keptDirs.push(r.kept.outDir);
      const line = trialLine(r, i);
      t.diagnostic(line);
      trials.push(r);
      assertClean(r, { storedTwice: true }, line);
    });
  }

  for (let i = 0; i < 2; i++) {
    test(`redis+streams trial ${i + 1}: a worker and the (private) Redis SIGKILLed lose nothing`, {
      skip: redisInstalled
        ? false
        : 'redis-server is not installed (scripts/services.sh up redis installs it)',
    }, async (t) => {
      const id = `rsct${process.pid}x${i}`;
      const server = redis as PrivateServer;
      const r = await runTrial(
        options({
          broker: 'redis+streams',
          target: chaosTarget('redis+streams', id, { privatePort: server.port }),
          seed: SEED + 10 + i,
          id,
          server,
        }),
      );
      const line = trialLine(r, i);
      t.diagnostic(line);
      trials.push(r);
      assert.ok(r.plan.brokerKillAtMs !== undefined, 'the broker was SIGKILLed in this trial');
      assertClean(r, { storedTwice: false }, line);
    });
  }

  test('redis+streams: Redis SIGKILLed mid-publish holds no record twice', {
    todo: 'docs/reliability.md: ioredis re-sends an XADD in flight when Redis dies after storing it',
  }, () => {
    assert.equal(
      trials.filter((r) => r.broker === 'redis+streams').reduce((n, r) => n + r.check.storedTwice, 0),
      0,
    );
  });

  test('no trial left a stray temp file', {
    todo: 'issue 14 failure 7: a restarted worker now sweeps what its killed predecessor left (FileStorage.prepare); a todo until that has held over many runs',
  }, () => {
    assert.deepEqual(
      trials.flatMap((r) => r.check.strayTemp),
      [],
    );
  });

  test('the checker reports a planted loss, duplicate, unreadable file and stray temp file', {
    skip: kafkaSkip,
  }, async () => {
    const kept = trials.find((x) => x.kept)?.kept;
    assert.ok(kept, 'the first kafka trial kept its output');
    const out = kept.outDir;
    assert.equal((await checkOutput(kept)).lost, 0);
    const files = (await readdir(path.join(out, 'buffer_meta'), { recursive: true }))
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => path.join(out, 'buffer_meta', f));
    assert.ok(files.length >= 3, `enough buffer_meta files to plant in (${files.length})`);
    const [gone, copied, broken] = files;
    const goneRows = await rowsOf(gone);
    await unlink(gone);
    await copyFile(copied, path.join(path.dirname(copied), `copy-${path.basename(copied)}`));
    const bytes = await readFile(broken);
    await writeFile(
      path.join(path.dirname(broken), `cut-${path.basename(broken)}`),
      bytes.subarray(0, bytes.length >> 1),
    );
    await writeFile(path.join(path.dirname(broken), '.tmp-planted'), '');

    const planted = await checkOutput(kept);
    assert.equal(planted.lost, goneRows, 'every record of the deleted file is reported lost');
    assert.equal(planted.duplicateRows, await rowsOf(copied), 'every row of the copy is a duplicate');
    assert.equal(planted.rewritten, planted.duplicateRows, '…at the same positions: the pipeline kind');
    assert.equal(planted.unreadable.length, 1, 'the truncated file is unreadable');
    assert.match(planted.unreadable[0].path, /cut-/);
    assert.equal(planted.strayTemp.length, 1, 'the temp file is stray');
  });
});

async function rowsOf(file: string): Promise<number> {
  const b = await readFile(file);
  return Number(
    parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer).num_rows,
  );
}
