/**
 * One job, every broker: the same simulator records (`Attack Completed` envelopes, ~390 B) through each
 * adapter on the servers of `scripts/services.sh up`, in one run.
 *
 *   1. publish: the bench process publishes the records in batches of 1,000 to a topic nobody reads
 *      (one `publish()` awaited per batch: confirms, acks and fsyncs included where the adapter waits
 *      for them).
 *   2. pipeline, 1 and 2 workers: `heroflow worker` processes (the compiled CLI: `npm run build` first)
 *      start in one group on a fresh topic, the bench waits until each logged `worker ready`, then
 *      publishes the records and waits for the workers to write them as zstd Parquet and exit
 *      (--exit-when-idle, not counted). records/s = records published / seconds from the first publish
 *      to the last Parquet file. For redis+fanout a `heroflow fanout` process runs beside them.
 *
 *   3. drain, 1 worker (brokers that keep records): a worker joins the group and leaves, the records are
 *      published while no worker runs, then one worker starts and reads the backlog into Parquet.
 *      records/s = records / seconds from its spawn to its exit (less the idle wait): the consumer side
 *      alone, which the pipeline columns cannot show when publishing is the slower half. Beside it the rate
 *      to the worker's last file (its debug log's last `segment written`): a worker whose shutdown waits
 *      for the broker (MQTT: Mosquitto still reading its PUBACKs) shows the difference. The worker's CPU seconds (user +
 *      system, from /proc/self/stat's reaped-children times) say what it cost, which the wall clock hides
 *      when the machine is busy.
 *
 *   npx tsx bench/brokers.ts [--records 100000] [--only kafka,redis,redis+fanout,redis+streams,amqp,nats,mqtt]
 *                            [--phases publish,pipeline,drain] [--worker-node-args "--cpu-prof --cpu-prof-dir=DIR"]
 *
 * `--phases drain` measures the backlog drain alone (one broker at a time with `--only`, a bigger
 * `--records` so that start-up weighs less); `--worker-node-args` passes Node flags to the drain worker
 * (a CPU profile of exactly the measured run).
 *
 * Publisher, workers and brokers share the machine's 2 cores: the figures are what this box does with
 * all parts on it, not each part's ceiling.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBroker } from '../src/brokers/kafka/index.js';
import { openBroker } from '../src/brokers/registry.js';
import type { Broker, Message } from '../src/brokers/types.js';
import { HEADER_MSG_ID } from '../src/brokers/types.js';
import { ensureBuilt } from '../test/helpers/cli.js';
import { benchArgs } from './cli-args.js';
import { simulatorRecords } from './kafka-clients.js';

const PHASES = ['publish', 'pipeline', 'drain'] as const;
const BROKERS = ['kafka', 'redis', 'redis+fanout', 'redis+streams', 'amqp', 'nats', 'mqtt'] as const;
const cli = benchArgs({
  usage: `usage: npm run bench:brokers -- [options]
  --records N              records per broker (default 100000)
  --only a,b               brokers to run: ${BROKERS.join(', ')} (default all)
  --phases a,b             ${PHASES.join(', ')} (default all three)
  --worker-node-args "..." Node flags for the drain worker, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (default none)
  --worker-log FILE        the drain worker's stderr (its debug log) goes to FILE (default: not kept)
  --params k=v&k=v         query parameters added to every broker URL, e.g. "prefetch=5000" (default none)
  --help                   this text`,
  options: {
    records: { type: 'string', default: '100000' },
    only: { type: 'string', default: BROKERS.join(',') },
    phases: { type: 'string', default: PHASES.join(',') },
    'worker-node-args': { type: 'string', default: '' },
    'worker-log': { type: 'string', default: '' },
    params: { type: 'string', default: '' },
  },
});
const records = cli.wholeNumber('records');
const only = cli.listOf('only', BROKERS);
const phases: string[] = cli.listOf('phases', PHASES);
const workerNodeArgs = cli.values['worker-node-args'].split(' ').filter(Boolean);
const workerLog = cli.values['worker-log'];
const params = cli.values.params;
ensureBuilt();
const IDLE_EXIT_S = 3;
const BATCH = 1000;
const NATS_STREAM = 'HFBENCH';
const URLS: Record<(typeof BROKERS)[number], string> = {
  kafka: 'kafka://127.0.0.1:9092',
  redis: 'redis://127.0.0.1:6379/0',
  'redis+fanout': 'redis+fanout://127.0.0.1:6379/0',
  'redis+streams': 'redis+streams://127.0.0.1:6379/0',
  amqp: 'amqp://guest:guest@127.0.0.1:5672',
  nats: `nats://127.0.0.1:4222?stream=${NATS_STREAM}&prefix=hfbench`,
  mqtt: 'mqtt://127.0.0.1:1883',
};
if (params) for (const k of BROKERS) URLS[k] += `${URLS[k].includes('?') ? '&' : '?'}${params}`;
const BIN = path.resolve('bin/heroflow.js');
const run = randomBytes(3).toString('hex');
const payload = simulatorRecords(records);
const topicsUsed: string[] = [];

function messages(topic: string): Message[] {
  return payload.map((r, i) => ({
    topic,
    key: r.key,
    value: r.value,
    headers: { [HEADER_MSG_ID]: `${run}-${i}` },
  }));
}

async function publishAll(broker: Broker, msgs: Message[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < msgs.length; i += BATCH) await broker.publish(msgs.slice(i, i + BATCH));
  return (performance.now() - t0) / 1000;
}

function newTopic(name: string, what: string): string {
  const t = `hfbench.${name.replace('+', '-')}.${what}.${run}`;
  topicsUsed.push(t);
  return t;
}

interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

function heroflow(args: string[], nodeArgs: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, stdout: '', stderr: '', exit: new Promise((r) => child.on('exit', r)) };
  child.stdout?.on('data', (b) => {
    p.stdout += b;
  });
  child.stderr?.on('data', (b) => {
    p.stderr += b;
  });
  return p;
}

async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** n workers in a new group on a new topic; records published once all are live. */
async function pipeline(name: string, url: string, n: number): Promise<{ seconds: number; rows: number }> {
  const topic = newTopic(name, `w${n}`);
  const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-bench-'));
  const group = `hfbench-${randomBytes(3).toString('hex')}`;
  const broker = await openBroker(url, { partitions: { [topic]: 4 } });
  const middleware =
    name === 'redis+fanout'
      ? heroflow(['fanout', '--broker', url, '--topics', topic, '--every', '0'])
      : undefined;
  // A worker subscribing first would create the topic with its default partition count (1).
  if (broker instanceof KafkaBroker) await broker.ensureTopics([{ topic, partitions: 4 }]);
  const workers = Array.from({ length: n }, (_, i) =>
    heroflow([
      'worker',
      ...['--broker', url, '--topics', topic, '--group', group, '--worker-id', `${group}-${i}`],
      ...['--out', out, '--from', 'earliest', '--exit-when-idle', `${IDLE_EXIT_S}s`, '--log-level', 'info'],
    ]),
  );
  await until(
    () =>
      workers.every((w) => w.stderr.includes('"worker ready"')) &&
      (!middleware || middleware.stderr.includes('listening')),
    'the workers (and the fan-out middleware) to be ready',
  );
  const t0 = performance.now();
  await publishAll(broker, messages(topic));
  const codes = await Promise.all(workers.map((w) => w.exit));
  const seconds = (performance.now() - t0) / 1000 - IDLE_EXIT_S;
  middleware?.child.kill('SIGINT');
  await middleware?.exit;
  await broker.close();
  await rm(out, { recursive: true, force: true });
  if (codes.some((c) => c !== 0))
    throw new Error(`a worker failed: ${workers.map((w) => w.stderr).join('\n')}`);
  const rows = workers
    .map((w) => Number(/messages consumed\s+([\d,]+)/.exec(w.stdout)?.[1].replace(/,/g, '') ?? 0))
    .reduce((a, b) => a + b, 0);
  return { seconds, rows };
}

