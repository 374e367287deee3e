/**
 * `--wire upstream` (issue 13): heroflow publishes and declares exactly as the upstream Python programs do,
 * so their consumers can read heroflow's records. Each case also runs the default wire and shows the
 * difference an upstream consumer trips on (a header, a heroflow envelope, a queue argument).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { AmqpBroker } from '../../src/brokers/amqp/index.js';
import { openBroker } from '../../src/brokers/index.js';
import type { WireFormat } from '../../src/brokers/types.js';
import { PIPELINE_DEFAULTS } from '../../src/config/index.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { createBrokerDestination } from '../../src/transport/index.js';
import { Worker } from '../../src/worker/index.js';
import { collect } from '../contract/collect.js';
import { allRows } from '../helpers/parquet.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const suffix = () => randomBytes(4).toString('hex');
const START_TASK =
  '{"TIMESTAMP": "2023-09-01T12:00:00Z", "PAYLOAD": {"GAME_TOKEN": "g", "PARTICIPANTS": ["u"], "PARTICIPANTS_HEROS": {"u": {"id": 7, "attack": 3, "health": 9}}}, "STATUS": {"GAME": "START"}}';

/** Logs `n` Starting Match records to `topic` through the transport's in-thread destination. */
async function logThrough(url: string, wire: WireFormat, topic: string, n: number): Promise<void> {
  const broker = await openBroker(url, { wire });
  await broker.ensureTopics([{ topic, partitions: 1 }]);
  const destination = createBrokerDestination(broker, { wire });
  const log = pino({ base: undefined }, destination).child({ name: 'kafka.lib.server.lobby' });
  for (let i = 0; i < n; i++) log.info({ queue: topic, task: START_TASK }, 'Starting Match');
  await destination.flush();
  await broker.close();
}

describe('--wire upstream on Kafka', { skip: await skipUnlessService('kafka') }, () => {
  const url = SERVICE_URLS.kafka;

  it('publishes no header (aiokafka hands upstream a tuple it rejects), and the worker keys rows by position', async () => {
    for (const wire of ['heroflow', 'upstream'] as const) {
      const topic = `wire-${wire}-${suffix()}`;
      await logThrough(url, wire, topic, 3);
      const broker = await openBroker(url);
      const sub = broker.subscribe({ topics: [topic], group: `g-${suffix()}`, from: 'earliest' });
      const got = await collect(sub, 3);
      await sub.close();
      await broker.close();
      const headers = got.map((d) => Object.keys(d.headers ?? {}).length);
      if (wire === 'upstream') assert.deepEqual(headers, [0, 0, 0]);
      else assert.deepEqual(headers, [1, 1, 1]);
    }

    const topic = `wire-rows-${suffix()}`;
    await logThrough(url, 'upstream', topic, 2);
    const storage = new MemoryStorage();
    const broker = await openBroker(url);
    const worker = new Worker({
      broker,
      storage,
      topics: [topic],
      group: `g-${suffix()}`,
      from: 'earliest',
      mode: 'streaming',
      ...PIPELINE_DEFAULTS,
      idleExitMs: 3000,
    });
    await worker.run();
    await broker.close();
    const rows = await allRows(storage, 'lib_server_lobby');
    assert.deepEqual(
      rows.map((r) => [r.msg_id, r.superhero_id]),
      [
        [`${topic}/0@0`, 7],
        [`${topic}/0@1`, 7],
      ],
    );
  });
});

describe('--wire upstream on Redis Pub/Sub', { skip: await skipUnlessService('redis') }, () => {
  it("publishes upstream's double-encoded JSON instead of heroflow's envelope", async () => {
    for (const wire of ['heroflow', 'upstream'] as const) {
      const prefix = `wire${suffix()}.`;
      const url = `${SERVICE_URLS.redis}?prefix=${prefix}`;
      const topic = 'lib.server.lobby';
      const raw = new Redis(SERVICE_URLS.redis);
      const payloads: string[] = [];
      raw.on('message', (_channel: string, message: string) => payloads.push(message));
      await raw.subscribe(`${prefix}${topic}`);
      await logThrough(url, wire, topic, 1);
      for (let i = 0; i < 100 && payloads.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      raw.disconnect();
      assert.equal(payloads.length, 1, wire);
      // Upstream's worker does json.loads(json.loads(payload)) and reads the envelope's keys.
      const once = JSON.parse(payloads[0]) as unknown;
      if (wire === 'upstream') {
        assert.equal(typeof once, 'string');
        assert.equal((JSON.parse(once as string) as { log_message: string }).log_message, 'Starting Match');
      } else {
        assert.equal(typeof once, 'object', 'heroflow wraps the record in its own envelope');
      }
    }
  });
});

describe('--wire upstream on RabbitMQ', { skip: await skipUnlessService('rabbitmq') }, () => {
  it("declares task_<topic> as upstream's worker does, so its own declaration does not fail with 406", async () => {
    for (const wire of ['heroflow', 'upstream'] as const) {
      const topic = `wire.${wire}.${suffix()}`;
      const broker = (await openBroker(SERVICE_URLS.rabbitmq, { wire })) as AmqpBroker;
      await broker.ensureTopics([{ topic, partitions: 1 }]);
      await broker.close();
      // pika: channel.queue_declare('task_<WORKER_CHANNEL>', durable=True)
      const conn = await amqp.connect(SERVICE_URLS.rabbitmq);
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      const declared = await ch.assertQueue(`task_${topic}`, { durable: true }).then(
        () => 'ok',
        (err: { code?: number }) => String(err.code),
      );
      const cleanup = await conn.createChannel();
      await cleanup.deleteQueue(`task_${topic}`);
      await conn.close();
      assert.equal(declared, wire === 'upstream' ? 'ok' : '406', wire);
    }
  });
});
