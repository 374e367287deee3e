/**
 * Kafka read side, one run: a topic of simulator-like records, then the same topic read by
 *   1. kcat (librdkafka, C): the ceiling of this machine and broker,
 *   2. a bare kafkajs consumer (eachBatch, nothing else),
 *   3. heroflow's Kafka adapter: pull batches through the Subscription and commit them,
 *   4. heroflow's Kafka → Parquet pipeline: 1 and 2 `heroflow worker` processes (the compiled CLI, so
 *      `npm run build` first) in one group writing zstd Parquet to a temp directory. Their time runs
 *      from spawn (start-up and group join included, as kcat's includes its own) to exit, minus the
 *      --exit-when-idle wait that ends them; the rows written are checked against the records.
 *
 *   npx tsx bench/kafka-pipeline.ts [--records 1000000] [--partitions 4] [--brokers 127.0.0.1:9092]
 *     [--only kcat,kafkajs,adapter,pipeline1,pipeline2] [--keep (leave the topic, e.g. to profile a worker on it)]
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { openBroker } from '../src/brokers/registry.js';
import { arg, simulatorRecords } from './kafka-clients.js';

const records = Number(arg('records', '1000000'));
const partitions = Number(arg('partitions', '4'));
const brokers = arg('brokers', '127.0.0.1:9092');
const topic = `bench.pipeline.${randomBytes(4).toString('hex')}`;
const only = new Set(arg('only', 'kcat,kafkajs,adapter,pipeline1,pipeline2').split(','));
/** The workers stop by themselves after this long without a message; it is not part of their time. */
const IDLE_EXIT_S = 2;

function report(name: string, seconds: number, bytes: number): string {
  const line = `| ${name} | ${records} | ${seconds.toFixed(2)} | ${(records / seconds).toFixed(0)} | ${(bytes / seconds / 1e6).toFixed(1)} |`;
  console.log(line);
  return line;
}

/** kcat is the fastest way to fill the topic (and is what the read ceiling is measured with). */
async function prepare(): Promise<number> {
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  let bytes = 0;
  const kcat = spawn('kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-z', 'none'], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const chunk = 100_000;
  for (let i = 0; i < records; i += chunk) {
    const recs = simulatorRecords(Math.min(chunk, records - i));
    const lines = recs.map((r) => `${r.key}\t${r.value.toString()}\n`).join('');
    for (const r of recs) bytes += r.value.length;
    if (!kcat.stdin.write(lines)) await new Promise((r) => kcat.stdin.once('drain', r));
  }
  kcat.stdin.end();
  await new Promise((resolve, reject) =>
    kcat.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`kcat -P exited ${code}`)))),
  );
  return bytes;
}

function kcatRead(): number {
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', `kcat -C -b ${brokers} -t ${topic} -e -o beginning -q > /dev/null`], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`kcat -C exited ${r.status}`);
  return (performance.now() - t0) / 1000;
}

async function kafkajsRead(): Promise<number> {
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const c = kafka.consumer({
    groupId: `bench-${randomBytes(4).toString('hex')}`,
    maxBytesPerPartition: 4 << 20,
  });
  await c.connect();
  await c.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  const t0 = performance.now();
  const done = new Promise<number>((resolve) => {
    void c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= records) resolve(performance.now());
      },
    });
  });
  const t1 = await done;
  await c.disconnect();
  return (t1 - t0) / 1000;
}

async function adapterRead(): Promise<number> {
  const broker = await openBroker(`kafka://${brokers}`, {});
  const sub = broker.subscribe({
    topics: [topic],
    group: `bench-${randomBytes(4).toString('hex')}`,
    from: 'earliest',
    maxBatch: 2000,
  });
  const t0 = performance.now();
  let seen = 0;
  for await (const batch of sub) {
    seen += batch.length;
    await sub.commit(batch);
    if (seen >= records) break;
  }
  const t1 = performance.now();
  await sub.close();
  await broker.close();
  return (t1 - t0) / 1000;
}

/** `n` heroflow worker processes in one new group; resolves with seconds and the messages they consumed. */
async function pipelineRead(n: number): Promise<{ seconds: number; consumed: number }> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-bench-'));
  const group = `bench-${randomBytes(4).toString('hex')}`;
  const bin = path.resolve('bin/heroflow.js');
  const t0 = performance.now();
  const runs = Array.from({ length: n }, () => {
    const child = spawn(
      process.execPath,
      [
        bin,
        'worker',
        '--broker',
        `kafka://${brokers}`,
        '--topics',
        topic,
        '--group',
        group,
        '--out',
        out,
      ].concat(['--exit-when-idle', `${IDLE_EXIT_S}s`, '--log-level', 'warning']),
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (b) => {
      stdout += b;
    });
    return new Promise<number>((resolve, reject) =>
      child.on('exit', (code) => {
        if (code !== 0) reject(new Error(`heroflow worker exited ${code}`));
        else resolve(Number(/messages consumed\s+([\d,]+)/.exec(stdout)?.[1].replace(/,/g, '') ?? 0));
      }),
    );
  });
  const consumed = (await Promise.all(runs)).reduce((a, b) => a + b, 0);
  const seconds = (performance.now() - t0) / 1000 - IDLE_EXIT_S;
  await rm(out, { recursive: true, force: true });
  return { seconds, consumed };
}

console.log(`preparing ${records} records on ${topic} (${partitions} partitions)…`);
const bytes = await prepare();
console.log(
  `${(bytes / records).toFixed(0)} B average value; times include the consumer group join where there is one`,
);
console.log('| reader | records | s | msgs/s | MB/s |\n|---|---|---|---|---|');
if (only.has('kcat')) report('kcat -C (librdkafka)', kcatRead(), bytes);
if (only.has('kafkajs')) report('kafkajs eachBatch (bare)', await kafkajsRead(), bytes);
if (only.has('adapter')) report('heroflow kafka adapter (pull + commit)', await adapterRead(), bytes);
for (const n of [1, 2]) {
  if (!only.has(`pipeline${n}`)) continue;
  const { seconds, consumed } = await pipelineRead(n);
  report(`heroflow Kafka → Parquet, ${n} worker process${n > 1 ? 'es' : ''}`, seconds, bytes);
  if (consumed !== records) console.log(`  (!) the workers consumed ${consumed} of ${records}`);
}
if (process.argv.includes('--keep')) {
  console.log(`kept ${topic}`);
  process.exit(0);
}
const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin.deleteTopics({ topics: [topic] }).catch(() => {});
await admin.disconnect();
