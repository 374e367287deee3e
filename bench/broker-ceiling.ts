/**
 * The client's own ceiling for bench:brokers' drain column: the same backlog (simulator records published
 * by heroflow's adapter while the group's only member is away), read by a bare client loop that does
 * nothing but take each message and acknowledge it the cheapest way its broker allows, with no Parquet.
 * The ratio drain ÷ ceiling says how much of the gap is heroflow's and how much is the client and broker.
 *
 *   redis+streams  ioredis: XREADGROUP GROUP g c COUNT --count STREAMS s >, one XACK of the batch's ids per
 *                  read (sent without waiting for its reply: the next read goes out at once)
 *   amqp           amqplib: basic.qos --prefetch, consume, one `basic.ack multiple` per --count deliveries
 *   nats           @nats-io/jetstream: consume({ max_messages: --count }) on the group's durable consumer
 *                  (AckPolicy.Explicit, as heroflow creates it), one ack per message
 *   mqtt           mqtt.js 5: the group member's persistent session, QoS 1, mqtt.js' automatic PUBACK
 *                  (with --mqtt-hold N [--mqtt-ack-delay MS]: PUBACKs held back and sent N at a time, MS
 *                  late: the worker's pattern)
 *
 *   node --import tsx bench/broker-ceiling.ts --only redis+streams,amqp,nats,mqtt [--records 300000]
 *        [--count 1000] [--prefetch 20000]
 *
 * Publisher, bare client and broker share the machine; records/s = records / seconds from the client's
 * connect to its last message (the same span as the drain column: start-up included).
 */
import { randomBytes } from 'node:crypto';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nanos, connect as natsConnect } from '@nats-io/transport-node';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { queueFor } from '../src/brokers/amqp/names.js';
import { DEFAULT_QUEUE_GROUP } from '../src/brokers/amqp/url.js';
import { NatsBroker } from '../src/brokers/nats/broker.js';
import { consumerName } from '../src/brokers/nats/subscription.js';
import type { RedisStreamsBroker } from '../src/brokers/redis/streams.js';
import { openBroker } from '../src/brokers/registry.js';
import { HEADER_MSG_ID } from '../src/brokers/types.js';
import { benchArgs } from './cli-args.js';
import { simulatorRecords } from './kafka-clients.js';

const BROKERS = ['redis+streams', 'amqp', 'nats', 'mqtt'] as const;
const cli = benchArgs({
  usage: `usage: node --import tsx bench/broker-ceiling.ts [options]
  --only a,b           ${BROKERS.join(', ')} (default all four)
  --records N          backlog per broker (default 300000)
  --count N            batch per read / per ack (default 1000)
  --prefetch N         RabbitMQ basic.qos (default 20000, heroflow's default)
  --mqtt-hold N        hold MQTT PUBACKs and send them N at a time, as the worker does per file (default 0: at once)
  --mqtt-ack-delay MS  with --mqtt-hold: send each burst MS later, the worker's encode and write time (default 0)
  --help               this text`,
  options: {
    only: { type: 'string', default: BROKERS.join(',') },
    records: { type: 'string', default: '300000' },
    count: { type: 'string', default: '1000' },
    prefetch: { type: 'string', default: '20000' },
    'mqtt-hold': { type: 'string', default: '0' },
    'mqtt-ack-delay': { type: 'string', default: '0' },
  },
});
const records = cli.wholeNumber('records');
const count = cli.wholeNumber('count');
const prefetch = cli.wholeNumber('prefetch');
const mqttHold = cli.wholeNumber('mqtt-hold', 0);
const mqttAckDelay = cli.wholeNumber('mqtt-ack-delay', 0);
const only = cli.listOf('only', BROKERS);
const NATS_STREAM = 'HFCEIL';
const URLS: Record<(typeof BROKERS)[number], string> = {
  'redis+streams': 'redis+streams://127.0.0.1:6379/0',
  amqp: 'amqp://guest:guest@127.0.0.1:5672',
  nats: `nats://127.0.0.1:4222?stream=${NATS_STREAM}&prefix=hfceil`,
  mqtt: 'mqtt://127.0.0.1:1883',
};
const run = randomBytes(3).toString('hex');
const payload = simulatorRecords(records);

/**
 * The drain's set-up: the group joins once and leaves, then the backlog is published. For NATS the
 * durable consumer is made here with heroflow's config instead: a closed member's last pull request
 * stays on nats-server 2.9.10 and takes up to its max_messages of what is published next, back only
 * after ack_wait (30 s), which would measure the pull's expiry rather than the client.
 */
async function backlog(url: string, topic: string, group: string, consumerId: string): Promise<void> {
  const broker = await openBroker(url);
  if (broker instanceof NatsBroker) {
    await broker.ensureStream();
    await broker.jsm.consumers.add(NATS_STREAM, {
      durable_name: consumerName(group, topic),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: broker.subject(topic),
      ack_wait: nanos(30_000),
      max_ack_pending: broker.settings.maxAckPending,
    });
  } else {
    const sub = broker.subscribe({ topics: [topic], group, consumerId, from: 'earliest' });
    await sub.ready();
    await sub.close();
  }
  const msgs = payload.map((r, i) => ({
    topic,
    key: r.key,
    value: r.value,
    headers: { [HEADER_MSG_ID]: `${run}-${i}` },
  }));
  for (let i = 0; i < msgs.length; i += 1000) await broker.publish(msgs.slice(i, i + 1000));
  await broker.close();
}

