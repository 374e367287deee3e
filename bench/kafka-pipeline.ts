/**
 * Kafka → Parquet, side by side with what users would pick instead, on the same records in one run.
 *
 *   npm run bench:kafka -- [--records 1000000] [--partitions 2] [--runs 3] [--headers both|with|without]
 *     [--only kcat,python,python-game,heroflow1,heroflow1-game,heroflow2,heroflow1-core,heroflow2-cores,
 *             heroflow1-quota,heroflow2-quota]
 *     [--brokers 127.0.0.1:9092] [--worker-cpus 0.5]
 *     [--worker-node PATH[,PATH…]]
 *
 * Data: simulator records as upstream's Python handlers write them (test/etl/fixtures.ts: Starting Match
 * per participant, attacks, cleaning records, client lines), on two topics (`…lib.server.lobby` with the
 * client lines, `…lib.server.game`) of `--partitions` partitions each; once with heroflow's
 * `heroflow-msg-id` header on every record and once without (upstream's producers send none).
 *
 * Readers, each a fresh process in a fresh group, timed from spawn to exit (group join included) under
 * /usr/bin/time for CPU seconds (user + sys, all threads) and peak RSS:
 *   kcat            kcat -C of both topics to /dev/null (librdkafka, C): the read ceiling
 *   python          bench/peers/kafka_to_parquet.py: confluent-kafka + orjson + PyArrow, the same four
 *                   record tables with the same types, zstd, a roll per 100k records of a partition
 *   python-game     the same script, lib_server_game only
 *   heroflow1       `heroflow worker` ×1, all five tables
 *   heroflow1-game  `heroflow worker --tables lib_server_game` ×1
 *   heroflow2       2 `heroflow worker` processes in one group (RSS: the larger of the two)
 *   heroflow1-core  heroflow1 held to CPU 0 (`taskset -c 0`), and
 *   heroflow2-cores heroflow2 with worker i held to CPU i: how the group scales when each worker has a core
 *                   of its own (one worker alone already uses both cores; the broker is not held)
 *   heroflow1-quota heroflow1 in a cgroup of its own with a CPU quota of --worker-cpus cores, and
 *   heroflow2-quota heroflow2 with each worker in such a cgroup: with 0.5 core each, the two workers
 *                   together never take more than one core of two, the broker has the rest, and
 *                   2 ÷ 1 measures how the group scales (bench/cpu-quota.ts; needs root)
 * When the broker runs here (a local listener on the --brokers port), its CPU seconds during each reader
 * are printed too: whether it had room to spare.
 * heroflow workers stop by --exit-when-idle; that wait is not counted. Rows written are checked.
 * `--worker-node` runs heroflow's readers under each of these Node binaries in the same run (default: the
 * one running the bench). `scripts/node-from-npm.sh 24.22.3` prints the bin directory of Node 24 from the npm
 * registry: `--worker-node "$(scripts/node-from-npm.sh 24.22.3)/node,$(command -v node)"`.
 * Prints the medians of --runs per reader and the ratios the issue asks for (docs/performance.md).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { procCpuSeconds } from '../src/bench/resources.js';
import { pyDumps, simulatorRecords } from '../test/etl/fixtures.js';
import { ensureBuilt } from '../test/helpers/cli.js';
import { benchArgs } from './cli-args.js';
import { cpuQuota } from './cpu-quota.js';

const READER_IDS = [
  'kcat',
  'python',
  'python-game',
  'heroflow1',
  'heroflow1-game',
  'heroflow2',
  'heroflow1-core',
  'heroflow2-cores',
  'heroflow1-quota',
  'heroflow2-quota',
] as const;
const cli = benchArgs({
  usage: `usage: npm run bench:kafka -- [options]
  --records N           records per data set (default 1000000)
  --partitions N        partitions of each of the two topics (default 2)
  --runs N              runs per reader; medians are printed (default 3)
  --headers H           both, with or without the heroflow-msg-id header (default both)
  --only a,b            readers: ${READER_IDS.join(', ')} (default all)
  --brokers host:port   Kafka bootstrap list, comma-separated (default 127.0.0.1:9092)
  --worker-node PATH    Node binaries for heroflow's readers, comma-separated (default ${process.execPath})
  --worker-cpus C       the CPU quota of each worker of the -quota readers, in cores (default 0.5)
  --help                this text`,
  options: {
    records: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '2' },
    runs: { type: 'string', default: '3' },
    headers: { type: 'string', default: 'both' },
    only: { type: 'string', default: READER_IDS.join(',') },
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    'worker-node': { type: 'string', default: process.execPath },
    'worker-cpus': { type: 'string', default: '0.5' },
  },
});
const RECORDS = cli.wholeNumber('records');
const PARTITIONS = cli.wholeNumber('partitions');
const RUNS = cli.wholeNumber('runs');
const HEADERS = cli.oneOf('headers', ['both', 'with', 'without']);
const BROKERS = cli.required('brokers');
const ONLY = new Set<string>(cli.listOf('only', READER_IDS));
const WORKER_CPUS = cli.positiveNumber('worker-cpus');
/** The Node binaries heroflow's readers run under, each with its version (`v24.22.3`). */
const NODES = cli
  .required('worker-node')
  .split(',')
  .map((bin) => {
    try {
      const version = execFileSync(bin, ['--version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { bin, version: version.trim() };
    } catch (err) {
      return cli.fail(`--worker-node: '${bin}' does not run (${(err as Error).message.split('\n')[0]})`);
    }
  });
/** The suffix of heroflow's reader ids under this Node: none when there is only one. */
const nodeSuffix = (version: string) => (NODES.length > 1 ? `@${version.split('.')[0]}` : '');
const IDLE_EXIT_S = 2;
ensureBuilt();

/** What each outside reader needs, checked before anything is published: a missing one stops the bench. */
function checkPeers(): void {
  const missing: string[] = [];
  if (ONLY.has('kcat')) {
    try {
      execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    } catch {
      missing.push('kcat (apt-get install kcat)');
    }
  }
  if (ONLY.has('python') || ONLY.has('python-game')) {
    try {
      execFileSync('python3', ['-c', 'import confluent_kafka, orjson, pyarrow'], { stdio: 'ignore' });
    } catch {
      missing.push("the Python peer's modules (python3 -m pip install confluent-kafka orjson pyarrow)");
    }
  }
  if (ONLY.has('heroflow1-quota') || ONLY.has('heroflow2-quota')) {
    const probe = cpuQuota(`heroflow-bench-probe-${process.pid}`, WORKER_CPUS);
    if (typeof probe !== 'string') probe.remove();
    else if (cli.values.only !== READER_IDS.join(','))
      missing.push(`a CPU quota for the -quota readers: ${probe}`);
    else {
      // Asked for by default only: the others still run.
      console.log(`(the -quota readers are left out: ${probe})`);
      ONLY.delete('heroflow1-quota');
      ONLY.delete('heroflow2-quota');
    }
  }
  if (missing.length === 0) return;
  console.error(`bench:kafka needs ${missing.join(' and ')}; or leave those readers out with --only.`);
  process.exit(2);
}
checkPeers();
const kafka = new Kafka({ brokers: BROKERS.split(','), logLevel: logLevel.NOTHING });

/** The process listening on the first broker's port when that broker runs on this machine. */
function localBrokerPid(): number | undefined {
  const [host, port] = BROKERS.split(',')[0].split(':');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) return undefined;
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const pid = /pid=(\d+)/.exec(out)?.[1];
    return pid ? Number(pid) : undefined;
  } catch {
    return undefined;
  }
}
const BROKER_PID = localBrokerPid();