/** The backlog case: records published while the group's only member is away, then read by one worker. */
/** CPU seconds of this process' reaped children (user + system): /proc/self/stat cutime + cstime. */
async function childCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => '');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

/**
 * Epoch ms of the last `segment written` line of a worker's JSON log (pino), or NaN without one. A last
 * segment flushed at the idle exit waited the idle time first: that wait is taken off.
 */
function lastSegmentAt(log: string): number {
  let last = Number.NaN;
  for (const line of log.split('\n')) {
    if (!line.includes('"segment written"')) continue;
    const { time, cause } = JSON.parse(line) as { time?: number; cause?: string };
    if (time !== undefined) last = cause === 'flush' ? time - IDLE_EXIT_S * 1000 : time;
  }
  return last;
}

async function drain(
  name: string,
  url: string,
): Promise<{ seconds: number; rows: number; cpu: number; toLastFile: number }> {
  const topic = newTopic(name, 'drain');
  const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-bench-'));
  const group = `hfbench-${randomBytes(3).toString('hex')}`;
  const broker = await openBroker(url, { partitions: { [topic]: 4 } });
  if (broker instanceof KafkaBroker) await broker.ensureTopics([{ topic, partitions: 4 }]);
  const args = [
    'worker',
    ...['--broker', url, '--topics', topic, '--group', group, '--worker-id', `${group}-0`],
    ...['--out', out, '--from', 'earliest', '--log-level', 'info'],
  ];
  // Join once, so the group (queue, durable consumer, session, stream group) exists, then leave.
  const first = heroflow(args);
  await until(() => first.stderr.includes('"worker ready"'), 'the worker to join');
  first.child.kill('SIGINT');
  await first.exit;
  await publishAll(broker, messages(topic));
  await broker.close();
  const t0 = performance.now();
  // debug: the worker logs each `segment written` (a few lines per 10,000 records).
  const worker = heroflow(
    [...args, '--exit-when-idle', `${IDLE_EXIT_S}s`, '--log-level', 'debug'],
    workerNodeArgs,
  );
  const spawnedAt = Date.now();
  const cpu0 = await childCpuSeconds();
  const code = await worker.exit;
  const exitedAt = Date.now();
  const cpu = (await childCpuSeconds()) - cpu0;
  const seconds = (performance.now() - t0) / 1000 - IDLE_EXIT_S;
  await rm(out, { recursive: true, force: true });
  // Spawn and exit times (epoch ms) around the log, to see start-up and shutdown beside its own lines.
  if (workerLog) await writeFile(workerLog, `spawn ${spawnedAt}\n${worker.stderr}exit ${exitedAt}\n`);
  if (code !== 0) throw new Error(`the drain worker failed: ${worker.stderr}`);
  const rows = Number(/messages consumed\s+([\d,]+)/.exec(worker.stdout)?.[1].replace(/,/g, '') ?? 0);
  const toLastFile = (lastSegmentAt(worker.stderr) - spawnedAt) / 1000;
  return { seconds, rows, cpu, toLastFile };
}

