/** Contract cases about failures: replay after a crash, out-of-order commits, saturation, nacks, restarts. */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import type { Delivery } from '../../src/brokers/types.js';
import { collect, collectUntil } from './collect.js';
import { messages, payload, range, sortTags, tags, uniqueName } from './fixtures.js';
import type { CaseContext } from './suite.js';

const hasAll = (want: string[]) => (got: Delivery[]) => {
  const seen = new Set(tags(got));
  return want.every((x) => seen.has(x));
};

export function recoveryCases(ctx: CaseContext): void {
  it('redelivers uncommitted messages after a member closes without committing (replay)', async (t) => {
    const caps = ctx.caps();
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName('replay');
    const group = uniqueName('g');
    await broker.ensureTopics([{ topic, partitions: 2 }]);
    const crashed = await h.subscribe(broker, { topics: [topic], group, from: 'earliest' });
    await broker.publish(messages(topic, 20));
    const first = await collect(crashed, 20, { timeoutMs: ctx.timeoutMs });
    assert.equal(first.length, 20);
    await crashed.close(); // no commit: the "crash"
    const next = await h.subscribe(broker, { topics: [topic], group, from: 'earliest' });
    if (caps.replay) {
      const again = await collectUntil(next, hasAll(range('a', 0, 20)), {
        timeoutMs: ctx.timeoutMs,
        commit: true,
      });
      assert.deepEqual(
        sortTags(new Set(tags(again))),
        range('a', 0, 20),
        'every uncommitted message comes back',
      );
      if (caps.redeliveryFlag) {
        for (const d of again) assert.equal(d.redelivered, true, `${d.id} is marked redelivered`);
      }
      return;
    }
    await broker.publish(messages(topic, 4, { run: 'marker' }));
    const got = await collectUntil(next, hasAll(range('marker', 0, 4)), {
      timeoutMs: ctx.timeoutMs,
      commit: true,
    });
    assert.deepEqual(
      sortTags(tags(got)),
      range('marker', 0, 4),
      'without replay, delivered messages do not return',
    );
  });

  it('close() runs onRevoke while the member still holds its messages; commits made there count', async (t) => {
    const caps = ctx.caps();
    if (!caps.replay) {
      t.skip('declares replay: false (nothing would come back without the commit either)');
      return;
    }
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName('revoke');
    const group = uniqueName('g');
    await broker.ensureTopics([{ topic, partitions: 1 }]);
    let held: Delivery[] = [];
    const revoked: string[] = [];
    const leaving = await h.subscribe(broker, {
      topics: [topic],
      group,
      from: 'earliest',
      onRevoke: async (tps) => {
        revoked.push(...tps.map((tp) => tp.topic));
        await leaving.commit(held); // what a worker does: flush its files, then commit
      },
    });
    await broker.publish(messages(topic, 10));
    held = await collect(leaving, 10, { timeoutMs: ctx.timeoutMs });
    await leaving.close();
    assert.deepEqual([...new Set(revoked)], [topic], 'onRevoke ran on close, for the topic held');
    const next = await h.subscribe(broker, { topics: [topic], group, from: 'earliest' });
    await broker.publish(messages(topic, 2, { run: 'marker' }));
    const got = await collectUntil(next, hasAll(range('marker', 0, 2)), {
      timeoutMs: ctx.timeoutMs,
      commit: true,
    });
    assert.deepEqual(sortTags(tags(got)), range('marker', 0, 2), 'what was committed in onRevoke stays done');
  });

  it('out-of-order commits never acknowledge a message still in flight', async (t) => {
    const caps = ctx.caps();
    if (!caps.replay) {
      t.skip('declares replay: false (nothing comes back after a crash either way)');
      return;
    }
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName('ooo');
    const group = uniqueName('g');
    await broker.ensureTopics([{ topic, partitions: 1 }]);
    const crashed = await h.subscribe(broker, { topics: [topic], group, from: 'earliest' });
    await broker.publish(messages(topic, 10, { keys: 1 }));
    const got = await collect(crashed, 10, { timeoutMs: ctx.timeoutMs });
    assert.equal(got.length, 10);
    // Finish the later half first, then crash while the earlier half is still in flight.
    await crashed.commit(got.filter((d) => payload(d).seq >= 5));
    await crashed.close();
    const next = await h.subscribe(broker, { topics: [topic], group, from: 'earliest' });
    const again = await collectUntil(next, hasAll(range('a', 0, 5)), {
      timeoutMs: ctx.timeoutMs,
      commit: true,
    });
    const back = new Set(tags(again));
    for (const x of range('a', 0, 5)) assert.ok(back.has(x), `${x} (in flight at the crash) came back`);
  });

  it('resumes after a period of saturation without acks', async (t) => {
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName('saturate');
    await broker.ensureTopics([{ topic, partitions: 2 }]);
    const sub = await h.subscribe(broker, {
      topics: [topic],
      group: uniqueName('g'),
      from: 'earliest',
      maxBatch: 10,
    });
    const n = 300;
    await broker.publish(messages(topic, n));
    // Pull without acking until everything came or the adapter stops handing out more (prefetch limit).
    const unacked = await collect(sub, n, { timeoutMs: ctx.timeoutMs, idleMs: ctx.idleMs });
    assert.ok(unacked.length > 0, 'something arrives before any ack');
    await sub.commit(unacked);
    const seen = new Set(tags(unacked));
    const rest = await collectUntil(
      sub,
      (got) => {
        for (const x of tags(got)) seen.add(x);
        return seen.size >= n;
      },
      { timeoutMs: ctx.timeoutMs, commit: true },
    );
    for (const x of tags(rest)) seen.add(x);
    assert.equal(seen.size, n, `all ${n} arrive once acks resume (saturated at ${unacked.length})`);
  });

  /** The nack cases' start: `n` messages of one key published and received, or a skip where a nack brings nothing back. */
  async function nackCase(t: TestContext, prefix: string, n: number) {
    const caps = ctx.caps();
    if (caps.delivery !== 'at-least-once') {
      t.skip('declares at-most-once delivery: a nack cannot bring a message back');
      return undefined;
    }
    const h = ctx.harness(t);
    const broker = await h.open();
    const topic = uniqueName(prefix);
    await broker.ensureTopics([{ topic, partitions: 1 }]);
    const sub = await h.subscribe(broker, { topics: [topic], group: uniqueName('g'), from: 'earliest' });
    await broker.publish(messages(topic, n, { keys: 1 }));
    const got = await collect(sub, n, { timeoutMs: ctx.timeoutMs });
    assert.equal(got.length, n);
    return { caps, broker, topic, sub, got };
  }

  it('nack(requeue) redelivers; nack({ requeue: false }) drops', async (t) => {
    const c = await nackCase(t, 'nack', 10);
    if (!c) return;
    const { caps, broker, topic, sub, got } = c;
    for (const d of got) {
      const seq = payload(d).seq;
      if (seq === 1 || seq === 2) await d.nack();
      else if (seq === 3) await d.nack({ requeue: false });
      else await d.ack();
    }
    const again = await collectUntil(sub, hasAll(['a:1', 'a:2']), { timeoutMs: ctx.timeoutMs, commit: true });
    for (const d of again) {
      assert.ok(['a:1', 'a:2'].includes(tags([d])[0]), `only the requeued come back, got ${tags([d])[0]}`);
      if (caps.redeliveryFlag) assert.equal(d.redelivered, true, 'a requeued message is marked redelivered');
    }
    assert.deepEqual(sortTags(new Set(tags(again))), ['a:1', 'a:2']);
    await broker.publish(messages(topic, 2, { run: 'marker', keys: 1 }));
    const after = await collectUntil(sub, hasAll(range('marker', 0, 2)), {
      timeoutMs: ctx.timeoutMs,
      commit: true,
    });
    assert.deepEqual(sortTags(tags(after)), range('marker', 0, 2), 'the dropped message does not come back');
  });

  it('nack({ delayMs }) hands the message back after the delay; the others are unaffected', async (t) => {
    const c = await nackCase(t, 'nackdelay', 4);
    if (!c) return;
    const { caps, sub, got } = c;
    for (const d of got) {
      if (payload(d).seq === 2) await d.nack({ delayMs: 300 });
      else await d.ack();
    }
    const again = await collectUntil(sub, hasAll(['a:2']), { timeoutMs: ctx.timeoutMs, commit: true });
    assert.deepEqual(sortTags(new Set(tags(again))), ['a:2'], 'only the delayed nack comes back');
    if (caps.redeliveryFlag) assert.equal(again[0].redelivered, true, 'marked redelivered');
  });

  it('at-least-once through a restart: a new broker handle continues after the last commit', async (t) => {
    const caps = ctx.caps();
    if (!caps.replay || !caps.persistence) {
      t.skip('declares no replay or no persistence: a restart loses what was in flight');
      return;
    }
    const h = ctx.harness(t);
    const topic = uniqueName('restart');
    const group = uniqueName('g');
    const before = await h.open();
    await before.ensureTopics([{ topic, partitions: 2 }]);
    const sub = await h.subscribe(before, { topics: [topic], group, from: 'earliest', maxBatch: 5 });
    await before.publish(messages(topic, 20));
    const processed = await collect(sub, 10, { timeoutMs: ctx.timeoutMs });
    await sub.commit(processed);
    const inFlight = await collect(sub, 10, { timeoutMs: ctx.timeoutMs });
    assert.equal(processed.length + inFlight.length, 20);
    // The new handle opens before the old one closes: an in-process broker lives while a handle is open.
    const after = await h.open();
    await before.close();
    const resumed = await h.subscribe(after, { topics: [topic], group, from: 'earliest' });
    const want = tags(inFlight);
    const got = await collectUntil(resumed, hasAll(want), { timeoutMs: ctx.timeoutMs, commit: true });
    const done = new Set(tags(processed));
    assert.deepEqual(sortTags(new Set(tags(got))), sortTags(want), 'exactly the uncommitted ones come back');
    for (const x of tags(got)) assert.ok(!done.has(x), `${x} was committed and must not return`);
  });
}
