/**
 * Where the broker-restarted scenario runs: the URL pointed at the private server keeps the broker's
 * options but drops what belongs to the given deployment (credentials, TLS), and the brokers without a
 * private server say why, in the table too. (The scenario itself runs on a private Redis and a private
 * Kafka in cli.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchReport, BrokerReport } from '../../src/bench/bench.js';
import { privateUrl, restartNotRun } from '../../src/bench/broker-restart.js';
import { findingsOf } from '../../src/bench/findings.js';
import { PrivateServer } from '../../src/bench/private-server.js';
import { brokerTable } from '../../src/bench/summary.js';
import { DEFAULT_WORKLOAD } from '../../src/bench/workload.js';

test('the private URL keeps scheme, path and broker options; drops credentials and TLS', () => {
  assert.equal(
    privateUrl('nats://tok@10.0.0.5:4222?stream=HFBENCH&prefix=hfbench&tls=true', 4500),
    'nats://127.0.0.1:4500?stream=HFBENCH&prefix=hfbench',
  );
  assert.equal(privateUrl('rediss://u:secret@redis.example:6390/3', 7000), 'redis://127.0.0.1:7000/3');
  assert.equal(privateUrl('redis+streams://127.0.0.1:6379/0', 7001), 'redis+streams://127.0.0.1:7001/0');
  assert.equal(privateUrl('mqtts://u:p@h:8883?ca=/x.pem', 7002), 'mqtt://127.0.0.1:7002');
});

test('RabbitMQ and memory:// say why the scenario did not run; the others have a private server', () => {
  assert.equal(restartNotRun('amqp', 'broker-restarted')?.reason, 'needs a private server');
  assert.equal(restartNotRun('memory', 'broker-restarted')?.reason, 'no server');
  for (const kind of ['redis', 'redis+fanout', 'redis+streams', 'nats', 'mqtt', 'kafka'] as const)
    assert.equal(restartNotRun(kind, 'broker-restarted'), undefined, kind);
});

test('a scenario not run shows as "not run: <reason>" in the broker table and in the findings', () => {
  const notRun = restartNotRun('amqp', 'broker-restarted');
  assert.ok(notRun);
  const broker: BrokerReport = {
    url: 'amqp://guest:***@127.0.0.1:5672',
    kind: 'amqp',
    meanRecordBytes: 0,
    runs: [],
    scaling: [],
    notRun: [notRun],
    findings: [],
  };
  const report: BenchReport = {
    startedAt: '2026-12-02T00:00:00.000Z',
    seconds: 1,
    host: { cpus: 2, memoryGiB: 24, node: 'v20', platform: 'Linux' },
    workload: { ...DEFAULT_WORKLOAD, faults: ['broker-restarted'] },
    brokers: [broker],
  };
  assert.match(
    brokerTable(report),
    /\| broker-restarted \|\n[^\n]*\n\| `amqp:[^\n]*\| not run: needs a private server \|$/,
  );
  assert.ok(findingsOf(broker).some((f) => f.topic === 'broker-restarted' && /never restarts/.test(f.text)));
});

test('a server binary that is not there is an error naming it, not a crash of the bench', async () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(PrivateServer.start('redis'), /cannot run redis-server: .*ENOENT/);
  } finally {
    process.env.PATH = path;
  }
});
