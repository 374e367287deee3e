/**
 * The RabbitMQ adapter on the real RabbitMQ: the seed findings (messages published before any worker are
 * kept; a worker that stops mid-batch loses nothing), upstream's plain JSON body, dead-lettering,
 * reconnecting after the connection drops, and a clear error when the broker is absent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import amqp from 'amqplib';
import type { AmqpBroker } from '../../src/brokers/amqp/index.js';
import { openBroker } from '../../src/brokers/registry.js';
import { type Broker, HEADER_MSG_ID } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { collect, collectUntil } from '../contract/collect.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { msgs, text } from './kafka-helpers.js';

const skip = await skipUnlessService('rabbitmq');
const url = SERVICE_URLS.rabbitmq;
const uniq = (kind: string) => `hf-amqp-${kind}-${randomBytes(4).toString('hex')}`;

describe('amqp adapter (real RabbitMQ)', { skip }, () => {
  const opened: Broker[] = [];
  const topics: string[] = [];
  const open = async (logs?: string[]) => {
    const b = await openBroker(url, {
      connectTimeoutMs: 5_000,
      log: (level, msg) => logs?.push(`${level} ${msg}`),
    });
    opened.push(b);
    return b;
  };
  const topic = (kind: string) => {
    const t = uniq(kind);
    topics.push(t);
    return t;
  };
  after(async () => {
    await Promise.all(opened.map((b) => b.close()));
    // Durable queues outlive the test; remove what this file declared.
    const conn = await amqp.connect(url);
    const ch = await conn.createChannel();
    for (const t of topics) {
      for (const q of [`task_${t}`, `task_${t}.dlx`]) await ch.deleteQueue(q);
      for (const x of [`task_${t}`, `task_${t}.dlx`]) await ch.deleteExchange(x);
    }
    await conn.close();
  });

  test('seed 000/002: messages published before any worker started are kept for it (publisher declares the queue)', async () => {
    const publisher = await open();
    const t = topic('dead-workers');
    await publisher.publish(msgs(t, 25));
    await publisher.close();
    // The worker starts later, in the queue group whose queue is upstream's task_<topic>.
    const worker = await open();
    const sub = worker.subscribe({ topics: [t], group: 'superhero_sim', from: 'latest' });
    const got = await collect(sub, 25, { timeoutMs: 10_000, commit: true });
    assert.deepEqual(
      got.map(text).sort(),
      msgs(t, 25)
        .map((m) => Buffer.from(m.value).toString())
        .sort(),
    );
    for (const d of got) assert.equal(d.headers?.[HEADER_MSG_ID], text(d), 'msg id travels in the headers');
  });

  test('a worker that stops mid-batch without acking loses nothing; redelivered copies keep their msg id', async () => {
    const t = topic('midbatch');
    const group = uniq('g');
    const first = await open();
    const sub = first.subscribe({ topics: [t], group, maxBatch: 10 });
    await sub.ready();
    await first.publish(msgs(t, 40));
    const batch = await collect(sub, 20, { timeoutMs: 10_000 });
    assert.equal(batch.length, 20);
    const acked = batch.slice(0, 8);
    await sub.commit(acked);
    // The "crash": the connection goes away with 12 delivered and unacked, plus whatever was prefetched.
    await first.close();

    const second = await open();
    const again = second.subscribe({ topics: [t], group });
    const done = new Set(acked.map(text));
    const rest = await collectUntil(again, (g) => new Set(g.map(text)).size + done.size >= 40, {
      timeoutMs: 10_000,
      commit: true,
    });
    const all = new Set([...done, ...rest.map(text)]);
    assert.equal(all.size, 40, `no message lost (${all.size} of 40)`);
    for (const d of rest) assert.ok(!done.has(text(d)), `${text(d)} was acked and must not return`);
    const unackedAtCrash = new Set(batch.slice(8).map(text));
    for (const d of rest.filter((x) => unackedAtCrash.has(text(x)))) {
      assert.equal(d.redelivered, true, `${d.id} is flagged redelivered`);
      assert.equal(d.headers?.[HEADER_MSG_ID], text(d), 'a redelivered copy keeps its msg id');
    }
  });

  test("upstream's Python handler body (default exchange, no headers, non-persistent) is consumed intact", async () => {
    const t = topic('upstream');
    const broker = await open();
    const sub = broker.subscribe({ topics: [t], group: 'superhero_sim' });
    await sub.ready();
    const body = Buffer.from(
      JSON.stringify({
        level: 'INFO',
        timestamp: '2023-07-27T10:11:12.131415',
        name: 'rabbit.lib.server.lobby',
        log_message: 'Cleaning Game Records',
        task: { game_token: 'g1', user_token: 'ü✓' },
      }),
    );
    // What aiormq does in Rabbit_Publisher: basic.publish to '' with routing key task_<queue>.
    const conn = await amqp.connect(url);
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(`task_${t}`, body);
    await ch.waitForConfirms();
    await conn.close();
    const [d] = await collect(sub, 1, { timeoutMs: 10_000, commit: true });
    assert.ok(d, 'the upstream message arrived');
    assert.deepEqual(Buffer.from(d.value), body, 'bytes intact');
    assert.equal(d.key, undefined);
    assert.equal(d.headers, undefined);
    assert.equal(d.redelivered, false);
  });

  test('nack({ requeue: false }) dead-letters into task_<topic>.dlx', async () => {
    const t = topic('dlx');
    const broker = await open();
    const sub = broker.subscribe({ topics: [t], group: 'superhero_sim' });
    await sub.ready();
    await broker.publish(msgs(t, 3));
    const got = await collect(sub, 3, { timeoutMs: 10_000 });
    for (const d of got) await (text(d) === 'm-1' ? d.nack({ requeue: false }) : d.ack());
    const conn = await amqp.connect(url);
    const ch = await conn.createChannel();
    let dead: amqp.GetMessage | false = false;
    for (let i = 0; i < 50 && !dead; i++) {
      dead = await ch.get(`task_${t}.dlx`, { noAck: true });
      if (!dead) await new Promise((r) => setTimeout(r, 100));
    }
    await conn.close();
    assert.ok(dead, 'the dropped message is in the dead-letter queue');
    assert.equal(dead.content.toString(), 'm-1');
    assert.equal(dead.properties.headers?.[HEADER_MSG_ID], 'm-1');
  });

  test('reconnects after the connection drops, says so once, and the subscription goes on', async () => {
    const t = topic('reconnect');
    const logs: string[] = [];
    const broker = (await open(logs)) as AmqpBroker;
    const sub = broker.subscribe({ topics: [t], group: uniq('g') });
    await sub.ready();
    await broker.publish(msgs(t, 5));
    const before = await collect(sub, 5, { timeoutMs: 10_000, commit: true });
    assert.equal(before.length, 5);
    // Cut the socket under amqplib: what a broker restart or a network cut looks like to the client.
    const socket = (broker.connection as unknown as { connection: { stream: { destroy(e: Error): void } } })
      .connection.stream;
    socket.destroy(new Error('simulated network cut'));
    await broker.publish(msgs(t, 5, 5)); // waits for the reconnect, then goes through with confirms
    const want = ['m-5', 'm-6', 'm-7', 'm-8', 'm-9'];
    const after = await collectUntil(sub, (g) => want.every((w) => g.some((d) => text(d) === w)), {
      timeoutMs: 15_000,
      commit: true,
    });
    assert.deepEqual([...new Set(after.map(text))].filter((x) => want.includes(x)).sort(), want);
    // Acks still in the client's buffer at the cut are lost with it: those messages come back, flagged.
    for (const d of after.filter((x) => !want.includes(text(x)))) assert.equal(d.redelivered, true, d.id);
    assert.equal(logs.filter((l) => l.includes('connection lost')).length, 1, logs.join('\n'));
    assert.equal(logs.filter((l) => l.includes('reconnected')).length, 1, logs.join('\n'));
  });

  test('HF_BROKER_UNREACHABLE names the URL (without the password) when nothing listens', async () => {
    await assert.rejects(
      openBroker('amqp://guest:secret@127.0.0.1:1', { connectTimeoutMs: 300 }),
      (err: unknown) =>
        isHeroflowError(err, 'HF_BROKER_UNREACHABLE') &&
        err.message.includes('amqp://guest:***@127.0.0.1:1') &&
        !err.message.includes('secret') &&
        /ECONNREFUSED/.test(err.message),
    );
  });
});
