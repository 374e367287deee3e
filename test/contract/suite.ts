/**
 * The contract suite every broker adapter passes, modelled on Redpanda Connect's shared stream tests.
 * Each case checks the adapter against the capabilities it declares: where a capability is absent the
 * case asserts the opposite when that is meaningful (a non-persistent broker loses what nobody listened
 * to), or skips with a visible reason.
 *
 * Usage from test/contract/<adapter>.test.ts:
 *
 *   const skip = await skipUnlessService('redis');
 *   runContractSuite(SERVICE_URLS.redis, { skip });
 *
 * Topic and group names are random per case, so the suite can run repeatedly against one server.
 */
import assert from 'node:assert/strict';
import { before, describe, it, type TestContext } from 'node:test';
import { openBroker } from '../../src/brokers/registry.js';
import type { BrokerOptions, Capabilities, Delivery } from '../../src/brokers/types.js';
import { groupCases } from './cases-groups.js';
import { recoveryCases } from './cases-recovery.js';
import { collect, collectUntil } from './collect.js';
import { type Harness, harness, messages, payload, range, sortTags, tags, uniqueName } from './fixtures.js';

export interface ContractSuiteOptions {
  /** Title of the suite; default: the URL's scheme. */
  name?: string;
  /** Skip the whole suite with this reason (what skipUnlessService returns). */
  skip?: string | false;
  brokerOptions?: BrokerOptions;
  /** Bound of every wait for messages. Default 15 s; nothing is asserted about time. */
  timeoutMs?: number;
  /** How long a read waits for "nothing more arrives" (saturation detection). Default 500 ms. */
  idleMs?: number;
}

/** What every case gets: a fresh URL, the declared capabilities, and the bounded waits. */
export interface CaseContext {
  url: () => string;
  caps: () => Capabilities;
  timeoutMs: number;
  idleMs: number;
  /** A harness on a fresh URL whose brokers and subscriptions close after the case. */
  harness: (t: TestContext) => Harness;
}

