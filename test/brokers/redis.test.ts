/**
 * Seed 000's findings on the real Redis, one adapter each: Pub/Sub broadcasts (N workers → N copies),
 * the fan-out middleware narrows it to one copy, nothing is kept for absent workers except by Streams,
 * and upstream's double-encoded JSON arrives byte for byte.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { FanoutMiddleware } from '../../src/brokers/redis/index.js';
import { openBroker } from '../../src/brokers/registry.js';
import {
  type Broker,
  type Delivery,
  HEADER_MSG_ID,
  type Message,
  type Subscription,
} from '../../src/brokers/types.js';
import { parseRecord } from '../../src/etl/record.js';
import { collect, collectUntil } from '../contract/collect.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const skip = await skipUnlessService('redis');
const base = SERVICE_URLS.redis.replace(/^redis:/, '');
// The seed's channel names: redis.lib.server.lobby, made unique per test.
const PREFIX = 'redis.';
const url = (scheme: string, extra = '') => `${scheme}:${base}?prefix=${PREFIX}${extra}`;
const topicName = () => `lib.server.lobby.t${randomBytes(4).toString('hex')}`;

const opened: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const o of opened.reverse()) await o.close().catch(() => {});
});

async function open(scheme: string, extra = ''): Promise<Broker> {
  const b = await openBroker(url(scheme, extra), { connectTimeoutMs: 5000 });
  opened.push(b);
  return b;
}

function records(topic: string, n: number, run = 'r'): Message[] {
  return Array.from({ length: n }, (_, i) => ({
    topic,
    value: Buffer.from(JSON.stringify({ level: 'INFO', log_message: `${run} ${i}` })),
    headers: { [HEADER_MSG_ID]: `${run}-${i}` },
  }));
}

/** Exactly what upstream's handler publishes, made by Python itself when it is there. */
function upstreamPayload(env: object): Buffer {
  try {
    const py = 'import json,sys; sys.stdout.write(json.dumps(json.dumps(json.load(sys.stdin))))';
    return execFileSync('python3', ['-c', py], { input: JSON.stringify(env), timeout: 10_000 });
  } catch {
    return Buffer.from(JSON.stringify(JSON.stringify(env)));
  }
}

const ids = (ds: Delivery[]) => ds.map((d) => d.headers?.[HEADER_MSG_ID] ?? '?');

/** Read from every subscription until `total` deliveries arrived in all, then a short quiet spell. */
async function readAll(subs: Subscription[], total: number): Promise<Delivery[][]> {
  const got: Delivery[][] = subs.map(() => []);
  const sum = () => got.reduce((n, g) => n + g.length, 0);
  const deadline = Date.now() + 10_000;
  while (sum() < total && Date.now() < deadline) {
    await Promise.all(subs.map(async (s, i) => got[i].push(...(await collect(s, 1000, { timeoutMs: 100 })))));
  }
  // Anything beyond `total` (a duplicate) shows up here.
  await Promise.all(subs.map(async (s, i) => got[i].push(...(await collect(s, 1000, { timeoutMs: 300 })))));
  return got;
}

