/** Contract cases about who receives what: sequential and parallel consumers, groups, broadcast. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Delivery, Subscription } from '../../src/brokers/types.js';
import { collect, collectUntil } from './collect.js';
import { messages, range, sortTags, tags, uniqueName } from './fixtures.js';
import type { CaseContext } from './suite.js';

const hasAll = (want: string[]) => (got: Delivery[]) => {
  const seen = new Set(tags(got));
  return want.every((x) => seen.has(x));
};

export function groupCases(ctx: CaseContext): void {
  it('sequential subscriptions of one group continue after the last commit', async (t) => {
    const caps = ctx.caps();
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName('seq');
    const group = uniqueName('g');
    await broker.ensureTopics([{ topic, partitions: 2 }]);
    const first = await h.subscribe(broker, { topics: [topic], group, from: 'earliest' });
    await broker.publish(messages(topic, 10, { run: 'a' }));
    const gotA = await collect(first, 10, { timeoutMs: ctx.timeoutMs, commit: true });
    assert.deepEqual(sortTags(tags(gotA)), range('a', 0, 10));
    await first.close();
    // Published while nobody listens: kept by a persistent broker, lost by the others.
    await broker.publish(messages(topic, 10, { run: 'b' }));
    const second = await h.subscribe(broker, { topics: [topic], group, from: 'earliest' });
    if (caps.persistence) {
      const got = await collect(second, 10, { timeoutMs: ctx.timeoutMs, commit: true });
      assert.deepEqual(
        sortTags(tags(got)),
        range('b', 0, 10),
        'persistent: the gap is kept, committed ones are not repeated',
      );
      return;
    }
    await broker.publish(messages(topic, 5, { run: 'c' }));
    const got = await collectUntil(second, hasAll(range('c', 0, 5)), {
      timeoutMs: ctx.timeoutMs,
      commit: true,
    });
    assert.deepEqual(
      sortTags(tags(got)),
      range('c', 0, 5),
      'not persistent: what nobody listened to is gone',
    );
  });

  it('parallel subscriptions in different groups each receive everything', async (t) => {
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName('par');
    await broker.ensureTopics([{ topic, partitions: 2 }]);
    const subs = [
      await h.subscribe(broker, { topics: [topic], group: uniqueName('g1'), from: 'earliest' }),
      await h.subscribe(broker, { topics: [topic], group: uniqueName('g2'), from: 'earliest' }),
    ];
    await broker.publish(messages(topic, 20));
    const got = await Promise.all(
      subs.map((s) => collect(s, 20, { timeoutMs: ctx.timeoutMs, commit: true })),
    );
    for (const g of got) assert.deepEqual(sortTags(tags(g)), range('a', 0, 20));
  });

  it('a group of two shares the work (queue) or both receive everything (broadcast)', async (t) => {
    const caps = ctx.caps();
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName('group');
    const group = uniqueName('g');
    await broker.ensureTopics([{ topic, partitions: 2 }]);
    const a = await h.subscribe(broker, { topics: [topic], group, from: 'earliest', consumerId: 'a' });
    const b = await h.subscribe(broker, { topics: [topic], group, from: 'earliest', consumerId: 'b' });
    await broker.publish(messages(topic, 100, { keys: 16 }));
    if (caps.groups === 'broadcast') {
      const got = await Promise.all(
        [a, b].map((s) => collect(s, 100, { timeoutMs: ctx.timeoutMs, commit: true })),
      );
      for (const g of got)
        assert.deepEqual(sortTags(tags(g)), range('a', 0, 100), 'every member gets everything');
      return;
    }
    const [gotA, gotB] = await readShared([a, b], 100, ctx.timeoutMs);
    const tagsA = tags(gotA);
    const tagsB = tags(gotB);
    assert.deepEqual(
      sortTags([...tagsA, ...tagsB]),
      range('a', 0, 100),
      'together they get everything, once',
    );
    assert.ok(
      tagsA.length > 0 && tagsB.length > 0,
      `both members work (a: ${tagsA.length}, b: ${tagsB.length})`,
    );
  });

  it("mode 'broadcast' delivers everything to every subscriber", async (t) => {
    const caps = ctx.caps();
    if (!caps.modes.includes('broadcast')) {
      t.skip("mode 'broadcast' is not declared");
      return;
    }
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName('bcast');
    const group = uniqueName('g');
    await broker.ensureTopics([{ topic, partitions: 2 }]);
    const subs = [
      await h.subscribe(broker, { topics: [topic], group, mode: 'broadcast' }),
      await h.subscribe(broker, { topics: [topic], group, mode: 'broadcast' }),
    ];
    await broker.publish(messages(topic, 20));
    const got = await Promise.all(
      subs.map((s) => collect(s, 20, { timeoutMs: ctx.timeoutMs, commit: true })),
    );
    for (const g of got) assert.deepEqual(sortTags(tags(g)), range('a', 0, 20));
  });
}

/** Read from several members at once, committing as they go, until `n` messages arrived in total. */
async function readShared(subs: Subscription[], n: number, timeoutMs: number): Promise<Delivery[][]> {
  const got: Delivery[][] = subs.map(() => []);
  const deadline = Date.now() + timeoutMs;
  const total = () => got.reduce((sum, g) => sum + g.length, 0);
  await Promise.all(
    subs.map(async (sub, i) => {
      while (total() < n && Date.now() < deadline) {
        const batch = await collect(sub, 10, { timeoutMs: Math.min(200, deadline - Date.now()) });
        got[i].push(...batch);
        await sub.commit(batch);
      }
    }),
  );
  return got;
}
