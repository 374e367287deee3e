/**
 * What a Kafka client alone costs per record: one process reads existing topics from the beginning with a
 * new group and does nothing with the messages but count them (the offset made a BigInt and the msg-id
 * header looked up, as the worker's adapter does). Prints records/s, CPU µs a record and peak RSS: the
 * floor under any worker built on that client, on this Node.
 *
 *   node --import tsx bench/kafka-bare-read.ts --client kafkajs|kafkajs-lean|platformatic --topics a,b --records N
 *        [--brokers 127.0.0.1:9092] [--platformatic-dir /tmp/pk2]
 *
 * `--platformatic-dir` loads @platformatic/kafka from a folder that holds an install of it: the project's
 * own is 1.x (2.x needs Node 22), so measuring 2.x means running this under a newer Node
 * (reference/dependencies.md): `scripts/node-from-npm.sh 24.22.3` gives one; docs/performance.md has the runs.
 * `kafkajs-lean` is kafkajs with heroflow's record batch decoder in place of its own, as the worker runs it
 * (src/brokers/kafka/record-batch-decoder.ts). Start-up and the group join are not timed: the clock starts
 * at the first message.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: node --import tsx bench/kafka-bare-read.ts --topics a,b --records N [options]
  --topics a,b              existing topics to read from the beginning (required)
  --records N               records to read, the topics' total (required)
  --client C                kafkajs, kafkajs-lean (with heroflow's decoder) or platformatic (default kafkajs)
  --brokers host:port       Kafka bootstrap list, comma-separated (default 127.0.0.1:9092)
  --platformatic-dir DIR    load @platformatic/kafka from an install in DIR (default: the project's)
  --help                    this text`,
  options: {
    client: { type: 'string', default: 'kafkajs' },
    topics: { type: 'string' },
    records: { type: 'string' },
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    'platformatic-dir': { type: 'string' },
  },
});
const args = cli.values;
const client = cli.oneOf('client', ['kafkajs', 'kafkajs-lean', 'platformatic']);
const topics = cli.required('topics').split(',');
const N = cli.wholeNumber('records');
const brokers = cli.required('brokers').split(',');
const group = `bare-read-${client}-${Date.now()}`;

let count = 0;
let bytes = 0;
let t0 = 0;
let cpu0: NodeJS.CpuUsage | undefined;
function counted(valueBytes: number): void {
  if (t0 === 0) {
    t0 = performance.now();
    cpu0 = process.cpuUsage();
  }
  count++;
  bytes += valueBytes;
  if (count !== N) return;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `${client} on Node ${process.version}: ${N.toLocaleString('en-US')} records (${(bytes / 1e6).toFixed(0)} MB) ` +
      `in ${ms.toFixed(0)} ms = ${Math.round((N / ms) * 1000).toLocaleString('en-US')} records/s; ` +
      `CPU ${cpuMs.toFixed(0)} ms = ${((cpuMs * 1000) / N).toFixed(2)} µs a record; ` +
      `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  process.exit(0);
}

let sink = 0n; // keeps the per-record work from being optimised away
if (client === 'kafkajs' || client === 'kafkajs-lean') {
  if (client === 'kafkajs-lean') await import('../src/brokers/kafka/record-batch-decoder.js');
  const kafka = new Kafka({ clientId: 'bare-read', brokers, logLevel: logLevel.NOTHING });
  // The worker's adapter settings (src/brokers/kafka/subscription.ts).
  const consumer = kafka.consumer({ groupId: group, maxBytesPerPartition: 1 << 20, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        sink += BigInt(m.offset) + (m.headers?.['heroflow-msg-id'] === undefined ? 0n : 1n);
        counted(m.value?.length ?? 0);
      }
    },
  });
} else {
  const dir = args['platformatic-dir'];
  const lib = dir
    ? createRequire(path.join(dir, 'x.js'))('@platformatic/kafka')
    : await import('@platformatic/kafka');
  const consumer = new lib.Consumer({
    groupId: group,
    clientId: 'bare-read',
    bootstrapBrokers: brokers,
    autocommit: false,
    maxWaitTime: 250,
    // Its default is far smaller; the same order as kafkajs' 1 MiB per partition over the topics.
    maxBytes: 10 << 20,
  });
  const stream = await consumer.consume({ topics, mode: lib.MessagesStreamModes.EARLIEST });
  stream.on('data', (m: { offset: bigint; value?: Buffer; headers: Map<unknown, unknown> }) => {
    sink += m.offset + BigInt(m.headers.size);
    counted(m.value?.length ?? 0);
  });
}
process.on('exit', () => sink === -1n && console.log(sink));