describe('redis: seed 000 findings', { skip }, () => {
  it('Pub/Sub broadcasts: with 3 subscribers of one group every message arrives 3 times', async () => {
    const broker = await open('redis');
    const topic = topicName();
    const subs = ['w1', 'w2', 'w3'].map((c) =>
      broker.subscribe({ topics: [topic], group: 'workers', consumerId: c }),
    );
    await Promise.all(subs.map((s) => s.ready()));
    await broker.publish(records(topic, 50));
    const got = await readAll(subs, 150);
    for (const g of got) assert.deepEqual(ids(g).sort(), ids(records(topic, 50) as Delivery[]).sort());
    assert.equal(got.flat().length, 150, 'each of 50 messages processed 3 times');
  });

  it('fan-out middleware + 3 worker subscriptions: each message arrives exactly once in total', async () => {
    const topic = topicName();
    const mw = new FanoutMiddleware({ url: url('redis+fanout'), topics: [topic] });
    opened.push({ close: () => mw.stop() });
    await mw.start();
    const broker = await open('redis+fanout');
    const subs = ['w1', 'w2', 'w3'].map((c) =>
      broker.subscribe({ topics: [topic], group: 'workers', consumerId: c }),
    );
    await Promise.all(subs.map((s) => s.ready()));
    await broker.publish(records(topic, 60));
    const got = await readAll(subs, 60);
    const all = ids(got.flat());
    assert.equal(all.length, 60, `60 deliveries in total, got ${all.length}`);
    assert.equal(new Set(all).size, 60, 'no message twice');
    for (const g of got) assert.ok(g.length > 0, 'every worker gets a share');
    const stats = mw.stats();
    assert.equal(stats.forwarded, 60);
    assert.equal(stats.dropped, 0);
  });

  it('no subscriber: Pub/Sub and fan-out lose the messages, Streams keeps them for a later consumer', async () => {
    for (const scheme of ['redis', 'redis+fanout', 'redis+streams']) {
      const topic = topicName();
      const mw = new FanoutMiddleware({ url: url('redis+fanout'), topics: [topic] });
      opened.push({ close: () => mw.stop() });
      if (scheme === 'redis+fanout') await mw.start();
      const broker = await open(scheme);
      // The worker was there once (its group exists), then scaled to zero, as in the seed's scenario.
      const first = broker.subscribe({ topics: [topic], group: 'workers', from: 'earliest' });
      await first.ready();
      await first.close();
      await broker.publish(records(topic, 20, 'gap'));
      const later = broker.subscribe({ topics: [topic], group: 'workers', from: 'earliest' });
      await later.ready();
      await broker.publish(records(topic, 3, 'marker'));
      const got = await collectUntil(later, (g) => ids(g).filter((x) => x.startsWith('marker')).length >= 3, {
        timeoutMs: 10_000,
        commit: true,
      });
      const gap = ids(got).filter((x) => x.startsWith('gap'));
      if (scheme === 'redis+streams') assert.equal(gap.length, 20, 'Streams kept all 20');
      else assert.equal(gap.length, 0, `${scheme} kept nothing`);
      if (scheme === 'redis+fanout')
        assert.equal(mw.stats().dropped, 20, 'the middleware counted 20 dropped');
      await later.close();
    }
  });

  it("upstream's PUBLISH ch json.dumps(json.dumps(env)) arrives with its bytes intact (Pub/Sub and fan-out)", async () => {
    const env = {
      level: 'INFO',
      timestamp: '2023-05-01T12:00:00.123456',
      name: 'redis.lib.server.lobby',
      log_message: 'Cleaning Game Records',
      task: { game_token: 'g-1', user_token: 'ü-2' },
    };
    const payload = upstreamPayload(env);
    const raw = new Redis(SERVICE_URLS.redis);
    opened.push({ close: async () => raw.disconnect() });
    for (const scheme of ['redis', 'redis+fanout']) {
      const topic = topicName();
      const mw = new FanoutMiddleware({ url: url('redis+fanout'), topics: [topic] });
      opened.push({ close: () => mw.stop() });
      if (scheme === 'redis+fanout') await mw.start();
      const broker = await open(scheme);
      const sub = broker.subscribe({ topics: [topic], group: 'workers' });
      await sub.ready();
      await raw.publish(`${PREFIX}${topic}`, payload);
      const [d] = await collect(sub, 1, { timeoutMs: 10_000 });
      assert.ok(d, `${scheme}: the upstream message arrived`);
      assert.deepEqual(Buffer.from(d.value), payload, 'bytes intact');
      assert.equal(d.key, undefined);
      assert.equal(d.headers, undefined, 'no heroflow envelope, no headers');
      assert.equal(d.topic, topic, 'the prefix is not part of the topic');
      const parsed = parseRecord(d);
      assert.ok('logMessage' in parsed, `the ETL reads it: ${JSON.stringify(parsed)}`);
      assert.equal(parsed.logMessage, 'Cleaning Game Records');
    }
  });

  it('a heroflow message round-trips key, headers and arbitrary bytes through the envelope', async () => {
    const broker = await open('redis');
    const topic = topicName();
    const sub = broker.subscribe({ topics: [topic], group: 'g' });
    await sub.ready();
    const sent: Message[] = [
      {
        topic,
        key: 'k1',
        value: Buffer.from('{"heroflow":1,"not":"an envelope"}'),
        headers: { [HEADER_MSG_ID]: 'a', x: 'é' },
      },
      { topic, value: Buffer.from([0xff, 0xfe, 0x00, 0x80]) },
      { topic, key: '', value: Buffer.from('\ufeffBOM kept') },
    ];
    await broker.publish(sent);
    const got = await collect(sub, 3, { timeoutMs: 10_000 });
    assert.equal(got.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(Buffer.from(got[i].value), Buffer.from(sent[i].value));
      assert.equal(got[i].key, sent[i].key);
      assert.deepEqual(got[i].headers, sent[i].headers);
    }
  });

  it('envelope=upstream publishes the way upstream does (readable by its Python workers)', async () => {
    const broker = await open('redis', '&envelope=upstream');
    const raw = new Redis(SERVICE_URLS.redis);
    opened.push({ close: async () => raw.disconnect() });
    const topic = topicName();
    const seen = new Promise<Buffer>((resolve) =>
      raw.on('messageBuffer', (_c: Buffer, m: Buffer) => resolve(m)),
    );
    await raw.subscribe(`${PREFIX}${topic}`);
    await broker.publish([
      { topic, value: Buffer.from('{"level": "INFO"}'), headers: { [HEADER_MSG_ID]: 'x' } },
    ]);
    const payload = (await seen).toString();
    assert.equal(JSON.parse(JSON.parse(payload)).level, 'INFO', 'json.loads twice gives the record');
  });

  it('an unknown URL parameter is HF_BROKER_URL', async () => {
    await assert.rejects(openBroker(`redis+streams:${base}?maxlen=0`), { code: 'HF_BROKER_URL' });
    await assert.rejects(openBroker(`redis:${base}?claimIdleMs=5`), { code: 'HF_BROKER_URL' });
  });
});
