import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitTracker, OffsetTracker } from '../../../src/brokers/util/offset-tracker.js';

describe('OffsetTracker', () => {
  it('advances only over a contiguous run of done offsets', () => {
    const t = new OffsetTracker(10n);
    for (let o = 10n; o < 15n; o++) t.track(o);
    assert.equal(t.markDone(12n), undefined, '10 and 11 are in flight');
    assert.equal(t.markDone(14n), undefined);
    assert.equal(t.watermark, 10n);
    assert.equal(t.markDone(10n), 11n);
    assert.equal(t.markDone(11n), 13n, 'jumps over the already-done 12');
    assert.equal(t.markDone(13n), 15n, 'everything delivered is done: one past the last');
    assert.equal(t.inFlight, 0);
  });

  it('ignores repeats, offsets below the watermark and offsets never delivered', () => {
    const t = new OffsetTracker(0n);
    t.track(0n);
    t.track(1n);
    t.track(1n); // a redelivery of an offset still in flight
    assert.equal(t.markDone(5n), undefined);
    assert.equal(t.markDone(0n), 1n);
    assert.equal(t.markDone(0n), undefined);
    assert.equal(t.markDone(1n), 2n);
  });

  it('does not stall on gaps in the log (transaction markers, compaction)', () => {
    const t = new OffsetTracker(0n);
    t.track(3n);
    t.track(7n);
    assert.equal(t.watermark, 3n);
    assert.equal(t.markDone(7n), undefined);
    assert.equal(t.markDone(3n), 8n);
  });

  it('stays correct over many offsets finished in random order', () => {
    const t = new OffsetTracker(0n);
    const n = 5000;
    for (let o = 0; o < n; o++) t.track(BigInt(o));
    const order = Array.from({ length: n }, (_, i) => i).sort(() => Math.random() - 0.5);
    const done = new Set<number>();
    for (const o of order) {
      t.markDone(BigInt(o));
      done.add(o);
      let expected = 0;
      while (done.has(expected)) expected++;
      if (o % 97 === 0 || done.size === n) assert.equal(t.watermark, BigInt(expected));
    }
    assert.equal(t.watermark, BigInt(n));
  });
});

describe('CommitTracker', () => {
  it('tracks partitions independently and forgets revoked ones', () => {
    const c = new CommitTracker();
    c.reset('t', 0, 0n);
    c.reset('t', 1, 100n);
    c.track('t', 0, 0n);
    c.track('t', 1, 100n);
    assert.equal(c.markDone('t', 1, 100n), 101n);
    assert.equal(c.get('t', 0)?.watermark, 0n);
    c.forget('t', 0);
    assert.equal(c.markDone('t', 0, 0n), undefined, 'late commit of a revoked partition is ignored');
  });
});
