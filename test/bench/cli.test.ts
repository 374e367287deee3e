/**
 * `heroflow bench` end to end with a tiny workload on two real brokers (redis+streams://, kafka://):
 * the report's three files and their structure, the oracle's verdicts for the late-workers and
 * two-workers scenarios (both brokers keep records and share them in a group), the broker-restarted
 * scenario (Redis and Kafka, each on a private server of the bench's own, lose nothing across a SIGKILL
 * of the server), --update-docs, and bad input exiting 2. Never timings.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BenchReport } from '../../src/bench/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const skip = (await skipUnlessService('redis')) || (await skipUnlessService('kafka'));
const STREAMS = SERVICE_URLS.redis.replace(/^redis:/, 'redis+streams:');
const WORKLOAD = path.join(import.meta.dirname, 'tiny-workload.json');
let dir = '';

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'heroflow-bench-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('heroflow bench on redis+streams:// and kafka://', { skip }, () => {
  let report: BenchReport;

  test('writes report.json, report.md and report.html for both brokers', () => {
    const r = runCli(
      [
        'bench',
        '--brokers',
        `${STREAMS},${SERVICE_URLS.kafka}`,
        '--workload',
        WORKLOAD,
        '--out',
        path.join(dir, 'out'),
      ],
      {},
      // 82 s on the development VM; a CI run once needed more than 180 s (its private Kafka restarts).
      { timeoutMs: 600_000 },
    );
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
    assert.match(r.stdout, /\| broker \| publish msgs\/s \|/);
  });

  test('the report has every planned run, with the oracle and the latency percentiles', async () => {
    report = JSON.parse(await readFile(path.join(dir, 'out/report.json'), 'utf8')) as BenchReport;
    assert.deepEqual(
      report.brokers.map((b) => b.kind),
      ['redis+streams', 'kafka'],
    );
    for (const b of report.brokers) {
      assert.equal(b.error, undefined, b.error);
      assert.deepEqual(
        b.runs.map((r) => r.label),
        ['1000/s', 'late-workers', 'broadcast-workers', 'broker-restarted'],
      );
      for (const r of b.runs) {
        assert.ok(r.oracle.published > 0);
        for (const k of ['p50', 'p95', 'p99', 'p999', 'max'] as const) {
          assert.equal(typeof r.publish.latency[k], 'number');
          assert.equal(typeof r.oracle.endToEnd[k], 'number');
        }
        assert.ok(
          r.oracle.endToEnd.p50 <= r.oracle.endToEnd.p99 && r.oracle.endToEnd.p99 <= r.oracle.endToEnd.max,
        );
        assert.ok(
          r.resources.some((p) => p.label.startsWith('worker')),
          'worker processes sampled',
        );
      }
    }
  });

  test("both brokers keep records for late workers and share them between two workers (the seeds' 1×)", () => {
    for (const b of report.brokers) {
      const late = b.runs.find((r) => r.fault === 'late-workers');
      const two = b.runs.find((r) => r.fault === 'broadcast-workers');
      assert.ok(late && two);
      assert.equal(late.oracle.lost, 0, `${b.kind} late workers`);
      assert.equal(late.oracle.written, late.oracle.published);
      assert.equal(two.oracle.lost, 0, `${b.kind} two workers`);
      assert.equal(two.oracle.duplicateRows, 0);
      assert.ok(
        two.oracle.deliveryFactor < 1.5,
        `${b.kind} two workers deliveries ${two.oracle.deliveryFactor}`,
      );
      assert.ok(b.findings.some((f) => f.text.startsWith('keeps records for workers that start late')));
    }
  });

  test('a restarted broker (private redis-server with fsync always, private Kafka) loses nothing', () => {
    for (const b of report.brokers) {
      const restart = b.runs.find((r) => r.fault === 'broker-restarted');
      assert.ok(restart);
      const server = b.kind === 'kafka' ? 'kafka' : 'redis';
      assert.ok(
        restart.notes.some((x) => x.startsWith(`on a private ${server} server`)),
        restart.notes.join('; '),
      );
      assert.ok(restart.notes.some((x) => /SIGKILLed at half/.test(x)));
      assert.ok(restart.oracle.published > 0);
      assert.equal(restart.oracle.lost, 0, `${b.kind}: ${restart.oracle.lostSample.join(', ')}`);
      assert.deepEqual(b.notRun, []);
    }
  });

  test('report.md and report.html carry the table, the oracle and the charts', async () => {
    const md = await readFile(path.join(dir, 'out/report.md'), 'utf8');
    assert.match(md, /\| `redis\+streams:\/\/127\.0\.0\.1:6379\/0` \|/);
    assert.match(md, /late-workers/);
    const html = await readFile(path.join(dir, 'out/report.html'), 'utf8');
    assert.match(html, /<svg /);
    assert.match(html, /Delivery oracle/);
    assert.doesNotMatch(html, /<script|src="http/);
  });

  test('--report with --update-docs replaces only the generated table', async () => {
    const doc = path.join(dir, 'doc.md');
    await writeFile(doc, '# Brokers\n\nintro\n\n## Later\n\ntext\n');
    const args = ['bench', '--report', path.join(dir, 'out/report.json'), '--update-docs', doc];
    assert.equal(runCli(args).status, 0);
    const once = await readFile(doc, 'utf8');
    assert.match(
      once,
      /generated table, start[\s\S]*\| `kafka:\/\/127\.0\.0\.1:9092` \|[\s\S]*generated table, end/,
    );
    assert.equal(runCli(args).status, 0);
    assert.equal(await readFile(doc, 'utf8'), once, 'a second update changes nothing');
    assert.match(once, /## Later\n\ntext/);
  });
});

test('a bad workload or broker URL exits 2 naming what is wrong', async () => {
  const bad = path.join(dir, 'bad.json');
  await writeFile(bad, JSON.stringify({ producers: 0, colour: 'red' }));
  const r = runCli(['bench', '--brokers', 'memory://', '--workload', bad, '--out', path.join(dir, 'x')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--workload .*producers/);
  assert.match(r.stderr, /HF_CONFIG_INVALID/);
  const u = runCli(['bench', '--brokers', 'carrier-pigeon://x', '--out', path.join(dir, 'x')]);
  assert.equal(u.status, 2);
  assert.match(u.stderr, /HF_BROKER_URL/);
});

/** The live child processes of `pid`, with their command names. */
function childrenOf(pid: number): { pid: number; comm: string }[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .map((p) => {
      try {
        return { pid: Number(p), comm: readFileSync(`/proc/${p}/comm`, 'utf8').trim() };
      } catch {
        return { pid: Number(p), comm: '' }; // exited between pgrep and the read
      }
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a SIGTERMed bench takes its workers and its private server with it', { skip }, async () => {
  const workload = path.join(dir, 'restart-only.json');
  await writeFile(
    workload,
    JSON.stringify({
      ...JSON.parse(await readFile(WORKLOAD, 'utf8')),
      faults: ['broker-restarted'],
      faultMessages: 1_000_000,
    }),
  );
  const bench = spawnCli([
    'bench',
    '--brokers',
    STREAMS,
    '--workload',
    workload,
    '--out',
    path.join(dir, 'cut'),
  ]);
  let stderr = '';
  bench.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  let ended = false;
  const exited = new Promise<number | null>((r) =>
    bench.once('exit', (code) => {
      ended = true;
      r(code);
    }),
  );
  const pid = bench.pid as number;
  let children: { pid: number; comm: string }[] = [];
  for (let i = 0; i < 1200 && !ended; i++) {
    children = childrenOf(pid);
    if (children.some((c) => c.comm === 'redis-server') && children.some((c) => c.comm !== 'redis-server'))
      break;
    await sleep(100);
  }
  assert.ok(
    children.some((c) => c.comm === 'redis-server'),
    `no private redis-server: ${stderr}`,
  );
  assert.ok(children.length >= 2, `no worker beside it: ${JSON.stringify(children)}`);
  bench.kill('SIGTERM');
  assert.equal(await exited, 143, stderr);
  assert.match(stderr, /SIGTERM: bench stopped, no report written; killed \d+ child/);
  for (let i = 0; i < 50 && children.some((c) => alive(c.pid)); i++) await sleep(100);
  assert.deepEqual(
    children.filter((c) => alive(c.pid)),
    [],
    'every child of the bench is gone',
  );
});
