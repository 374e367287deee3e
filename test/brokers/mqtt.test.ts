/**
 * The MQTT adapter on the real Mosquitto 2: manual pubacks (a member that stops mid-batch gets exactly its
 * unacked messages back, flagged, with their msg ids), reconnecting, and a clear error when the broker is
 * absent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { MqttSubscription } from '../../src/brokers/mqtt/subscription.js';
import { openBroker } from '../../src/brokers/registry.js';
import { type Broker, HEADER_MSG_ID } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { collect, collectUntil } from '../contract/collect.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { msgs, text } from './kafka-helpers.js';

const skip = await skipUnlessService('mqtt');
const url = `${SERVICE_URLS.mqtt}?sessionExpiry=60`;
const uniq = (kind: string) => `hf-mqtt-${kind}-${randomBytes(4).toString('hex')}`;

describe('mqtt adapter (real Mosquitto)', { skip }, () => {
  const opened: Broker[] = [];
  const open = async (logs?: string[]) => {
    const b = await openBroker(url, { connectTimeoutMs: 5_000, log: (l, m) => logs?.push(`${l} ${m}`) });
    opened.push(b);
    return b;
  };
  after(() => Promise.all(opened.map((b) => b.close())));

  test('a member that stops mid-batch without acking gets exactly its unacked messages back (manual puback)', async () => {
    const topic = uniq('midbatch');
    const group = uniq('g');
    const first = await open();
    const sub = first.subscribe({ topics: [topic], group, consumerId: 'w1', maxBatch: 10 });
    await sub.ready();
    await first.publish(msgs(topic, 40));
    const batch = await collect(sub, 40, { timeoutMs: 10_000 });
    assert.equal(batch.length, 40);
    const acked = batch.slice(0, 15);
    await sub.commit(acked);
    await first.close(); // DISCONNECT: the session keeps the 25 unacked

    const second = await open();
    const again = second.subscribe({ topics: [topic], group, consumerId: 'w1' });
    const done = new Set(acked.map(text));
    const rest = await collectUntil(again, (g) => new Set(g.map(text)).size + done.size >= 40, {
      timeoutMs: 10_000,
      commit: true,
    });
    assert.equal(new Set([...done, ...rest.map(text)]).size, 40, 'no message lost');
    for (const d of rest) {
      assert.ok(!done.has(text(d)), `${text(d)} was pubacked and must not return`);
      assert.equal(d.redelivered, true, `${d.id} carries the DUP flag`);
      assert.equal(d.headers?.[HEADER_MSG_ID], text(d), 'a redelivered copy keeps its msg id');
    }
  });

  test('reconnects after the connection drops, says so once, and the session goes on', async () => {
    const topic = uniq('reconnect');
    const logs: string[] = [];
    const broker = await open(logs);
    const sub = broker.subscribe({ topics: [topic], group: uniq('g'), consumerId: 'w1' }) as MqttSubscription;
    await sub.ready();
    await broker.publish(msgs(topic, 5));
    assert.equal((await collect(sub, 5, { timeoutMs: 10_000, commit: true })).length, 5);
    (sub.client as unknown as { stream: { destroy(e: Error): void } }).stream.destroy(new Error('cut'));
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

  test('HF_BROKER_UNREACHABLE names the URL when nothing listens', async () => {
    await assert.rejects(
      openBroker('mqtt://127.0.0.1:1', { connectTimeoutMs: 300 }),
      (err: unknown) =>
        isHeroflowError(err, 'HF_BROKER_UNREACHABLE') && err.message.includes('mqtt://127.0.0.1:1'),
    );
  });
});
