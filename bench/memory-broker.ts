/**
 * Memory broker throughput with 1 KB messages: publish rate, then consume (+ commit) rate of one group.
 *
 *   node --import tsx bench/memory-broker.ts [--messages 200000] [--partitions 4]
 *
 * The old positional form (`bench/memory-broker.ts 200000 4`) still works.
 */
import { randomBytes } from 'node:crypto';
import { openBroker } from '../src/brokers/registry.js';
import type { Message } from '../src/brokers/types.js';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: node --import tsx bench/memory-broker.ts [options]   (or the old form: [messages] [partitions])
  --messages N     1 KB messages published, then consumed (default 200000)
  --partitions N   partitions of the topic (default 4)
  --help           this text`,
  options: {
    messages: { type: 'string', default: '200000' },
    partitions: { type: 'string', default: '4' },
  },
  positionals: ['messages', 'partitions'],
});
const total = cli.wholeNumber('messages');
const partitions = cli.wholeNumber('partitions');
const batchSize = 1_000;
const topic = 'bench';

const broker = await openBroker(`memory://bench?partitions=${partitions}`);
const sub = broker.subscribe({ topics: [topic], group: 'bench', from: 'earliest', maxBatch: batchSize });
await sub.ready();

const value = randomBytes(1024);
const batch: Message[] = Array.from({ length: batchSize }, (_, i) => ({
  topic,
  key: `player-${i % 64}`,
  value,
  headers: { 'heroflow-msg-id': `m${i}` },
}));

let start = process.hrtime.bigint();
for (let sent = 0; sent < total; sent += batchSize) await broker.publish(batch);
const publishSeconds = Number(process.hrtime.bigint() - start) / 1e9;

start = process.hrtime.bigint();
let received = 0;
for await (const deliveries of sub) {
  received += deliveries.length;
  await sub.commit(deliveries);
  if (received >= total) break;
}
const consumeSeconds = Number(process.hrtime.bigint() - start) / 1e9;
await broker.close();

const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')} msgs/s`;
const mb = (n: number, s: number) => `${((n * 1024) / s / 1e6).toFixed(0)} MB/s`;
console.log(`memory broker, ${total} × 1 KB, ${partitions} partitions, batches of ${batchSize}`);
console.log(`publish: ${rate(total, publishSeconds)} (${mb(total, publishSeconds)})`);
console.log(`consume + commit: ${rate(received, consumeSeconds)} (${mb(received, consumeSeconds)})`);
