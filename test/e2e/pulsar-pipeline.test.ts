/**
 * Pulsar → Parquet end to end (issue 9): a seeded tournament published to a real Pulsar standalone
 * (scripts/services.sh up pulsar) while no worker runs, a real `heroflow worker` process (the compiled
 * CLI) on `pulsar+ws://` SIGKILLed once some files are durable, a second worker of the same group
 * (= Pulsar subscription, Shared) finishing, and the five Parquet tables read back with hyparquet: every
 * published msg_id in buffer_meta. Closing the killed worker's sockets gives its unacked messages back to
 * the subscription at once; records that were in a file but not yet acked are written again, so
 * duplicates are allowed and counted, each under a published msg_id. Nothing asserts timings.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { TABLES } from '../../src/etl/index.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import {
  heroflow,
  msgIds,
  publishTournament,
  readTable,
  tableFiles,
  waitFor,
} from '../worker/e2e-helpers.js';

const skip = await skipUnlessService('pulsar');
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('Pulsar → Parquet with heroflow worker processes (real Pulsar)', { skip, timeout: 240_000 }, () => {
  test('five tables written; a worker SIGKILLed mid-run, its successor loses nothing', async (t) => {
    const url = SERVICE_URLS.pulsar;
    const group = `hf-e2e-${randomBytes(4).toString('hex')}`;
    const p = await publishTournament(url, { players: 20, games: 10, seed: 4004 });
    assert.equal(p.ids.size, p.total, 'every published record has its own msg id');
    const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-e2e-pulsar-'));
    dirs.push(out);
    // --from earliest (the default): the group's subscription starts at what was published before it.
    const args = [
      'worker',
      '--broker',
      url,
      '--topics',
      p.topics.join(','),
      '--group',
      group,
      '--out',
      out,
      '--roll-rows',
      '100',
      '--roll-age',
      '1s',
      '--exit-when-idle',
      '10s',
      '--log-level',
      'warning',
    ];
    const first = heroflow(args);
    let exited = false;
    void first.exit.then(() => {
      exited = true;
    });
    await waitFor(async () => exited || (await tableFiles(out, 'buffer_meta')).length >= 3);
    first.child.kill('SIGKILL');
    await first.exit;
    assert.equal(
      first.child.signalCode,
      'SIGKILL',
      `the first worker was killed, not done (${first.stderr})`,
    );
    const before = await msgIds(out);
    assert.ok(before.unique < p.total, 'the kill landed before the end');

    const second = heroflow(args);
    assert.equal(await second.exit, 0, second.stderr);
    const ids = await msgIds(out);
    t.diagnostic(
      `Pulsar: published ${p.total}; killed with ${before.unique} records in files; final buffer_meta rows ` +
        `${ids.rows}, unique msg_ids ${ids.unique}, duplicates ${ids.rows - ids.unique}`,
    );
    assert.equal(ids.unique, p.total, 'no record lost');
    assert.deepEqual(ids.ids, p.ids, 'every row carries a published msg_id: each duplicate shares its id');
    for (const table of TABLES.map((s) => s.name)) {
      assert.ok((await tableFiles(out, table)).length > 0, `${table} has files`);
    }
    assert.ok((await readTable(out, 'lib_server_game')).length > 0, 'game rows were parsed from the records');
  });
});