async function cleanUp(): Promise<void> {
  const bench = topicsUsed;
  const kafka = new Kafka({ brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).admin();
  await kafka
    .connect()
    .then(() => kafka.deleteTopics({ topics: bench.filter((t) => t.includes('.kafka.')) }))
    .catch(() => {})
    .finally(() => kafka.disconnect());
  const redis = new Redis('redis://127.0.0.1:6379/0');
  const keys = await redis.keys(`*hfbench.*${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  if (only.includes('amqp')) {
    const conn = await amqp.connect(URLS.amqp);
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    for (const t of bench.filter((x) => x.includes('.amqp.'))) {
      for (const q of [`task_${t}`, `task_${t}.dlx`]) await ch.deleteQueue(q).catch(() => {});
      for (const x of [`task_${t}`, `task_${t}.dlx`]) await ch.deleteExchange(x).catch(() => {});
    }
    await conn.close().catch(() => {});
  }
  if (only.includes('nats')) {
    const nc = await natsConnect({ servers: '127.0.0.1:4222' });
    await (await jetstreamManager(nc)).streams.delete(NATS_STREAM).catch(() => {});
    await nc.close();
  }
}

/** Skipped phases (--phases) print as '–'. */
const rate = (n: number, s: number) => (Number.isNaN(s) ? '–' : Math.round(n / s).toLocaleString('en-US'));
const count = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US');
console.log(
  `${records.toLocaleString('en-US')} records of ${Math.round(payload.reduce((a, r) => a + r.value.length, 0) / records)} B per broker`,
);
console.log(
  '| broker | publish msgs/s | pipeline 1 worker rec/s | pipeline 2 workers rec/s | drain 1 worker rec/s | to its last file rec/s | drain worker CPU s | rows written (1 w / 2 w / drain) |',
);
console.log('|---|---|---|---|---|---|---|---|');
try {
  for (const name of only) {
    const url = URLS[name];
    const skipped = { seconds: Number.NaN, rows: Number.NaN };
    let pub = Number.NaN;
    if (phases.includes('publish')) {
      const broker = await openBroker(url);
      pub = await publishAll(broker, messages(newTopic(name, 'publish')));
      await broker.close();
    }
    const one = phases.includes('pipeline') ? await pipeline(name, url, 1) : skipped;
    const two = phases.includes('pipeline') ? await pipeline(name, url, 2) : skipped;
    // Pub/Sub and the fan-out middleware keep nothing for an absent worker: no backlog to drain.
    const backlog =
      name === 'redis' || name === 'redis+fanout' || !phases.includes('drain')
        ? undefined
        : await drain(name, url);
    // Pub/Sub hands every record to every worker; a shortfall is loss (Redis cuts a subscriber that lags).
    const copies = (n: number) => (name === 'redis' ? n : 1);
    const cell = (r: { seconds: number; rows: number }, n: number) =>
      `${rate(records, r.seconds)}${r.rows < records * copies(n) ? ` (lost ${(records * copies(n) - r.rows).toLocaleString('en-US')})` : ''}`;
    console.log(
      `| ${name} | ${rate(records, pub)} | ${cell(one, 1)} | ${cell(two, 2)} | ${backlog ? cell(backlog, 1) : phases.includes('drain') ? '– (keeps nothing)' : '–'} | ${backlog ? rate(records, backlog.toLastFile) : '–'} | ${backlog ? backlog.cpu.toFixed(1) : '–'} | ${count(one.rows)} / ${count(two.rows)} / ${count(backlog?.rows)} |`,
    );
  }
} finally {
  await cleanUp();
}
console.log(`rss of the bench process ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
