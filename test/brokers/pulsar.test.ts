/**
 * The Pulsar adapter's own behaviour: URL parameters (no server needed), message-id offsets, and on the
 * real standalone broker (scripts/services.sh up pulsar) what each of the four subscription types does
 * with two members of one group, as docs/pulsar.md records it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import { decodeMessageId, parsePulsarUrl, type SubscriptionType } from '../../src/brokers/pulsar/index.js';
import type { Broker, Delivery, Subscription } from '../../src/brokers/types.js';
import { HeroflowError } from '../../src/errors.js';
import { collect } from '../contract/collect.js';
import { messages, payload, uniqueName } from '../contract/fixtures.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

describe('pulsar+ws:// URL', () => {
  it('has defaults and takes its parameters', () => {
    const d = parsePulsarUrl('pulsar+ws://127.0.0.1:8080');
    assert.equal(d.subscription, 'Shared');
    assert.equal(d.http, 'http://127.0.0.1:8080');
    assert.equal(d.ws, 'ws://127.0.0.1:8080');
    assert.deepEqual(
      [d.tenant, d.namespace, d.receiverQueueSize, d.nackDelayMs],
      ['public', 'default', 1000, 100],
    );
    const s = parsePulsarUrl(
      'pulsar+ws://h?subscription=key_shared&tenant=t1&namespace=ns&receiverQueueSize=10&nackDelayMs=5',
    );
    assert.deepEqual(
      [s.subscription, s.tenant, s.namespace, s.receiverQueueSize, s.nackDelayMs, s.port],
      ['Key_Shared', 't1', 'ns', 10, 5, 8080],
    );
  });

  for (const [url, says] of [
    ['pulsar://127.0.0.1:6650', /binary protocol.*pulsar\+ws:\/\/host:8080/],
    [
      'pulsar+ws://h:8080?subscription=Queue',
      /subscription=Queue; use one of Shared, Key_Shared, Failover, Exclusive/,
    ],
    [
      'pulsar+ws://h:8080?receiverQueueSize=5000',
      /receiverQueueSize=5000; it must be an integer from 1 to 1000/,
    ],
    ['pulsar+ws://h:8080?tenant=a/b', /tenant=a\/b/],
    ['pulsar+ws://h:8080?subscrption=Shared', /unknown parameter 'subscrption'/],
    ['pulsar+ws://h:8080/public/default', /is not pulsar\+ws:\/\/host:port/],
  ] as const) {
    it(`refuses ${url} with HF_BROKER_URL (exit 2)`, async () => {
      await assert.rejects(openBroker(url), (err: unknown) => {
        assert.ok(err instanceof HeroflowError);
        assert.equal(err.code, 'HF_BROKER_URL');
        assert.equal(err.exitCode, 2);
        assert.match(err.message, says);
        return true;
      });
    });
  }

  it('reads offsets from message ids: ledger << 32 | entry, partition -1 when none', () => {
    // Ids the broker sent: ledger 41 entry 0, ledger 41 entry 2 (08 29 10 02 30 00).
    const a = decodeMessageId('CCkQADAA');
    const b = decodeMessageId('CCkQAjAA');
    assert.deepEqual([a.ledger, a.entry, a.partition], [41n, 0n, -1]);
    assert.equal(b.offset - a.offset, 2n);
    assert.equal(decodeMessageId('CCoQAA==').offset > b.offset, true, 'a later ledger is further along');
  });
});

const skip = await skipUnlessService('pulsar');

/** Two members of one group read until `n` arrived in total and nothing more comes; acking as they go. */
async function readBoth(subs: Subscription[], n: number): Promise<Delivery[][]> {
  const got: Delivery[][] = subs.map(() => []);
  const total = () => got.reduce((sum, g) => sum + g.length, 0);
  const deadline = Date.now() + 30_000;
  await Promise.all(
    subs.map(async (sub, i) => {
      while (total() < n && Date.now() < deadline) {
        const batch = await collect(sub, 5, { timeoutMs: 200 });
        got[i].push(...batch);
        await sub.commit(batch);
      }
    }),
  );
  // Anything delivered twice would show up now.
  const extra = await Promise.all(subs.map((s) => collect(s, 1, { timeoutMs: 1_000, commit: true })));
  for (const [i, e] of extra.entries()) got[i].push(...e);
  console.log(`# members got ${got.map((g) => `${g.length} (keys ${[...keysOf(g)].length})`).join(' / ')}`);
  return got;
}

