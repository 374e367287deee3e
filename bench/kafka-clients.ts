/**
 * Kafka client shoot-out on the real broker: plain produce, then plain consume (new group, from the
 * beginning) of the same simulator-like records with each candidate client.
 *
 *   npx tsx bench/kafka-clients.ts [--records 200000] [--brokers 127.0.0.1:9092]
 *        [--clients kafkajs,platformatic,confluent] [--confluent-dir /tmp/ckjs-scratch]
 *
 * @confluentinc/kafka-javascript is not a project dependency (a native build on every npm ci); it is
 * loaded from --confluent-dir when that folder holds an install of it, and skipped otherwise.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Consumer as PConsumer, Producer as PProducer } from '@platformatic/kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { benchArgs } from './cli-args.js';

export function simulatorRecords(n: number): { key: string; value: Buffer }[] {
  const games = Array.from({ length: 64 }, () => randomUUID());
  const out: { key: string; value: Buffer }[] = new Array(n);
  const t0 = Date.parse('2026-11-23T09:00:00Z');
  for (let i = 0; i < n; i++) {
    const game = games[i % games.length];
    const ts = new Date(t0 + i * 3).toISOString();
    const prior = 1000 + (i % 997);
    const task = JSON.stringify({
      TIMESTAMP: ts.slice(0, 19),
      PAYLOAD: { GAME_TOKEN: game, USER_TOKEN: `u${i % 10}` },
      STATUS: {
        ACTION: 'ATTACK',
        DETAILS: {
          ENEMY_TOKEN: `u${(i + 1) % 10}`,
          ENEMY_DAMAGE: 17,
          ENEMY_HEALTH_PRIOR: prior,
          ENEMY_HEALTH_POST: prior - 17,
        },
      },
    });
    const envelope = {
      level: 'INFO',
      timestamp: ts.replace('Z', ''),
      name: 'kafka.lib.server.game',
      log_message: 'Attack Completed',
      task,
    };
    out[i] = { key: game, value: Buffer.from(JSON.stringify(envelope)) };
  }
  return out;
}

const CLIENTS = ['kafkajs', 'platformatic', 'confluent'] as const;
const USAGE = `usage: npx tsx bench/kafka-clients.ts [options]
  --records N             records produced, then consumed, per client (default 200000)
  --brokers host:port     Kafka bootstrap list, comma-separated (default 127.0.0.1:9092)
  --clients a,b           ${CLIENTS.join(', ')} (default all three)
  --confluent-dir DIR     a folder holding an install of @confluentinc/kafka-javascript (default /tmp/ckjs-scratch)
  --help                  this text`;
const PARTITIONS = 4;
const BATCH = 1000;
const IN_FLIGHT = 8;

type Rec = { key: string; value: Buffer };
interface Client {
  produce(topic: string, recs: Rec[]): Promise<void>;
  /** Resolves with the time of the first message and of the n-th. */
  consume(topic: string, n: number): Promise<{ first: number; last: number; bytes: number }>;
}

/** Up to IN_FLIGHT batches outstanding: every client gets the same pipelining. */
async function pipelined(recs: Rec[], send: (batch: Rec[]) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < recs.length) {
      const batch = recs.slice(next, next + BATCH);
      next += BATCH;
      await send(batch);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

function kafkajsClient(brokers: string[]): Client {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
  return {
    async produce(topic, recs) {
      const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await p.connect();
      await pipelined(recs, (batch) => p.send({ topic, acks: -1, messages: batch }));
      await p.disconnect();
    },
    async consume(topic, n) {
      const c = kafka.consumer({
        groupId: `bench-${randomBytes(4).toString('hex')}`,
        maxBytesPerPartition: 4 << 20,
      });
      await c.connect();
      await c.subscribe({ topics: [topic], fromBeginning: true });
      let seen = 0;
      let bytes = 0;
      let first = 0;
      const done = new Promise<number>((resolve) => {
        void c.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (!first) first = performance.now();
            for (const m of batch.messages) bytes += m.value?.length ?? 0;
            seen += batch.messages.length;
            if (seen >= n) resolve(performance.now());
          },
        });
      });
      const last = await done;
      await c.disconnect();
      return { first, last, bytes };
    },
  };
}

