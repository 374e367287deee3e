/**
 * `heroflow produce` and `heroflow consume` as processes on real brokers: the producer exits 0 after its
 * experiment, the consumer prints record_name + Python dict for every event (4 + sensors × samples), and on
 * brokers that replay, an independent reader (fastavro over the raw values read from the broker) prints the
 * same. Bad flags exit 2 naming the setting.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import type { Delivery } from '../../src/brokers/types.js';
import { ROOT, runCli, spawnCli } from '../helpers/cli.js';
import { python, skipUnlessPython } from '../helpers/python.js';
import { SERVICE_URLS, type ServiceName, skipUnlessService } from '../helpers/services.js';

const SENSORS = 2;
const STAB = 2;
const CARRY = 3;
const EVENTS = 4 + SENSORS * (STAB + CARRY);
const PRODUCE = [
  '--metrics-port',
  '0',
  '--num-sensors',
  String(SENSORS),
  '--sample-rate',
  '20',
  '--stabilization-samples',
  String(STAB),
  '--carry-out-samples',
  String(CARRY),
];

const BROKERS: Array<{ service: ServiceName; url: string; rewind: boolean }> = [
  { service: 'redis', url: SERVICE_URLS.redis.replace(/^redis:/, 'redis+streams:'), rewind: true },
  { service: 'kafka', url: SERVICE_URLS.kafka, rewind: true },
  { service: 'nats', url: SERVICE_URLS.nats, rewind: true },
  { service: 'rabbitmq', url: SERVICE_URLS.rabbitmq, rewind: false },
  { service: 'mqtt', url: SERVICE_URLS.mqtt, rewind: false },
];

const FASTAVRO_PRINT = `
import sys, os, json, fastavro
root = sys.argv[1]
for name, header in json.load(open(os.path.join(root, 'order.json'))):
    with open(os.path.join(root, name), 'rb') as f:
        print(header)
        for record in fastavro.reader(f):
            print(record)
`;

function waitFor(child: ReturnType<typeof spawnCli>, pattern: RegExp, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms; stderr: ${seen}`)), ms);
    child.stderr?.on('data', (b: Buffer) => {
      seen += b.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before ${pattern}; stderr: ${seen}`));
    });
  });
}

function finish(
  child: ReturnType<typeof spawnCli>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Raw values of the topic, read from the start by a group of our own. */
async function readRaw(url: string, topic: string, n: number): Promise<Delivery[]> {
  const broker = await openBroker(url);
  const sub = broker.subscribe({
    topics: [topic],
    group: `raw-${randomBytes(4).toString('hex')}`,
    from: 'earliest',
  });
  const got: Delivery[] = [];
  const deadline = setTimeout(() => void sub.close(), 60_000);
  try {
    for await (const batch of sub) {
      got.push(...batch);
      await sub.commit(batch);
      if (got.length >= n) break;
    }
  } finally {
    clearTimeout(deadline);
    await sub.close();
    await broker.close();
  }
  return got;
}

