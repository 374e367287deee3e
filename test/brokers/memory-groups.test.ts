/** Memory broker consumer groups: rebalancing, callback order, committed offsets, start positions. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { assignPartitions } from '../../src/brokers/memory/assign.js';
import { openBroker } from '../../src/brokers/registry.js';
import type { Broker, Delivery, Subscription, TopicPartition } from '../../src/brokers/types.js';

const enc = (s: string) => new TextEncoder().encode(s);
const text = (d: Delivery) => new TextDecoder().decode(d.value);
const names = (tps: TopicPartition[]) => tps.map((tp) => `${tp.topic}/${tp.partition}`).sort();

async function withBroker(partitions: number, fn: (b: Broker) => Promise<void>): Promise<void> {
  const broker = await openBroker(
    `memory://groups-${randomBytes(4).toString('hex')}?partitions=${partitions}`,
  );
  try {
    await fn(broker);
  } finally {
    await broker.close();
  }
}

async function take(sub: Subscription): Promise<Delivery[]> {
  const r = await sub[Symbol.asyncIterator]().next();
  assert.equal(r.done, false);
  return r.value;
}

describe('memory broker: assignment', () => {
  it('balances per topic and keeps what a member owns (sticky)', () => {
    const counts = new Map([['t', 6]]);
    const a = { id: 'a', topics: ['t'] };
    const b = { id: 'b', topics: ['t'] };
    const c = { id: 'c', topics: ['t'] };
    const three = assignPartitions([a, b, c], counts, new Map());
    assert.deepEqual(
      [...three.values()].map((s) => s.size),
      [2, 2, 2],
    );
    const afterLeave = assignPartitions([a, c], counts, three);
    for (const key of three.get('a')!) assert.ok(afterLeave.get('a')!.has(key), `a keeps ${key}`);
    for (const key of three.get('c')!) assert.ok(afterLeave.get('c')!.has(key), `c keeps ${key}`);
    assert.equal(afterLeave.get('a')!.size + afterLeave.get('c')!.size, 6);
  });

  it('only gives a topic to members subscribed to it', () => {
    const result = assignPartitions(
      [
        { id: 'a', topics: ['x'] },
        { id: 'b', topics: ['x', 'y'] },
      ],
      new Map([
        ['x', 2],
        ['y', 2],
      ]),
      new Map(),
    );
    assert.deepEqual([...result.get('a')!].sort(), ['x/0']);
    assert.deepEqual([...result.get('b')!].sort(), ['x/1', 'y/0', 'y/1']);
  });
});

describe('memory broker: rebalancing', () => {
  it('revokes before it assigns, on join and on leave', () =>
    withBroker(4, async (broker) => {
      const events: string[] = [];
      const member = (id: string) =>
        broker.subscribe({
          topics: ['t'],
          group: 'g',
          consumerId: id,
          onAssign: (tps) => {
            events.push(`${id}+${names(tps).join(',')}`);
            return undefined;
          },
          onRevoke: async (tps) => {
            await new Promise((r) => setTimeout(r, 5)); // a slow flush must still finish first
            events.push(`${id}-${names(tps).join(',')}`);
          },
        });
      const a = member('a');
      await a.ready();
      assert.deepEqual(events, ['a+t/0,t/1,t/2,t/3']);
      const b = member('b');
      await b.ready();
      assert.equal(events.length, 3);
      assert.match(events[1], /^a-/, 'a gives partitions up first');
      assert.match(events[2], /^b\+/, 'then b gets them');
      assert.equal(events[1].slice(2), events[2].slice(2), 'exactly what a gave up');
      assert.equal(a.assignment().length, 2);
      assert.equal(b.assignment().length, 2);
      events.length = 0;
      const fromB = names(b.assignment()).join(',');
      await b.close();
      assert.deepEqual(events, [`b-${fromB}`, `a+${fromB}`]);
      assert.equal(a.assignment().length, 4);
      assert.deepEqual(b.assignment(), []);
    }));

  it('lets onRevoke commit what it holds, so the next owner does not repeat it', () =>
    withBroker(1, async (broker) => {
      let held: Delivery[] = [];
      const a = broker.subscribe({
        topics: ['t'],
        group: 'g',
        from: 'earliest',
        onRevoke: () => a.commit(held),
      });
      await a.ready();
      await broker.publish(['0', '1', '2'].map((v) => ({ topic: 't', value: enc(v) })));
      held = await take(a);
      assert.equal(held.length, 3);
      await a.close();
      const b = broker.subscribe({ topics: ['t'], group: 'g' });
      await b.ready();
      await broker.publish([{ topic: 't', value: enc('3') }]);
      assert.deepEqual((await take(b)).map(text), ['3']);
    }));

  it('keeps committed offsets when every member has left, and redelivers the rest marked', () =>
    withBroker(1, async (broker) => {
      const a = broker.subscribe({ topics: ['t'], group: 'g', from: 'earliest', maxBatch: 10 });
      await a.ready();
      await broker.publish(['0', '1', '2', '3'].map((v) => ({ topic: 't', value: enc(v) })));
      const got = await take(a);
      await a.commit(got.slice(0, 2));
      await got[3].ack(); // out of order: offset 2 is still in flight, so 3 is not acknowledged yet
      await a.close();
      const b = broker.subscribe({ topics: ['t'], group: 'g', from: 'latest' });
      await b.ready();
      const again = await take(b);
      assert.deepEqual(again.map(text), ['2', '3']);
      assert.deepEqual(
        again.map((d) => [d.offset, d.redelivered]),
        [
          [2n, true],
          [3n, true],
        ],
      );
      await b.commit(again);
      await broker.publish([{ topic: 't', value: enc('4') }]);
      const fresh = await take(b);
      assert.deepEqual(
        fresh.map((d) => [text(d), d.redelivered]),
        [['4', false]],
      );
    }));

  it('seeks to the start positions onAssign returns', () =>
    withBroker(1, async (broker) => {
      await broker.ensureTopics([{ topic: 't', partitions: 1 }]);
      await broker.publish(['0', '1', '2', '3'].map((v) => ({ topic: 't', value: enc(v) })));
      const sub = broker.subscribe({
        topics: ['t'],
        group: 'g',
        onAssign: (tps) => tps.map((tp) => ({ ...tp, offset: 2n })),
      });
      await sub.ready();
      assert.deepEqual((await take(sub)).map(text), ['2', '3']);
    }));

  it('gives partitions added by ensureTopics to the group', () =>
    withBroker(1, async (broker) => {
      const sub = broker.subscribe({ topics: ['t'], group: 'g' });
      await sub.ready();
      assert.equal(sub.assignment().length, 1);
      await broker.ensureTopics([{ topic: 't', partitions: 3 }]);
      await broker.publish(
        Array.from({ length: 6 }, (_, i) => ({ topic: 't', key: `k${i}`, value: enc(`${i}`) })),
      );
      const seen = new Set<number>();
      while (seen.size < 3) for (const d of await take(sub)) seen.add(d.partition);
      assert.equal(sub.assignment().length, 3);
    }));
});

describe('memory broker: churn', () => {
  it('loses nothing and repeats nothing while members join and leave mid-stream (commit in onRevoke)', () =>
    withBroker(4, async (broker) => {
      const total = 2000;
      const seen = new Map<string, number>();
      const members = new Set<Subscription>();
      let stop = false;
      const join = (id: number) => {
        const held: Delivery[] = [];
        const sub: Subscription = broker.subscribe({
          topics: ['t'],
          group: 'g',
          from: 'earliest',
          maxBatch: 13,
          consumerId: `m${id}`,
          // Flush: whatever this member took of the revoked partitions is processed and committed.
          onRevoke: async () => {
            await sub.commit(held.splice(0));
          },
        });
        members.add(sub);
        const loop = (async () => {
          for await (const batch of sub) {
            for (const d of batch) seen.set(text(d), (seen.get(text(d)) ?? 0) + 1);
            held.push(...batch);
            if (Math.random() < 0.5) await sub.commit(held.splice(0));
            if (stop) break;
          }
        })();
        return { sub, loop };
      };
      const running = [join(0)];
      await running[0].sub.ready();
      for (let i = 0; i < total; i += 100) {
        await broker.publish(
          Array.from({ length: 100 }, (_, j) => ({
            topic: 't',
            key: `k${(i + j) % 37}`,
            value: enc(`${i + j}`),
          })),
        );
        if (i % 300 === 0) running.push(join(i));
        if (i % 500 === 0 && running.length > 2) {
          const leaving = running.splice(1, 1)[0];
          await leaving.sub.close();
        }
        await new Promise((r) => setImmediate(r));
      }
      const deadline = Date.now() + 5000;
      while (seen.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      stop = true;
      await Promise.all([...members].map((s) => s.close()));
      await Promise.all(running.map((r) => r.loop));
      assert.equal(seen.size, total, 'every message arrived');
      const repeats = [...seen.values()].filter((n) => n > 1).length;
      assert.equal(repeats, 0, 'committing in onRevoke leaves nothing to repeat');
    }));
});