interface Measure {
  seconds: number;
  cpu: number;
  rssMb: number;
  records: number;
  /** The broker's CPU seconds while this reader ran (NaN when the broker is not local). */
  brokerCpu?: number;
}

/** Two topics of simulator records; `withHeader` puts a msg-id header on each. Returns their names. */
async function prepare(withHeader: boolean): Promise<string[]> {
  const prefix = `bench.${randomBytes(3).toString('hex')}`;
  const lobby = `${prefix}.lib.server.lobby`;
  const game = `${prefix}.lib.server.game`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [lobby, game].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const pending: Promise<unknown>[] = [];
  let batch: { topic: string; messages: { value: string; headers?: Record<string, string> }[] }[] = [];
  const byTopic = new Map<string, { value: string; headers?: Record<string, string> }[]>();
  let n = 0;
  const flush = async () => {
    batch = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    byTopic.clear();
    pending.push(producer.sendBatch({ topicMessages: batch, acks: 1, compression: CompressionTypes.None }));
    if (pending.length >= 16) await Promise.all(pending.splice(0));
  };
  for (const { topic, record } of simulatorRecords(11)) {
    if (n === RECORDS) break;
    const t = topic === 'lib.server.game' ? game : lobby;
    const m = withHeader
      ? { value: pyDumps(record), headers: { 'heroflow-msg-id': randomUUID() } }
      : { value: pyDumps(record) };
    const list = byTopic.get(t) ?? [];
    if (list.length === 0) byTopic.set(t, list);
    list.push(m);
    // One record batch per partition must stay under the broker's 1 MB message.max.bytes.
    if (++n % 2_000 === 0) await flush();
  }
  await flush();
  await Promise.all(pending);
  await producer.disconnect();
  return [lobby, game];
}