async function redisStreams(topic: string, group: string): Promise<number> {
  const broker = (await openBroker(URLS['redis+streams'])) as RedisStreamsBroker;
  const stream = broker.streamOf(topic);
  await broker.close();
  const t0 = performance.now();
  const r = new Redis('redis://127.0.0.1:6379/0');
  const acks: Promise<unknown>[] = [];
  let got = 0;
  while (got < records) {
    const res = (await r.xreadgroupBuffer(
      'GROUP',
      group,
      'c0',
      'COUNT',
      count,
      'BLOCK',
      2000,
      'STREAMS',
      stream,
      '>',
    )) as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
    const entries = res?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    got += entries.length;
    acks.push(r.xack(stream, group, ...entries.map(([id]) => id)));
  }
  await Promise.all(acks);
  const s = (performance.now() - t0) / 1000;
  await r.del(stream);
  r.disconnect();
  return got === records ? s : Number.NaN;
}

async function rabbit(topic: string, group: string): Promise<number> {
  const t0 = performance.now();
  const conn = await amqp.connect(URLS.amqp);
  const ch = await conn.createChannel();
  await ch.prefetch(prefetch);
  let got = 0;
  await new Promise<void>((done) => {
    void ch.consume(queueFor(topic, group, DEFAULT_QUEUE_GROUP), (msg) => {
      if (!msg) return;
      got++;
      if (got % count === 0 || got === records) ch.ack(msg, true);
      if (got === records) done();
    });
  });
  const s = (performance.now() - t0) / 1000;
  for (const q of [`task_${topic}@${group}`, `task_${topic}.dlx`]) await ch.deleteQueue(q).catch(() => {});
  for (const x of [`task_${topic}`, `task_${topic}.dlx`]) await ch.deleteExchange(x).catch(() => {});
  await conn.close();
  return s;
}

async function nats(topic: string, group: string): Promise<number> {
  const t0 = performance.now();
  const nc = await natsConnect({ servers: '127.0.0.1:4222' });
  const consumer = await jetstream(nc).consumers.get(NATS_STREAM, consumerName(group, topic));
  const policy = (await consumer.info()).config.ack_policy;
  if (policy !== AckPolicy.Explicit) throw new Error(`expected an explicit-ack consumer, got ${policy}`);
  const iter = await consumer.consume({ max_messages: count });
  let got = 0;
  let s = Number.NaN;
  for await (const m of iter) {
    m.ack();
    if (++got < records) continue;
    // Leaving the loop waits for the open pull request to expire: the clock stops at the last ack sent.
    await nc.flush();
    s = (performance.now() - t0) / 1000;
    break;
  }
  await (await jetstreamManager(nc)).streams.delete(NATS_STREAM).catch(() => {});
  await nc.close();
  return s;
}

async function mosquitto(topic: string, group: string, consumerId: string): Promise<number> {
  const t0 = performance.now();
  let got = 0;
  let client: mqtt.MqttClient | undefined;
  await new Promise<void>((done, fail) => {
    client = mqtt.connect('mqtt://127.0.0.1:1883', {
      clientId: `hf-${group}-${consumerId}`,
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 60, receiveMaximum: 20_000 },
      resubscribe: false,
    });
    client.on('error', fail);
    if (mqttHold === 0) {
      client.on('message', (t) => {
        if (t === topic && ++got === records) done();
      });
      return;
    }
    // The worker's pattern: PUBACKs held back and sent in a burst of --mqtt-hold (one durable file).
    const c = client;
    const send = (c as unknown as { _sendPacket: (p: object) => void })._sendPacket.bind(c);
    const held: number[] = [];
    const flush = () => {
      const ids = held.splice(0);
      const ack = () => {
        for (const messageId of ids) send({ cmd: 'puback', messageId, reasonCode: 0 });
      };
      if (mqttAckDelay > 0) setTimeout(ack, mqttAckDelay);
      else ack();
    };
    c.handleMessage = (packet, callback) => {
      if (packet.messageId !== undefined) held.push(packet.messageId);
      callback(new Error('deferred'));
      if (held.length >= mqttHold) flush();
      if (packet.topic === topic && ++got === records) {
        flush();
        done();
      }
    };
  });
  const s = (performance.now() - t0) / 1000;
  await client?.endAsync();
  return s;
}

console.log(`${records.toLocaleString('en-US')} records per broker, batch ${count}`);
console.log('| broker | bare client rec/s |');
console.log('|---|---|');
for (const name of only) {
  const topic = `hfceil.${name.replace('+', '-')}.${run}`;
  const group = `hfceil-${run}`;
  await backlog(URLS[name], topic, group, `${group}-0`);
  let s: number;
  if (name === 'redis+streams') s = await redisStreams(topic, group);
  else if (name === 'amqp') s = await rabbit(topic, group);
  else if (name === 'nats') s = await nats(topic, group);
  else s = await mosquitto(topic, group, `${group}-0`);
  console.log(
    `| ${name} | ${Number.isNaN(s) ? 'short read' : Math.round(records / s).toLocaleString('en-US')} |`,
  );
}
