import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchQueue } from '../../../src/brokers/util/batch-queue.js';

describe('BatchQueue', () => {
  it('pauses the producer at capacity and resumes it at the low watermark, never dropping', async () => {
    const calls: string[] = [];
    const q = new BatchQueue<number>({
      capacity: 4,
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    });
    const accepted = [1, 2, 3, 4, 5].map((n) => q.push(n));
    assert.deepEqual(accepted, [true, true, true, false, false]);
    assert.deepEqual(calls, ['pause']);
    assert.equal(q.size, 5, 'what the client already handed over is kept');
    assert.deepEqual(await q.next(2), [1, 2]);
    assert.deepEqual(calls, ['pause'], 'still above the low watermark (2)');
    assert.deepEqual(await q.next(1), [3]);
    assert.deepEqual(calls, ['pause', 'resume']);
    assert.deepEqual(await q.next(10), [4, 5]);
  });

  it('blocks while empty and returns as soon as something arrives', async () => {
    const q = new BatchQueue<string>({ capacity: 10 });
    const pending = q.next(5);
    setTimeout(() => q.push('a'), 5);
    assert.deepEqual(await pending, ['a']);
  });

  it('waits up to maxWaitMs to fill a batch once one item is there', async () => {
    const q = new BatchQueue<number>({ capacity: 10 });
    q.push(1);
    const pending = q.next(3, 1_000);
    setTimeout(() => {
      q.push(2);
      q.push(3);
    }, 5);
    assert.deepEqual(await pending, [1, 2, 3], 'full before the deadline: returns at once');
  });

  it('drains and then ends when closed; fail() rejects after draining', async () => {
    const q = new BatchQueue<number>({ capacity: 10 });
    const waiting = q.next(5);
    q.close();
    assert.equal(await waiting, null);
    const f = new BatchQueue<number>({ capacity: 10 });
    f.push(1);
    f.fail(new Error('socket closed'));
    assert.deepEqual(await f.next(5), [1]);
    await assert.rejects(f.next(5), /socket closed/);
  });

  it('discards items of revoked partitions', async () => {
    const q = new BatchQueue<{ p: number }>({ capacity: 10 });
    for (const p of [0, 1, 0, 1]) q.push({ p });
    assert.equal(
      q.discard((x) => x.p === 1),
      2,
    );
    assert.deepEqual(await q.next(10), [{ p: 0 }, { p: 0 }]);
  });
});
