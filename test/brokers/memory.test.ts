/** Memory broker specifics the contract suite does not cover: partitioning, instances by URL, URL options. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/registry.js';
import type { Broker, Delivery, Subscription } from '../../src/brokers/types.js';
import { murmur2, partitionForKey } from '../../src/brokers/util/murmur2.js';

const kafkajsMurmur2 = createRequire(import.meta.url)(
  'kafkajs/src/producer/partitioners/default/murmur2.js',
) as (key: string | Buffer) => number;

const enc = (s: string) => new TextEncoder().encode(s);
const uniqueUrl = (query = '') => `memory://unit-${randomBytes(4).toString('hex')}${query}`;

async function take(sub: Subscription): Promise<Delivery[]> {
  const r = await sub[Symbol.asyncIterator]().next();
  assert.equal(r.done, false);
  return r.value;
}

describe('memory broker: partitioning', () => {
  it("hashes keys exactly like Kafka's murmur2", () => {
    // Vectors from Kafka's UtilsTest.testMurmur2.
    assert.equal(murmur2('21'), -973932308);
    assert.equal(murmur2('foobar'), -790332482);
    assert.equal(murmur2('a-little-bit-long-string'), -985981536);
    assert.equal(murmur2('a-little-bit-longer-string'), -1486304829);
    assert.equal(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971);
    assert.equal(murmur2(Uint8Array.of(97, 98, 99)), 479470107);
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(i % 23).toString('base64') + 'é'.repeat(i % 3);
      assert.equal(murmur2(key), kafkajsMurmur2(key), `key ${key}`);
    }
  });

  it('puts a key on the same partition every time, and spreads keys', async () => {
    const broker = await openBroker(uniqueUrl('?partitions=4'));
    try {
      const sub = broker.subscribe({ topics: ['t'], group: 'g', maxBatch: 1000 });
      await sub.ready();
      const keys = Array.from({ length: 40 }, (_, i) => `player-${i}`);
      await broker.publish([...keys, ...keys].map((key) => ({ topic: 't', key, value: enc(key) })));
      const got = await take(sub);
      assert.equal(got.length, 80);
      const byKey = new Map<string, Set<number>>();
      for (const d of got) byKey.set(d.key!, (byKey.get(d.key!) ?? new Set()).add(d.partition));
      for (const [key, partitions] of byKey) {
        assert.deepEqual([...partitions], [partitionForKey(key, 4)], `key ${key}`);
      }
      assert.equal(new Set(got.map((d) => d.partition)).size, 4, 'keys spread over all partitions');
    } finally {
      await broker.close();
    }
  });

  it('round-robins messages without a key', async () => {
    const broker = await openBroker(uniqueUrl('?partitions=3'));
    try {
      const sub = broker.subscribe({ topics: ['t'], group: 'g', maxBatch: 100 });
      await sub.ready();
      await broker.publish(Array.from({ length: 9 }, () => ({ topic: 't', value: enc('x') })));
      const counts = [0, 0, 0];
      for (const d of await take(sub)) counts[d.partition]++;
      assert.deepEqual(counts, [3, 3, 3]);
    } finally {
      await broker.close();
    }
  });

  it('takes partition counts from options, then upstream names, then the URL', async () => {
    const url = uniqueUrl('?partitions=3');
    const broker = await openBroker(url, { partitions: { custom: 5 } });
    try {
      const counts = async (topic: string) => {
        const sub = broker.subscribe({ topics: [topic], group: `g-${topic}` });
        await sub.ready();
        const n = sub.assignment().length;
        await sub.close();
        return n;
      };
      assert.equal(await counts('custom'), 5);
      assert.equal(await counts('lib.server.game'), 4);
      assert.equal(await counts('other'), 3);
    } finally {
      await broker.close();
    }
  });
});

describe('memory broker: instances by URL', () => {
  it('shares one instance per name and keeps it while a handle is open', async () => {
    const url = uniqueUrl();
    const producer = await openBroker(url);
    const consumer = await openBroker(url);
    const stranger = await openBroker(`${url}-other`);
    const sub = consumer.subscribe({ topics: ['t'], group: 'g' });
    const other = stranger.subscribe({ topics: ['t'], group: 'g' });
    await Promise.all([sub.ready(), other.ready()]);
    await producer.publish([{ topic: 't', value: enc('hello') }]);
    await producer.close();
    assert.equal(new TextDecoder().decode((await take(sub))[0].value), 'hello');
    // The other name is another broker: nothing arrives there.
    await stranger.publish([{ topic: 't', value: enc('own') }]);
    assert.equal(new TextDecoder().decode((await take(other))[0].value), 'own');
    await Promise.all([consumer.close(), stranger.close()]);
  });

  it('forgets everything when the last handle closes', async () => {
    const url = uniqueUrl();
    const first: Broker = await openBroker(url);
    await first.publish([{ topic: 't', value: enc('gone') }]);
    await first.close();
    const second = await openBroker(url);
    const sub = second.subscribe({ topics: ['t'], group: 'g', from: 'earliest' });
    await sub.ready();
    await second.publish([{ topic: 't', value: enc('new') }]);
    assert.deepEqual(
      (await take(sub)).map((d) => new TextDecoder().decode(d.value)),
      ['new'],
    );
    await second.close();
  });

  it('rejects bad URL parameters with HF_BROKER_URL', async () => {
    await assert.rejects(openBroker('memory://?partitions=0'), { code: 'HF_BROKER_URL' });
    await assert.rejects(openBroker('memory://?partitons=2'), {
      code: 'HF_BROKER_URL',
      message: /partitons/,
    });
  });

  it('refuses key_shared, which it does not declare', async () => {
    const broker = await openBroker(uniqueUrl());
    try {
      assert.ok(!broker.capabilities.modes.includes('key_shared'));
      assert.throws(() => broker.subscribe({ topics: ['t'], group: 'g', mode: 'key_shared' }), {
        code: 'HF_BROKER_UNSUPPORTED',
      });
    } finally {
      await broker.close();
    }
  });

  it('hands out at most maxBatch and keeps the rest in the log until asked (back-pressure)', async () => {
    const broker = await openBroker(uniqueUrl('?retention=50'));
    try {
      const sub = broker.subscribe({ topics: ['t'], group: 'g', maxBatch: 4, from: 'earliest' });
      await sub.ready();
      await broker.publish(Array.from({ length: 10 }, (_, i) => ({ topic: 't', value: enc(`${i}`) })));
      assert.equal((await take(sub)).length, 4);
      assert.equal((await take(sub)).length, 4);
      assert.equal((await take(sub)).length, 2);
    } finally {
      await broker.close();
    }
  });

  it('copies published bytes, so a producer reusing its buffer does not rewrite history', async () => {
    const broker = await openBroker(uniqueUrl());
    try {
      const sub = broker.subscribe({ topics: ['t'], group: 'g' });
      await sub.ready();
      const buffer = enc('abc');
      await broker.publish([{ topic: 't', value: buffer }]);
      buffer[0] = 120;
      assert.equal(new TextDecoder().decode((await take(sub))[0].value), 'abc');
    } finally {
      await broker.close();
    }
  });
});