export function runContractSuite(url: string | (() => string), opts: ContractSuiteOptions = {}): void {
  const nextUrl = typeof url === 'function' ? url : () => url;
  const name = opts.name ?? `broker contract: ${nextUrl().split(':')[0]}`;
  let capabilities: Capabilities | undefined;
  const ctx: CaseContext = {
    url: nextUrl,
    caps: () => {
      assert.ok(capabilities, 'capabilities were not read');
      return capabilities;
    },
    timeoutMs: opts.timeoutMs ?? 15_000,
    idleMs: opts.idleMs ?? 500,
    harness: (t) => harness(t, nextUrl(), opts.brokerOptions ?? {}),
  };

  describe(name, { skip: opts.skip || false }, () => {
    before(async () => {
      const broker = await openBroker(nextUrl(), opts.brokerOptions ?? {});
      capabilities = broker.capabilities;
      await broker.close();
    });

    it('declares coherent capabilities', () => {
      const c = ctx.caps();
      assert.ok(c.modes.length > 0, 'at least one subscribe mode');
      if (c.groups === 'queue') assert.ok(c.modes.includes('shared'), "a queue broker accepts mode 'shared'");
      if (c.replay) assert.equal(c.delivery, 'at-least-once', 'replay implies at-least-once');
      if (c.rewind) assert.ok(c.persistence, 'rewind implies persistence');
      if (c.positions) assert.notEqual(c.ordering, 'none', 'positions imply an order');
    });

    it('open and close are idempotent; a closed broker refuses work', async (t) => {
      const h = ctx.harness(t);
      const broker = await h.open();
      const topic = uniqueName('open');
      await broker.ensureTopics([{ topic, partitions: 1 }]);
      await broker.ensureTopics([{ topic, partitions: 1 }]);
      const sub = broker.subscribe({ topics: [topic], group: uniqueName('g') });
      await sub.ready();
      await sub.close();
      await sub.close();
      await broker.close();
      await broker.close();
      await assert.rejects(broker.publish(messages(topic, 1)), { code: 'HF_BROKER_CLOSED' });
      await assert.rejects(
        async () => broker.subscribe({ topics: [topic], group: uniqueName('g') }).ready(),
        { code: 'HF_BROKER_CLOSED' },
      );
    });

    it('publishes a batch and receives all of it intact', async (t) => {
      const caps = ctx.caps();
      const h = ctx.harness(t);
      const broker = await h.open();
      const topic = uniqueName('batch');
      await broker.ensureTopics([{ topic, partitions: 2 }]);
      const sub = await h.subscribe(broker, { topics: [topic], group: uniqueName('g'), from: 'earliest' });
      const sent = messages(topic, 30);
      const binary = { topic, key: 'binary', value: Uint8Array.from({ length: 256 }, (_, i) => i) };
      await broker.publish([...sent, binary]);
      const got = await collect(sub, 31, { timeoutMs: ctx.timeoutMs, commit: true });
      assert.equal(got.length, 31, `received ${got.length} of 31`);
      const bin = got.find((d) => d.key === 'binary');
      assert.ok(bin, 'the binary message arrived');
      assert.deepEqual([...bin.value], [...binary.value], 'arbitrary bytes survive');
      const text = got.filter((d) => d !== bin);
      assert.deepEqual(sortTags(tags(text)), range('a', 0, 30));
      for (const d of text) {
        const sentOne = sent[payload(d).seq];
        assert.equal(d.topic, topic);
        assert.equal(d.key, sentOne.key, 'key intact');
        if (caps.headers) assert.deepEqual(d.headers, sentOne.headers, 'headers intact');
        assert.equal(typeof d.id, 'string');
        assert.ok(d.id.length > 0, 'id set');
        assert.ok(Number.isInteger(d.partition) && d.partition >= 0, 'partition set');
        assert.equal(typeof d.timestamp, 'number');
        assert.equal(d.redelivered, false, 'a first delivery is not marked redelivered');
        if (caps.positions) assert.equal(typeof d.offset, 'bigint', 'offset set');
      }
      assert.equal(new Set(got.map((d) => d.id)).size, got.length, 'ids are distinct');
    });

    it('from latest skips what was published before; earliest reads it when the broker can rewind', async (t) => {
      const caps = ctx.caps();
      const h = ctx.harness(t);
      const broker = await h.open();
      const topic = uniqueName('latest');
      await broker.ensureTopics([{ topic, partitions: 1 }]);
      await broker.publish(messages(topic, 5, { run: 'old', keys: 1 }));
      const latest = await h.subscribe(broker, { topics: [topic], group: uniqueName('g'), from: 'latest' });
      const earliest = await h.subscribe(broker, {
        topics: [topic],
        group: uniqueName('g'),
        from: 'earliest',
      });
      await broker.publish(messages(topic, 5, { run: 'new', keys: 1 }));
      const newDone = (got: Delivery[]) => range('new', 0, 5).every((x) => tags(got).includes(x));
      const gotLatest = await collectUntil(latest, newDone, { timeoutMs: ctx.timeoutMs, commit: true });
      assert.deepEqual(sortTags(tags(gotLatest)), range('new', 0, 5), 'latest: only what came after');
      const gotEarliest = await collectUntil(earliest, newDone, { timeoutMs: ctx.timeoutMs, commit: true });
      const expected = caps.rewind ? [...range('new', 0, 5), ...range('old', 0, 5)] : range('new', 0, 5);
      assert.deepEqual(sortTags(tags(gotEarliest)), sortTags(expected), caps.rewind ? 'rewind' : 'no rewind');
    });

    it('isolated: a consumer created after the data was written', async (t) => {
      const caps = ctx.caps();
      const h = ctx.harness(t);
      const broker = await h.open();
      const topic = uniqueName('isolated');
      await broker.ensureTopics([{ topic, partitions: 2 }]);
      await broker.publish(messages(topic, 10, { run: 'before' }));
      const sub = await h.subscribe(broker, { topics: [topic], group: uniqueName('g'), from: 'earliest' });
      if (caps.rewind) {
        const got = await collect(sub, 10, { timeoutMs: ctx.timeoutMs, commit: true });
        assert.deepEqual(sortTags(tags(got)), range('before', 0, 10));
        return;
      }
      await broker.publish(messages(topic, 4, { run: 'after' }));
      const got = await collectUntil(sub, (g) => tags(g).filter((x) => x.startsWith('after')).length >= 4, {
        timeoutMs: ctx.timeoutMs,
        commit: true,
      });
      assert.deepEqual(sortTags(tags(got)), range('after', 0, 4), 'without rewind, earlier data is not read');
    });

    it('keeps order per key (ordering)', async (t) => {
      const caps = ctx.caps();
      if (caps.ordering === 'none') {
        t.skip('declares ordering: none');
        return;
      }
      const h = ctx.harness(t);
      const broker = await h.open();
      const topic = uniqueName('order');
      await broker.ensureTopics([{ topic, partitions: 3 }]);
      const sub = await h.subscribe(broker, { topics: [topic], group: uniqueName('g'), from: 'earliest' });
      for (let i = 0; i < 10; i++) await broker.publish(messages(topic, 20, { from: i * 20, keys: 5 }));
      const got = await collect(sub, 200, { timeoutMs: ctx.timeoutMs, commit: true });
      assert.equal(got.length, 200);
      const last = new Map<string, number>();
      for (const d of got) {
        const seq = payload(d).seq;
        const key = d.key ?? '';
        assert.ok((last.get(key) ?? -1) < seq, `key ${key}: ${seq} after ${last.get(key)}`);
        last.set(key, seq);
      }
    });

    it('close resolves a pending next() (no hang)', async (t) => {
      const h = ctx.harness(t);
      const broker = await h.open();
      const topic = uniqueName('close');
      const sub = await h.subscribe(broker, { topics: [topic], group: uniqueName('g') });
      const pending = sub[Symbol.asyncIterator]().next();
      await sub.close();
      assert.equal((await pending).done, true);
      const sub2 = await h.subscribe(broker, { topics: [topic], group: uniqueName('g') });
      const pending2 = sub2[Symbol.asyncIterator]().next();
      await broker.close();
      assert.equal((await pending2).done, true, 'closing the broker ends its subscriptions');
    });

    it('refuses the subscribe modes it does not declare with HF_BROKER_UNSUPPORTED', async (t) => {
      const caps = ctx.caps();
      const h = ctx.harness(t);
      const broker = await h.open();
      const topic = uniqueName('modes');
      for (const mode of ['shared', 'broadcast', 'key_shared'] as const) {
        if (caps.modes.includes(mode)) continue;
        await assert.rejects(
          async () => broker.subscribe({ topics: [topic], group: uniqueName('g'), mode }).ready(),
          {
            code: 'HF_BROKER_UNSUPPORTED',
          },
        );
      }
    });

    groupCases(ctx);
    recoveryCases(ctx);
  });
}
