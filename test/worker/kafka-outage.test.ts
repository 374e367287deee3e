/**
 * A worker whose Kafka goes away for 20 s (a private single-node Kafka, SIGKILLed and started again on
 * the same data) keeps running and writes every record exactly once. Before the fix it failed its
 * commit with ECONNREFUSED after kafkajs' retries, took that for a failed write and exited 1 with half
 * the records written (11,000 of 22,244).
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { kafkaLibs } from '../../src/bench/private-kafka.js';
import { PrivateServer } from '../../src/bench/private-server.js';
import { skipIfMissing } from '../helpers/skip.js';
import { heroflow, msgIds, publishTournament } from './e2e-helpers.js';

const jars = await access(kafkaLibs()).then(
  () => undefined,
  () => `Kafka's jars (${kafkaLibs()}; scripts/services.sh up kafka fetches them)`,
);
const skip = skipIfMissing(jars);

describe('a worker through a Kafka outage (private Kafka)', { skip, timeout: 420_000 }, () => {
  test('the broker is down 20 s mid-run: the worker waits, then writes every record once, exit 0', async () => {
    const kafka = await PrivateServer.start('kafka');
    const out = await mkdtemp(path.join(os.tmpdir(), 'hf-outage-'));
    try {
      const url = `kafka://127.0.0.1:${kafka.port}`;
      const p = await publishTournament(url, { players: 60, games: 50, seed: 7 });
      const worker = heroflow([
        'worker',
        '--broker',
        url,
        '--topics',
        p.topics.join(','),
        '--group',
        'outage',
        '--out',
        out,
        '--roll-rows',
        '1000',
        '--exit-when-idle',
        '30s',
        '--log-level',
        'info',
      ]);
      // Mid-run: the worker has joined and written some files by now, not all (~22k records).
      await new Promise((r) => setTimeout(r, 4000));
      await kafka.killAndRestart(20_000);
      const code = await worker.exit;
      assert.equal(code, 0, worker.stderr);
      const ids = await msgIds(out);
      // On a failure the worker's story (connection lost, partitions lost, assigned, idle) says why.
      assert.equal(ids.unique, p.total, `every published record is in the output\n${worker.stderr}`);
      assert.equal(ids.rows, p.total, `and none twice\n${worker.stderr}`);
    } finally {
      await kafka.stop();
      await rm(out, { recursive: true, force: true });
    }
  });
});