function platformaticClient(brokers: string[]): Client {
  const base = { clientId: 'bench-platformatic', bootstrapBrokers: brokers };
  return {
    async produce(topic, recs) {
      const p = new PProducer(base);
      await pipelined(recs, (batch) =>
        p.send({
          acks: -1,
          messages: batch.map((r) => ({ topic, key: Buffer.from(r.key), value: r.value })),
        }),
      );
      await p.close();
    },
    async consume(topic, n) {
      const c = new PConsumer({ ...base, groupId: `bench-${randomBytes(4).toString('hex')}` });
      const stream = await c.consume({
        topics: [topic],
        mode: 'earliest',
        autocommit: false,
        maxBytesPerPartition: 4 << 20,
      });
      let seen = 0;
      let bytes = 0;
      let first = 0;
      let last = 0;
      for await (const m of stream) {
        if (!first) first = performance.now();
        bytes += (m.value as Buffer).length;
        if (++seen >= n) {
          last = performance.now();
          break;
        }
      }
      await stream.close();
      await c.close(true);
      return { first, last, bytes };
    },
  };
}

async function confluentClient(confluentDir: string, brokers: string[]): Promise<Client | undefined> {
  const entry = path.join(confluentDir, 'node_modules/@confluentinc/kafka-javascript');
  if (!existsSync(entry)) return undefined;
  // Loaded by path on purpose: it is measured from a scratch install, never required by the project.
  const { KafkaJS } = createRequire(path.join(confluentDir, 'x.js'))('@confluentinc/kafka-javascript');
  const kafka = new KafkaJS.Kafka({ kafkaJS: { clientId: 'bench-confluent', brokers, logLevel: 0 } });
  return {
    async produce(topic, recs) {
      const p = kafka.producer({ kafkaJS: { acks: -1 }, 'linger.ms': 5 });
      await p.connect();
      await pipelined(recs, (batch) => p.send({ topic, messages: batch }));
      await p.disconnect();
    },
    async consume(topic, n) {
      const c = kafka.consumer({
        kafkaJS: {
          groupId: `bench-${randomBytes(4).toString('hex')}`,
          fromBeginning: true,
          autoCommit: false,
        },
      });
      await c.connect();
      await c.subscribe({ topics: [topic] });
      let seen = 0;
      let bytes = 0;
      let first = 0;
      const done = new Promise<number>((resolve) => {
        void c.run({
          eachBatch: async ({ batch }: { batch: { messages: { value: Buffer | null }[] } }) => {
            if (!first) first = performance.now();
            for (const m of batch.messages) bytes += m.value?.length ?? 0;
            seen += batch.messages.length;
            if (seen >= n) resolve(performance.now());
          },
        });
      });
      const last = await done;
      await c.disconnect();
      return { first, last, bytes };
    },
  };
}

async function main(): Promise<void> {
  const cli = benchArgs({
    usage: USAGE,
    options: {
      records: { type: 'string', default: '200000' },
      brokers: { type: 'string', default: '127.0.0.1:9092' },
      clients: { type: 'string', default: CLIENTS.join(',') },
      'confluent-dir': { type: 'string', default: '/tmp/ckjs-scratch' },
    },
  });
  const records = cli.wholeNumber('records');
  const brokers = cli.required('brokers').split(',');
  const clients = cli.listOf('clients', CLIENTS);
  const confluentDir = cli.values['confluent-dir'];
  const recs = simulatorRecords(records);
  const totalBytes = recs.reduce((s, r) => s + r.value.length, 0);
  console.log(`${records} records, ${(totalBytes / records).toFixed(0)} B average, ${PARTITIONS} partitions`);
  const admin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const rows: string[] = [
    '| client | produce msgs/s | produce MB/s | consume msgs/s | consume MB/s |',
    '|---|---|---|---|---|',
  ];
  for (const name of clients) {
    const client =
      name === 'kafkajs'
        ? kafkajsClient(brokers)
        : name === 'platformatic'
          ? platformaticClient(brokers)
          : await confluentClient(confluentDir, brokers);
    if (!client) {
      console.log(`# ${name}: not installed in ${confluentDir}, skipped`);
      continue;
    }
    const topic = `bench.clients.${name}.${randomBytes(4).toString('hex')}`;
    await admin.createTopics({
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const t0 = performance.now();
    await client.produce(topic, recs);
    const produceS = (performance.now() - t0) / 1000;
    const { first, last, bytes } = await client.consume(topic, records);
    const consumeS = (last - first) / 1000;
    const row = [
      name,
      (records / produceS).toFixed(0),
      (totalBytes / produceS / 1e6).toFixed(1),
      (records / consumeS).toFixed(0),
      (bytes / consumeS / 1e6).toFixed(1),
    ];
    console.log(
      `${name}: produce ${produceS.toFixed(2)} s, consume ${consumeS.toFixed(2)} s (first→last message)`,
    );
    rows.push(`| ${row.join(' | ')} |`);
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  }
  await admin.disconnect();
  console.log(rows.join('\n'));
}

// Run only when executed: bench/brokers.ts and bench/broker-ceiling.ts import the record generator from here.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
