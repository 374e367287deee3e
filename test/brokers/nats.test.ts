/**
 * The NATS JetStream adapter on the real nats-server: the seed findings (messages published before any
 * worker are kept; a worker that dies mid-batch loses nothing and its messages come back flagged with
 * their msg ids), reconnecting, subject checks, and a clear error when the server is absent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { NatsBroker } from '../../src/brokers/nats/index.js';
import { openBroker } from '../../src/brokers/registry.js';
import { type Broker, HEADER_MSG_ID } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { collect, collectUntil } from '../contract/collect.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { msgs, text } from './kafka-helpers.js';

const skip = await skipUnlessService('nats');
const stream = `HFNATS_${randomBytes(3).toString('hex')}`;
// ack_wait of 1 s: a crashed member's batch comes back quickly; nothing below asserts how quickly.
const url = `${SERVICE_URLS.nats}?stream=${stream}&prefix=${stream.toLowerCase()}&ackWaitMs=1000`;
const uniq = (kind: string) => `hf-nats-${kind}-${randomBytes(4).toString('hex')}`;

describe('nats adapter (real NATS JetStream)', { skip }, () => {
  const opened: Broker[] = [];
  const open = async (logs?: string[]) => {
    const b = await openBroker(url, { connectTimeoutMs: 5_000, log: (l, m) => logs?.push(`${l} ${m}`) });
    opened.push(b);
    return b;
  };
  after(async () => {
    const cleanup = (await open()) as NatsBroker;
    await cleanup.jsm.streams.delete(stream).catch(() => {});
    await Promise.all(opened.map((b) => b.close()));
  });

  test('seed 002: messages published before any worker started are kept for it', async () => {
    const publisher = await open();
    const topic = uniq('dead-workers');
    await publisher.publish(msgs(topic, 25));
    await publisher.close();
    const worker = await open();
    const sub = worker.subscribe({ topics: [topic], group: uniq('g'), from: 'earliest' });
    const got = await collect(sub, 25, { timeoutMs: 10_000, commit: true });
    assert.deepEqual(
      got.map(text).sort(),
      msgs(topic, 25)
        .map((m) => Buffer.from(m.value).toString())
        .sort(),
    );
    for (const d of got) {
      assert.equal(d.headers?.[HEADER_MSG_ID], text(d));
      assert.equal(typeof d.offset, 'bigint', 'the stream sequence is the offset');
    }
  });

  test('a worker that dies mid-batch without acking loses nothing; redelivered copies keep their msg id', async () => {
    const topic = uniq('midbatch');
    const group = uniq('g');
    const first = (await open()) as NatsBroker;
    const sub = first.subscribe({ topics: [topic], group, from: 'earliest', maxBatch: 10 });
    await sub.ready();
    await first.publish(msgs(topic, 40));
    const batch = await collect(sub, 20, { timeoutMs: 10_000 });
    assert.equal(batch.length, 20);
    const acked = batch.slice(0, 8);
    await sub.commit(acked);
    await first.nc.flush(); // the acks reach the server before the "crash"
    // The crash: the connection goes without a nak; the server redelivers after ack_wait.
    await first.nc.close();

    const second = await open();
    const again = second.subscribe({ topics: [topic], group, from: 'earliest' });
    const done = new Set(acked.map(text));
    const rest = await collectUntil(again, (g) => new Set(g.map(text)).size + done.size >= 40, {
      timeoutMs: 15_000,
      commit: true,
    });
    const all = new Set([...done, ...rest.map(text)]);
    assert.equal(all.size, 40, `no message lost (${all.size} of 40)`);
    for (const d of rest) assert.ok(!done.has(text(d)), `${text(d)} was acked and must not return`);
    const unackedAtCrash = new Set(batch.slice(8).map(text));
    const back = rest.filter((x) => unackedAtCrash.has(text(x)));
    assert.equal(back.length >= 12, true, 'the 12 unacked at the crash came back');
    for (const d of back) {
      assert.equal(d.redelivered, true, `${d.id} is flagged redelivered`);
      assert.equal(d.headers?.[HEADER_MSG_ID], text(d), 'a redelivered copy keeps its msg id');
    }
  });

  test('reconnects after the connection drops, says so once, and the subscription goes on', async () => {
    const topic = uniq('reconnect');
    const logs: string[] = [];
    const broker = (await open(logs)) as NatsBroker;
    const sub = broker.subscribe({ topics: [topic], group: uniq('g'), from: 'earliest' });
    await sub.ready();
    await broker.publish(msgs(topic, 5));
    assert.equal((await collect(sub, 5, { timeoutMs: 10_000, commit: true })).length, 5);
    await broker.nc.reconnect(); // drops the socket; the client reconnects as after a server restart
    await broker.publish(msgs(topic, 5, 5));
    const want = ['m-5', 'm-6', 'm-7', 'm-8', 'm-9'];
    const got = await collectUntil(sub, (g) => want.every((w) => g.some((d) => text(d) === w)), {
      timeoutMs: 15_000,
      commit: true,
    });
    assert.deepEqual([...new Set(got.map(text))].filter((x) => want.includes(x)).sort(), want);
    assert.equal(logs.filter((l) => l.includes('connection lost')).length, 1, logs.join('\n'));
    assert.equal(logs.filter((l) => l.includes('reconnected')).length, 1, logs.join('\n'));
  });

  test('topics that are no NATS subject are refused with HF_BROKER_UNSUPPORTED', async () => {
    const broker = await open();
    await assert.rejects(broker.publish([{ topic: 'bad topic', value: Buffer.from('x') }]), {
      code: 'HF_BROKER_UNSUPPORTED',
    });
    assert.throws(() => broker.subscribe({ topics: ['a.*'], group: 'g' }), { code: 'HF_BROKER_UNSUPPORTED' });
  });

  test('HF_BROKER_UNREACHABLE names the URL when nothing listens', async () => {
    await assert.rejects(
      openBroker('nats://127.0.0.1:1', { connectTimeoutMs: 300 }),
      (err: unknown) =>
        isHeroflowError(err, 'HF_BROKER_UNREACHABLE') && err.message.includes('nats://127.0.0.1:1'),
    );
  });
});
