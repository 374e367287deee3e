/**
 * At-least-once across a crash: `heroflow workloads` (the real binary) is SIGKILLed while tasks are in
 * flight, started again on the same workloads file, and every published message must end up recorded as
 * processed. The seed processor's `recordTo` appends a line only after a task succeeded (before its ack),
 * so a message acked before its task finished — or never redelivered after the crash — is missing from
 * the file and the test fails. Duplicates (tasks finished but not acked at the kill) are allowed, counted.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import { encodePayload } from '../../src/workloads/index.js';
import { spawnCli } from '../helpers/cli.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { until } from './probe.js';

const N = 60;

function recorded(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[1]);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function crashTest(brokerUrl: string, label: string, skip: false | string): void {
  describe(`heroflow workloads SIGKILLed with tasks in flight (${label})`, { skip }, () => {
    it('after a restart every published message is processed at least once', {
      timeout: 180_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hf-wl-kill-'));
      const topic = `wl.sigkill.${Date.now().toString(36)}`;
      const record = join(dir, 'processed.txt');
      const file = join(dir, 'workloads.yaml');
      // 5 in flight, 300 ms each: ~60 messages take ~4 s, so a kill after ~10 successes lands mid-run.
      writeFileSync(
        file,
        [
          'pool: { globalPermitLimit: 5, maxTasksQueued: 10, maxTasksWaiting: 5 }',
          `processor: { sleepMs: 300, republish: false, recordTo: ${JSON.stringify(record)} }`,
          'workloads:',
          `  - { name: crash, topics: [${topic}], group: wl-sigkill-${Date.now().toString(36)}, processingParallelism: 5, ackParallelism: 5, redeliveryDelayMs: 200 }`,
          '',
        ].join('\n'),
      );
      const names = Array.from({ length: N }, (_, i) => `m${i}`);
      const broker = await openBroker(brokerUrl);
      try {
        await broker.ensureTopics([{ topic, partitions: 1 }]);
        await broker.publish(
          names.map((name) => ({ topic, value: encodePayload({ name, numPublishes: 0 }) })),
        );
      } finally {
        await broker.close();
      }
      const args = ['workloads', '--workloads', file, '--broker', brokerUrl, '--report-interval', '0'];

      const first = spawnCli(args);
      let firstErr = '';
      first.stderr.on('data', (b: Buffer) => {
        firstErr += b.toString();
      });
      // The processor logs each task's start: kill once 10 are done and some started task is not (a task
      // takes 300 ms, so it is still running a few ms later, at the kill).
      const startedNames = () =>
        new Set([...firstErr.matchAll(/crash: (m\d+) publish #0/g)].map((m) => m[1]));
      const running = () => {
        const done = new Set(recorded(record));
        return [...startedNames()].filter((n) => !done.has(n));
      };
      await until(
        () => recorded(record).length >= 10 && running().length > 0,
        'the first run processed 10 messages with more in flight',
        60_000,
      );
      first.kill('SIGKILL');
      await exited(first);
      const before = new Set(recorded(record));
      const started = startedNames();
      const inFlight = [...started].filter((n) => !before.has(n));
      assert.ok(
        inFlight.length > 0,
        `tasks in flight at the kill (started ${started.size}, done ${before.size})`,
      );
      assert.ok(before.size < N, 'the kill came before the end');

      const second = spawnCli(args);
      let secondErr = '';
      second.stderr.on('data', (b: Buffer) => {
        secondErr += b.toString();
      });
      try {
        await until(
          () => new Set(recorded(record)).size === N,
          'every message recorded after the restart',
          120_000,
        ).catch((e: Error) => {
          const missing = names.filter((n) => !new Set(recorded(record)).has(n));
          throw new Error(`${e.message}; missing ${missing.join(',')}\n${secondErr.slice(-2000)}`);
        });
      } finally {
        second.kill('SIGTERM');
        await exited(second);
      }
      const all = recorded(record);
      const lost = names.filter((n) => !all.includes(n));
      assert.deepEqual(lost, [], 'no message lost');
      // The tasks in flight at the kill are among those the restart processed.
      for (const n of inFlight) assert.ok(all.includes(n), `${n} (in flight at the kill) processed`);
      const extra = all.filter((n) => !names.includes(n));
      assert.deepEqual(extra, [], 'nothing recorded that was not published');
      console.error(
        `${label}: ${N} published, ${before.size} done before the kill, ${inFlight.length} in flight, ` +
          `${all.length - N} processed twice`,
      );
    });
  });
}

crashTest(
  SERVICE_URLS.redis.replace(/^redis:/, 'redis+streams:'),
  'Redis Streams',
  await skipUnlessService('redis'),
);
crashTest(SERVICE_URLS.kafka, 'Kafka', await skipUnlessService('kafka'));
crashTest(SERVICE_URLS.pulsar, 'Pulsar', await skipUnlessService('pulsar'));
