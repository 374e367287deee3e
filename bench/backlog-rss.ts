/**
 * Is a worker's memory bounded by its settings or by the backlog? One `heroflow worker` drains a Kafka
 * backlog of `--records` simulator records (published first, while no worker runs), and its resident set
 * is sampled once a second from /proc; printed at every tenth of the backlog, with the peak. A bounded
 * worker shows a plateau: the same RSS at 20 % as at 100 %.
 *
 *   node --import tsx bench/backlog-rss.ts [--records 10000000] [--partitions 4]
 *     [--broker kafka://127.0.0.1:9092] [--keep-topic]
 *
 * The records are the bench's (src/bench: the simulator's own, each with a msg_id); the topic is deleted
 * afterwards unless --keep-topic. Files go to a temp directory, removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { publishPlan } from '../src/bench/publisher.js';
import { simulatorPool } from '../src/bench/records.js';
import { ResourceSampler } from '../src/bench/resources.js';
import { startWorker } from '../src/bench/workers.js';
import { openBroker } from '../src/brokers/registry.js';
import { ensureBuilt } from '../test/helpers/cli.js';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: node --import tsx bench/backlog-rss.ts [options]
  --records N      backlog published before the worker starts (default 10000000)
  --partitions N   partitions of the topic (default 4)
  --broker URL     a Kafka broker, kafka://host:port[,host:port] (default kafka://127.0.0.1:9092)
  --keep-topic     leave the topic and group in place afterwards (default: deleted)
  --help           this text`,
  options: {
    records: { type: 'string', default: '10000000' },
    partitions: { type: 'string', default: '4' },
    broker: { type: 'string', default: 'kafka://127.0.0.1:9092' },
    'keep-topic': { type: 'boolean', default: false },
  },
});
const args = cli.values;
const records = cli.wholeNumber('records');
const partitions = cli.wholeNumber('partitions');
// The backlog is a Kafka topic, removed afterwards with Kafka's admin API.
if (!args.broker.startsWith('kafka://')) cli.fail(`--broker must be a kafka:// URL, got ${args.broker}`);
ensureBuilt();
const id = `rss${Date.now().toString(36)}`;
const topic = `hfbench.backlog.${id}`;
const out = await mkdtemp(path.join(os.tmpdir(), 'heroflow-backlog-'));
const broker = await openBroker(args.broker, { partitions: { [topic]: partitions } });
await broker.ensureTopics([{ topic, partitions }]);

const pool = await simulatorPool(40, 'kafka');
let shown = 0;
const pub = await publishPlan({
  broker,
  pool,
  topic,
  runId: id,
  rate: 0,
  producers: 4,
  batchSize: 2000,
  count: records,
  onAcked: (acked) => {
    if (acked - shown >= records / 10) {
      shown = acked;
      process.stderr.write(`published ${acked.toLocaleString('en-US')}\n`);
    }
  },
});
await broker.close();
console.log(
  `backlog: ${pub.acked.toLocaleString('en-US')} records (${pool.meanBytes} B mean) on ${topic}, ${partitions} partitions, published in ${pub.seconds.toFixed(0)} s`,
);

const sampler = new ResourceSampler();
const worker = startWorker({
  brokerUrl: args.broker,
  topic,
  group: `hfbench-${id}`,
  id: `hfbench-${id}-w0`,
  outDir: out,
  rollRows: 100_000,
  rollAgeMs: 10_000,
});
if (worker.pid !== undefined) sampler.addPid('worker', worker.pid);
const t0 = performance.now();
await worker.ready();
let next = 0.1;
let committed = 0;
while (committed < pub.acked) {
  await new Promise((r) => setTimeout(r, 1000));
  committed = (await worker.counts()).committed;
  // stop() takes a sample and returns the series so far; called once a second, it is the sampler here.
  const rss = sampler.stop().series.find((s) => s.label === 'worker')?.rssMiB ?? [];
  while (committed >= pub.acked * next - 0.5 && next <= 1.0001) {
    console.log(
      `${Math.round(next * 100)} % committed after ${((performance.now() - t0) / 1000).toFixed(0)} s: RSS now ${rss.at(-1) ?? '?'} MiB, peak so far ${Math.max(0, ...rss)} MiB`,
    );
    next += 0.1;
  }
}
await worker.stop();
const { summary } = sampler.stop();
const w = summary.find((s) => s.label === 'worker');
const seconds = (performance.now() - t0) / 1000;
console.log(
  `drained ${committed.toLocaleString('en-US')} records in ${seconds.toFixed(0)} s (${Math.round(committed / seconds).toLocaleString('en-US')} records/s); worker peak RSS ${w?.maxRssMiB} MiB, mean CPU ${w?.meanCpu} %`,
);
await rm(out, { recursive: true, force: true });
if (!args['keep-topic']) {
  const admin = new Kafka({ brokers: args.broker.slice(8).split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.deleteGroups([`hfbench-${id}`]).catch(() => {});
  await admin.disconnect();
}