describe('heroflow produce → heroflow consume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heroflow-produce-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const b of BROKERS) {
    it(`${b.url.split(':')[0]}: consume prints record_name and the record for each of the ${EVENTS} events`, async (t) => {
      const skip = await skipUnlessService(b.service);
      if (skip) return t.skip(skip);
      const topic = `experiment-${randomBytes(4).toString('hex')}`;
      const consumeArgs = [
        'consume',
        topic,
        '--broker',
        b.url,
        '--from',
        'earliest',
        '--max',
        String(EVENTS),
      ];
      let consumer: ReturnType<typeof spawnCli> | undefined;
      let consumed: ReturnType<typeof finish> | undefined;
      if (!b.rewind) {
        consumer = spawnCli(consumeArgs);
        consumed = finish(consumer);
        await waitFor(consumer, /consumer ready/);
      }
      const produced = runCli(['produce', '--broker', b.url, '--topic', topic, ...PRODUCE]);
      assert.equal(produced.status, 0, produced.stderr);
      assert.match(produced.stderr, new RegExp(`produced ${EVENTS} events in 1 experiment`));
      if (!consumer) {
        consumer = spawnCli(consumeArgs);
        consumed = finish(consumer);
      }
      const out = await (consumed as ReturnType<typeof finish>);
      assert.equal(out.code, 0, out.stderr);
      const lines = out.stdout.trimEnd().split('\n');
      assert.equal(lines.length, EVENTS * 2);
      const names = lines.filter((_, i) => i % 2 === 0);
      assert.deepEqual(names, [
        'experiment_configured',
        'stabilization_started',
        ...Array(SENSORS * STAB).fill('sensor_temperature_measured'),
        'experiment_started',
        ...Array(SENSORS * CARRY).fill('sensor_temperature_measured'),
        'experiment_terminated',
      ]);
      const experiment = /'experiment': '([0-9a-f-]{36})'/.exec(lines[1])?.[1];
      assert.ok(experiment);
      assert.ok(
        lines.filter((_, i) => i % 2 === 1).every((l) => l.startsWith(`{'experiment': '${experiment}'`)),
      );
      assert.match(lines.at(-1) ?? '', /^\{'experiment': '[0-9a-f-]{36}', 'timestamp': \d+\.\d+\}$/);

      if (b.rewind && !skipUnlessPython('fastavro')) {
        const raw = await readRaw(b.url, topic, EVENTS);
        assert.equal(raw.length, EVENTS);
        assert.ok(
          raw.every((d) => d.key === experiment),
          'key = experiment id on every event',
        );
        const order: Array<[string, string]> = raw.map((d, i) => {
          const name = `${b.service}-${i}.avro`;
          writeFileSync(join(dir, name), d.value);
          return [name, d.headers?.record_name ?? 'None'];
        });
        writeFileSync(join(dir, 'order.json'), JSON.stringify(order));
        const py = python(FASTAVRO_PRINT, [dir]);
        assert.equal(py.status, 0, py.stderr);
        assert.equal(py.stdout, out.stdout);
      }
    });
  }

  it("kafka over mutual TLS with seed 003's flags: --ssl-ca, a PKCS#12 --ssl-keystore and its password", async (t) => {
    const skip = await skipUnlessService('kafka-tls');
    if (skip) return t.skip(skip);
    const tls = join(ROOT, '.services/tls');
    const topic = `experiment-tls-${randomBytes(4).toString('hex')}`;
    const sslFlags = ['--ssl-ca', join(tls, 'ca.crt'), '--ssl-keystore', join(tls, 'client.p12')];
    const args = ['produce', '-b', '127.0.0.1:9094', '--topic', topic, ...sslFlags, ...PRODUCE];
    // The keystore's password is required: without it the file cannot be opened (exit 2, at once).
    const refused = runCli(args);
    assert.equal(refused.status, 2, refused.stderr);
    const produced = runCli([...args, '--ssl-keystore-password', 'heroflow-p12']);
    assert.equal(produced.status, 0, produced.stderr);
    assert.doesNotMatch(produced.stderr + produced.stdout, /heroflow-p12/, 'the password is never echoed');
    const url = `kafka://127.0.0.1:9094?tls=true&ca=${join(tls, 'ca.crt')}&pfx=${join(tls, 'client.p12')}&passphrase=heroflow-p12`;
    assert.equal((await readRaw(url, topic, EVENTS)).length, EVENTS);
  });

  it("kafka: seed 003's commit demo — a consumer stopped while storing reads that message again in its group", async (t) => {
    const skip = await skipUnlessService('kafka');
    if (skip) return t.skip(skip);
    const url = SERVICE_URLS.kafka;
    const topic = `experiment-${randomBytes(4).toString('hex')}`;
    const group = `commit-demo-${randomBytes(4).toString('hex')}`;
    const produced = runCli(['produce', '--broker', url, '--topic', topic, ...PRODUCE]);
    assert.equal(produced.status, 0, produced.stderr);
    const args = ['consume', topic, '--broker', url, '--group', group, '--from', 'earliest'];
    const first = spawnCli([...args, '--store-delay', '1500ms']);
    const firstDone = finish(first);
    // Two messages stored and committed, the third one being stored when the consumer is stopped.
    await waitFor(first, /(Message committed[\s\S]*){2}Start Storing/);
    first.kill('SIGTERM');
    const a = await firstDone;
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /EXITING SAFELY!/);
    assert.equal((a.stderr.match(/Message committed/g) ?? []).length, 2);
    const printed = a.stdout.trimEnd().split('\n');
    assert.equal(printed.length, 6, 'three messages printed, two committed');
    const second = runCli([...args, '--max', '1']);
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(
      second.stdout.trimEnd().split('\n'),
      printed.slice(4),
      'the uncommitted third message again',
    );
  });

  it('bad flags exit 2 naming the setting and what is allowed', () => {
    const cases: Array<[string[], RegExp]> = [
      [['produce', '--num-sensors', '0'], /--num-sensors .*expected an integer from 1/],
      [['produce', '--sample-rate', 'fast'], /--sample-rate .*expected an integer of milliseconds/],
      [['produce', '--secret-key', 'short'], /--secret-key .*expected exactly 32 bytes/],
      [
        ['produce', '--lower-threshold', '30', '--upper-threshold', '20'],
        /--lower-threshold .*lower ≤ upper/,
      ],
      [['produce', '--config-file', '/nonexistent/3.json'], /--config-file: cannot read/],
      [['produce', '-b', '127.0.0.1:9094', '--ssl-keystore', '/nonexistent/x.p12'], /pfx/],
      [['produce', '--no-ssl', '--ssl-ca', 'ca.crt'], /--no-ssl with --ssl-ca/],
      [['produce', '-b', 'not a list'], /--brokers .*host:port/],
      [['dashboard', '--scrape', 'http://'], /--scrape .*expected comma-separated/],
      [['dashboard', '--token', 'short'], /--token .*16 or more/],
      [['worker', '--metrics-port', '70000'], /--metrics-port .*a port 0–65535/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });
});
