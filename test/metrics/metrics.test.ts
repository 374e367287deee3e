/**
 * /metrics scraped over HTTP: the producer's upstream names and labels, the pipeline collectors that read
 * components' stats on scrape, and the opt-in endpoint of `heroflow worker`, `server` and `demo` processes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parsePrometheusText, type Sample, sumOf } from '../../src/dashboard/index.js';
import { expectedEvents, readLoadFile, runProducer } from '../../src/loadgen/index.js';
import {
  createRegistry,
  type PipelineStats,
  registerProducerMetrics,
  registerPublishMetrics,
  registerWorkerMetrics,
  serveMetrics,
} from '../../src/metrics/index.js';
import { spawnCli } from '../helpers/cli.js';
import { KEY } from '../loadgen/helpers.js';

async function scrape(url: string): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  return { text, samples: parsePrometheusText(text) };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

/** Start a CLI process, wait for its "metrics on <url>" line and the extra pattern. */
function startWithMetrics(args: string[], ready: RegExp) {
  const child = spawnCli(args);
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 120 s: ${stderr}`)), 120_000);
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = /metrics on (http:\/\/\S+)/.exec(stderr);
      if (m && ready.test(stderr)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(() => reject(new Error(`exited early: ${stderr}`)));
  });
  child.stdout?.resume();
  return { child, url, exited, stderr: () => stderr };
}

describe('producer metrics (upstream names)', () => {
  it('counts every event per experiment key and topic, and the running experiments', async () => {
    const registry = createRegistry();
    const metrics = registerProducerMetrics(registry);
    const server = await serveMetrics(registry, { port: 0 });
    try {
      const load = readLoadFile('examples/loads/2.json');
      let during: Sample[] = [];
      const results = await runProducer({
        broker: { publish: async () => {} },
        experiments: load,
        topic: 'experiment',
        topicDocument: 'docs',
        secretKey: KEY,
        sleep: () => new Promise((r) => setImmediate(r)),
        onEvent: metrics.event,
        onExperimentStart: metrics.experimentStarted,
        onExperimentEnd: async (i) => {
          metrics.experimentEnded();
          if (i === 0) during = [];
        },
      });
      const { text, samples } = await scrape(server.url);
      assert.match(text, /^# TYPE experiment_producer_event_count_total counter$/m);
      assert.match(text, /^# TYPE experiment_producer_num_experiments gauge$/m);
      for (const [i, r] of results.entries()) {
        assert.equal(
          value(samples, 'experiment_producer_event_count_total', { key: r.id, topic: 'experiment' }),
          expectedEvents(load[i]),
        );
        assert.equal(
          value(samples, 'experiment_producer_event_count_total', { key: r.id, topic: 'docs' }),
          1,
        );
      }
      const series = samples.filter((s) => s.name === 'experiment_producer_event_count_total');
      assert.ok(series.every((s) => Object.keys(s.labels).sort().join() === 'key,topic'));
      assert.equal(value(samples, 'experiment_producer_num_experiments'), 0);
      assert.ok((value(samples, 'heroflow_process_resident_memory_bytes') ?? 0) > 0);
      assert.ok(value(samples, 'heroflow_process_cpu_seconds_total') !== undefined);
      assert.equal(during.length, 0);
      assert.equal((await fetch(server.url.replace('/metrics', '/other'))).status, 404);
    } finally {
      await server.close();
    }
  });

  it('experiment_producer_num_experiments rises while experiments run', async () => {
    const registry = createRegistry({ processMetrics: false });
    const metrics = registerProducerMetrics(registry);
    metrics.experimentStarted();
    metrics.experimentStarted();
    metrics.experimentEnded();
    assert.equal(
      value(parsePrometheusText(await registry.metrics()), 'experiment_producer_num_experiments'),
      1,
    );
  });
});

describe('pipeline metrics read on scrape', () => {
  it('sums every worker, labels by topic and table, and follows the stats between scrapes', async () => {
    const stats: PipelineStats[] = [
      {
        consumed: 10,
        consumedByTopic: { 'lib.server.lobby': 4, 'lib.server.game': 6 },
        committed: 9,
        committedByTopic: { 'lib.server.lobby': 4, 'lib.server.game': 5 },
        redelivered: 1,
        rowsByTable: { game: 3, attack: 5 },
        files: 2,
        deadLetters: 1,
        deadLettersByTopic: { 'lib.server.game': { not_json: 1 } },
        bytesWritten: 1000,
        openSegments: 1,
        openBytes: 50,
      },
      {
        consumed: 5,
        consumedByTopic: { 'lib.server.game': 5 },
        committed: 5,
        committedByTopic: { 'lib.server.game': 5 },
        deadLettersByTopic: {},
        rowsByTable: { attack: 2 },
        files: 1,
        deadLetters: 0,
        bytesWritten: 500,
      },
    ];
    const registry = createRegistry({ processMetrics: false });
    registerWorkerMetrics(registry, () => stats);
    let published: Record<string, number> = { 'lib.server.game': 11 };
    registerPublishMetrics(registry, () => published);
    const server = await serveMetrics(registry, { port: 0 });
    try {
      let { text, samples } = await scrape(server.url);
      assert.match(text, /^# TYPE heroflow_messages_consumed_total counter$/m);
      assert.equal(value(samples, 'heroflow_messages_consumed_total', { topic: 'lib.server.game' }), 11);
      assert.equal(value(samples, 'heroflow_messages_consumed_total', { topic: 'lib.server.lobby' }), 4);
      assert.equal(value(samples, 'heroflow_messages_acked_total', { topic: 'lib.server.game' }), 10);
      assert.equal(value(samples, 'heroflow_messages_acked_total', { topic: 'lib.server.lobby' }), 4);
      assert.equal(value(samples, 'heroflow_messages_redelivered_total'), 1);
      assert.equal(
        value(samples, 'heroflow_dlq_messages_total', { topic: 'lib.server.game', reason: 'not_json' }),
        1,
      );
      assert.equal(value(samples, 'heroflow_files_written_total'), 3);
      assert.equal(value(samples, 'heroflow_written_bytes_total'), 1500);
      assert.equal(value(samples, 'heroflow_rows_written_total', { table: 'attack' }), 7);
      assert.equal(value(samples, 'heroflow_rows_written_total', { table: 'game' }), 3);
      assert.equal(value(samples, 'heroflow_open_segments'), 1);
      assert.equal(value(samples, 'heroflow_workers'), 2);
      assert.equal(value(samples, 'heroflow_messages_published_total', { topic: 'lib.server.game' }), 11);
      stats[1].consumedByTopic['lib.server.game'] = 50;
      published = { 'lib.server.game': 60 };
      ({ samples } = await scrape(server.url));
      assert.equal(value(samples, 'heroflow_messages_consumed_total', { topic: 'lib.server.game' }), 56);
      assert.equal(value(samples, 'heroflow_messages_published_total', { topic: 'lib.server.game' }), 60);
      // Every heroflow counter ends in _total and no label carries an id.
      for (const s of samples) assert.ok(s.name.startsWith('heroflow_'));
    } finally {
      await server.close();
    }
  });

  it('a port in use is a bad setting (HF_CONFIG_INVALID)', async () => {
    const a = await serveMetrics(createRegistry({ processMetrics: false }), { port: 0 });
    try {
      await assert.rejects(
        serveMetrics(createRegistry({ processMetrics: false }), { port: a.port }),
        /--metrics-port/,
      );
    } finally {
      await a.close();
    }
  });
});

describe('--metrics-port on long-running commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heroflow-metrics-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('heroflow produce serves upstream metrics and, with --keep-metrics, keeps serving after the experiment', async () => {
    const p = startWithMetrics(
      [
        'produce',
        '--broker',
        'memory://',
        '--metrics-port',
        '0',
        '--num-sensors',
        '3',
        '--sample-rate',
        '10',
        '--stabilization-samples',
        '2',
        '--carry-out-samples',
        '4',
        '--keep-metrics',
      ],
      /until SIGINT/,
    );
    try {
      const { samples } = await scrape(await p.url);
      const series = samples.filter((s) => s.name === 'experiment_producer_event_count_total');
      assert.equal(series.length, 1);
      assert.equal(series[0].labels.topic, 'experiment');
      assert.match(series[0].labels.key, /^[0-9a-f-]{36}$/);
      assert.equal(series[0].value, 4 + 3 * (2 + 4));
      assert.equal(value(samples, 'experiment_producer_num_experiments'), 0);
    } finally {
      p.child.kill('SIGINT');
    }
    assert.equal(await p.exited, 0, p.stderr());
  });

  it('heroflow worker serves its pipeline and process metrics', async () => {
    const p = startWithMetrics(
      ['worker', '--broker', 'memory://', '--out', join(dir, 'w'), '--metrics-port', '0'],
      /worker ready/,
    );
    try {
      const { samples } = await scrape(await p.url);
      assert.equal(value(samples, 'heroflow_workers'), 1);
      // Nothing committed yet: no topic has an acked series.
      assert.equal(value(samples, 'heroflow_messages_acked_total'), undefined);
      assert.equal(value(samples, 'heroflow_files_written_total'), 0);
      assert.ok((value(samples, 'heroflow_process_resident_memory_bytes') ?? 0) > 0);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0, p.stderr());
  });

  it('heroflow server serves the game server counters', async () => {
    const p = startWithMetrics(['server', '--port', '0', '--metrics-port', '0'], /metrics on/);
    try {
      const { samples } = await scrape(await p.url);
      assert.equal(value(samples, 'heroflow_server_connections_total'), 0);
      assert.equal(value(samples, 'heroflow_server_games_started_total'), 0);
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0, p.stderr());
  });

  it('heroflow demo --dashboard keeps serving after its summary: consumed = published, files and rows counted', async () => {
    const p = startWithMetrics(
      [
        'demo',
        '--players',
        '4',
        '--games',
        '2',
        '--seed',
        '7',
        '--workers',
        '2',
        '--out',
        join(dir, 'demo'),
        '--dashboard',
        '0',
      ],
      /until SIGINT/,
    );
    try {
      const { samples } = await scrape(await p.url);
      // The workers consume the lobby and game topics; the transport also publishes the clients' topic.
      const published = samples
        .filter(
          (s) =>
            s.name === 'heroflow_messages_published_total' &&
            /^lib\.server\.(lobby|game)$/.test(s.labels.topic),
        )
        .reduce((n, s) => n + s.value, 0);
      assert.ok(published > 0);
      assert.equal(sumOf(samples, 'heroflow_messages_consumed_total'), published);
      assert.ok((value(samples, 'heroflow_files_written_total') ?? 0) > 0);
      assert.ok((sumOf(samples, 'heroflow_rows_written_total') ?? 0) > 0);
      assert.equal(value(samples, 'heroflow_workers'), 2);
      // Every durable file was timed: one encode and one write observation each, labelled by table.
      const files = value(samples, 'heroflow_files_written_total');
      assert.equal(sumOf(samples, 'heroflow_file_encode_seconds_count'), files);
      assert.equal(sumOf(samples, 'heroflow_file_write_seconds_count'), files);
      assert.ok(
        samples.some(
          (x) => x.name === 'heroflow_file_write_seconds_count' && x.labels.table === 'lib_server_game',
        ),
      );
      const dash = /dashboard on (http:\/\/\S+)/.exec(p.stderr())?.[1];
      assert.ok(dash);
      const points = (await (await fetch(new URL('/api/points', dash))).json()) as { targets: string[] };
      assert.deepEqual(points.targets, [await p.url]);
    } finally {
      p.child.kill('SIGINT');
    }
    assert.equal(await p.exited, 0, p.stderr());
  });
});