/** Runs `cmd` under /usr/bin/time; resolves with its stdout, wall seconds, CPU seconds and peak RSS. */
function timed(
  cmd: string,
  argv: string[],
): Promise<{ stdout: string; seconds: number; cpu: number; rssKb: number }> {
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'TIME %U %S %M', cmd, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => {
    stdout += b;
  });
  child.stderr.on('data', (b) => {
    stderr += b;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      if (code !== 0 || !m) {
        reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      resolve({ stdout, seconds, cpu: Number(m[1]) + Number(m[2]), rssKb: Number(m[3]) });
    }),
  );
}

async function kcat(topics: string[]): Promise<Measure> {
  const script = topics
    .map((t) => `kcat -C -b ${BROKERS} -t ${t} -o beginning -e -q > /dev/null`)
    .join(' && ');
  const r = await timed('sh', ['-c', script]);
  return { seconds: r.seconds, cpu: r.cpu, rssMb: r.rssKb / 1024, records: RECORDS };
}

async function python(topics: string[], tables?: string): Promise<Measure> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-bench-py-'));
  try {
    const r = await timed('python3', [
      'bench/peers/kafka_to_parquet.py',
      '--brokers',
      BROKERS,
      '--topics',
      topics.join(','),
      '--group',
      `bench-py-${randomBytes(4).toString('hex')}`,
      '--out',
      out,
      ...(tables ? ['--tables', tables] : []),
    ]);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { records: number };
    return { seconds: r.seconds, cpu: r.cpu, rssMb: r.rssKb / 1024, records: summary.records };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** How a heroflow reader's workers are held: to core i each (`taskset`), or to a CPU quota each. */
type Hold = 'core' | 'quota';

/** The command that runs `node argv` as worker i under `hold`, and what to clean up after it. */
function held(hold: Hold | undefined, i: number, node: string, argv: string[]) {
  if (hold === 'core')
    return { run: ['taskset', ['-c', String(i % os.cpus().length), node, ...argv]] as const };
  if (hold === 'quota') {
    const quota = cpuQuota(`heroflow-bench-${process.pid}-w${i}`, WORKER_CPUS);
    if (typeof quota === 'string') throw new Error(quota);
    return { run: quota.wrap(node, argv), done: () => quota.remove() };
  }
  return { run: [node, argv] as const };
}

async function heroflow(
  node: string,
  topics: string[],
  workers: number,
  tables?: string,
  hold?: Hold,
): Promise<Measure> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-bench-hf-'));
  const group = `bench-hf-${randomBytes(4).toString('hex')}`;
  try {
    const t0 = performance.now();
    const runs = await Promise.all(
      Array.from({ length: workers }, async (_, i) => {
        const { run, done } = held(hold, i, node, [
          'bin/heroflow.js',
          'worker',
          '--broker',
          `kafka://${BROKERS}`,
          '--topics',
          topics.join(','),
          '--group',
          group,
          '--worker-id',
          `w${i}`,
          '--out',
          out,
          '--exit-when-idle',
          `${IDLE_EXIT_S}s`,
          '--log-level',
          'warn',
          ...(tables ? ['--tables', tables] : []),
        ]);
        try {
          return await timed(run[0], [...run[1]]);
        } finally {
          done?.();
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000 - IDLE_EXIT_S;
    let records = 0;
    for (const r of runs)
      records += Number(/messages consumed\s+([\d,]+)/.exec(r.stdout)?.[1].replace(/,/g, '') ?? 0);
    return {
      seconds,
      cpu: runs.reduce((s, r) => s + r.cpu, 0),
      rssMb: Math.max(...runs.map((r) => r.rssKb)) / 1024,
      records,
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type Reader = [id: string, name: string, read: (topics: string[]) => Promise<Measure>];
const HEROFLOW_READERS: [id: string, name: string, workers: number, tables?: string, hold?: Hold][] = [
  ['heroflow1', 'heroflow worker ×1, all five tables', 1],
  ['heroflow1-game', 'heroflow worker ×1 --tables lib_server_game', 1, 'lib_server_game'],
  ['heroflow2', 'heroflow worker ×2 (one group), all five tables', 2],
  ['heroflow1-core', 'heroflow worker ×1 held to one core, all five tables', 1, undefined, 'core'],
  ['heroflow2-cores', 'heroflow worker ×2 (one group), a core each, all five tables', 2, undefined, 'core'],
  [
    'heroflow1-quota',
    `heroflow worker ×1 with a quota of ${WORKER_CPUS} core, all five tables`,
    1,
    undefined,
    'quota',
  ],
  [
    'heroflow2-quota',
    `heroflow worker ×2 (one group), a quota of ${WORKER_CPUS} core each, all five tables`,
    2,
    undefined,
    'quota',
  ],
];
const READERS: Reader[] = [
  ['kcat', 'kcat -C (librdkafka), raw read', kcat],
  ['python', 'Python confluent-kafka + PyArrow, 4 record tables', (t) => python(t)],
  ['python-game', 'Python confluent-kafka + PyArrow, lib_server_game', (t) => python(t, 'lib_server_game')],
  // heroflow's readers once per --worker-node.
  ...HEROFLOW_READERS.flatMap(([id, name, workers, tables, hold]) =>
    NODES.map(
      ({ bin, version }): Reader => [
        `${id}${nodeSuffix(version)}`,
        `${name} (Node ${version})`,
        (t) => heroflow(bin, t, workers, tables, hold),
      ],
    ),
  ),
];
/** `--only` names readers without their Node suffix. */
const selected = (id: string) => ONLY.has(id.split('@')[0]);

async function dataset(withHeader: boolean): Promise<void> {
  const label = withHeader ? 'with the heroflow-msg-id header' : 'without headers (upstream producers)';
  console.log(
    `\n## ${RECORDS.toLocaleString('en-US')} records ${label}, 2 topics × ${PARTITIONS} partitions`,
  );
  const topics = await prepare(withHeader);
  const results = new Map<string, Measure[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const [id, , read] of READERS) {
      if (!selected(id)) continue;
      const brokerCpu = () =>
        (BROKER_PID === undefined ? undefined : procCpuSeconds(BROKER_PID)) ?? Number.NaN;
      const brokerBefore = brokerCpu();
      const m = await read(topics);
      m.brokerCpu = brokerCpu() - brokerBefore;
      if (m.records !== RECORDS)
        console.log(`  (!) ${id} run ${run + 1} read ${m.records} of ${RECORDS} records`);
      const list = results.get(id) ?? [];
      list.push(m);
      results.set(id, list);
      process.stderr.write(
        `  run ${run + 1} ${id}: ${(RECORDS / m.seconds).toFixed(0)} rec/s, ${m.cpu.toFixed(1)} CPU s, ${m.rssMb.toFixed(0)} MB, broker ${m.brokerCpu.toFixed(1)} CPU s\n`,
      );
    }
  }
  const rate = (id: string) => {
    const ms = results.get(id);
    return ms ? RECORDS / median(ms.map((m) => m.seconds)) : undefined;
  };
  console.log(
    '| reader | records/s | CPU s | peak RSS MB | broker CPU s | × kcat | × Python (same tables) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [id, name] of READERS) {
    const ms = results.get(id);
    if (!ms) continue;
    const r = rate(id) ?? 0;
    const kcatRate = rate('kcat');
    const peer = id.split('@')[0].endsWith('-game')
      ? rate('python-game')
      : id.startsWith('heroflow')
        ? rate('python')
        : undefined;
    console.log(
      `| ${name} | ${r.toFixed(0)} | ${median(ms.map((m) => m.cpu)).toFixed(1)} | ${median(ms.map((m) => m.rssMb)).toFixed(0)} | ${median(ms.map((m) => m.brokerCpu ?? Number.NaN)).toFixed(1)} | ${kcatRate ? (r / kcatRate).toFixed(2) : '–'} | ${peer && !id.startsWith('python') ? (r / peer).toFixed(2) : '–'} |`,
    );
  }
  for (const { version } of NODES) {
    const one = rate(`heroflow1${nodeSuffix(version)}`);
    const two = rate(`heroflow2${nodeSuffix(version)}`);
    if (one && two) console.log(`2 workers / 1 worker on Node ${version}: ${(two / one).toFixed(2)}×`);
    const oneCore = rate(`heroflow1-core${nodeSuffix(version)}`);
    const twoCores = rate(`heroflow2-cores${nodeSuffix(version)}`);
    if (oneCore && twoCores)
      console.log(
        `2 workers on a core each / 1 worker on one core, Node ${version}: ${(twoCores / oneCore).toFixed(2)}×`,
      );
    const oneQuota = rate(`heroflow1-quota${nodeSuffix(version)}`);
    const twoQuotas = rate(`heroflow2-quota${nodeSuffix(version)}`);
    if (oneQuota && twoQuotas)
      console.log(
        `2 workers at ${WORKER_CPUS} core each / 1 worker at ${WORKER_CPUS} core, Node ${version}: ${(twoQuotas / oneQuota).toFixed(2)}×`,
      );
  }
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
}

console.log(
  `Kafka → Parquet on ${os.cpus().length} cores, Node ${process.version}, medians of ${RUNS} run(s); times include process start and group join`,
);
if (HEADERS !== 'without') await dataset(true);
if (HEADERS !== 'with') await dataset(false);