const keysOf = (ds: Delivery[]) => new Set(ds.map((d) => d.key));

describe('pulsar+ws:// on the real broker', { skip }, () => {
  it('a namespace the broker does not have is HF_BROKER_URL (exit 2), naming the ones it has', async () => {
    await assert.rejects(openBroker(`${SERVICE_URLS.pulsar}?namespace=hf-missing`), (err: unknown) => {
      assert.ok(err instanceof HeroflowError);
      assert.equal(err.code, 'HF_BROKER_URL');
      assert.match(err.message, /no namespace public\/hf-missing \(it has \[.*"public\/default"/);
      return true;
    });
  });

  it('a topic name Pulsar cannot take is HF_BROKER_UNSUPPORTED before anything is sent', async (t) => {
    const broker = await openBroker(SERVICE_URLS.pulsar);
    t.after(() => broker.close());
    const value = new Uint8Array([1]);
    await assert.rejects(broker.publish([{ topic: 'a/b', value }]), { code: 'HF_BROKER_UNSUPPORTED' });
    assert.throws(() => broker.subscribe({ topics: ['a b'], group: 'g' }), { code: 'HF_BROKER_UNSUPPORTED' });
  });
});

describe('pulsar subscription types: two members of one group', { skip }, () => {
  async function run(type: SubscriptionType, t: { after: (fn: () => Promise<void>) => void }) {
    const broker: Broker = await openBroker(
      `${SERVICE_URLS.pulsar}?subscription=${type}&receiverQueueSize=10`,
    );
    t.after(() => broker.close());
    const topic = uniqueName('subtype');
    const group = uniqueName('g');
    await broker.ensureTopics([{ topic, partitions: 1 }]);
    const first = broker.subscribe({ topics: [topic], group, from: 'earliest', consumerId: 'c0' });
    await first.ready();
    const second = broker.subscribe({ topics: [topic], group, from: 'earliest', consumerId: 'c1' });
    return { broker, topic, first, second };
  }

  it('Exclusive: the second member is refused with HF_BROKER_BUSY; the first gets everything', async (t) => {
    const { broker, topic, first, second } = await run('Exclusive', t);
    await assert.rejects(second.ready(), (err: unknown) => {
      assert.ok(err instanceof HeroflowError);
      assert.equal(err.code, 'HF_BROKER_BUSY');
      assert.match(err.message, /Exclusive and already has a consumer/);
      return true;
    });
    await broker.publish(messages(topic, 40, { keys: 4 }));
    const [got] = await readBoth([first], 40);
    assert.equal(got.length, 40);
  });

  it('Shared: both members get messages, together each one once', async (t) => {
    const { broker, topic, first, second } = await run('Shared', t);
    await second.ready();
    await broker.publish(messages(topic, 40, { keys: 4 }));
    const [a, b] = await readBoth([first, second], 40);
    assert.deepEqual(
      [...a, ...b].map((d) => payload(d).seq).sort((x, y) => x - y),
      [...Array(40).keys()],
    );
    assert.ok(a.length > 0 && b.length > 0, `spread: ${a.length} / ${b.length}`);
  });

  it('Failover: one member gets everything, the other stands by', async (t) => {
    const { broker, topic, first, second } = await run('Failover', t);
    await second.ready();
    await broker.publish(messages(topic, 40, { keys: 4 }));
    const [a, b] = await readBoth([first, second], 40);
    const counts = [a.length, b.length].sort((x, y) => x - y);
    assert.deepEqual(counts, [0, 40], `all on one member: ${a.length} / ${b.length}`);
  });

  it('Key_Shared: no key reaches both members; together each message once, in order per key', async (t) => {
    const { broker, topic, first, second } = await run('Key_Shared', t);
    await second.ready();
    await broker.publish(messages(topic, 80, { keys: 16 }));
    const [a, b] = await readBoth([first, second], 80);
    assert.equal(a.length + b.length, 80);
    const shared = [...keysOf(a)].filter((k) => keysOf(b).has(k));
    assert.deepEqual(shared, [], `keys on both members: ${shared.join(', ')}`);
    for (const member of [a, b]) {
      const last = new Map<string | undefined, number>();
      for (const d of member) {
        const seq = payload(d).seq;
        assert.ok((last.get(d.key) ?? -1) < seq, `key ${d.key}: ${seq} after ${last.get(d.key)}`);
        last.set(d.key, seq);
      }
    }
  });
});
