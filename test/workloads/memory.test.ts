/** The workload manager on memory:// (pure logic) plus the permit pool's and key lanes' own rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeroflowError } from '../../src/errors.js';
import { KeyLanes, PermitPool } from '../../src/workloads/index.js';
import { workloadScenarios } from './scenarios.js';

describe('permit pool', () => {
  it('submit resolves when queued, done when run; a full queue rejects with a clear error', async () => {
    const pool = new PermitPool({ globalPermitLimit: 1, maxTasksQueued: 1, maxTasksWaiting: 1 });
    const gates: Array<() => void> = [];
    const task = (v: number) => () => new Promise<number>((res) => gates.push(() => res(v)));
    const a = await pool.submit(task(1)); // running
    const b = await pool.submit(task(2)); // queued
    let cQueued = false;
    const c = pool.submit(task(3)).then((h) => {
      cQueued = true;
      return h;
    }); // offered: waits for queue room
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      { ...pool.counters(), completed: 0, failed: 0, rejected: 0, peakRunning: 0 },
      { running: 1, queued: 1, offered: 1, completed: 0, failed: 0, rejected: 0, peakRunning: 0 },
    );
    assert.equal(cQueued, false, 'an offer waits while the queue is full');
    await assert.rejects(pool.submit(task(4)), (err: unknown) => {
      assert.ok(isHeroflowError(err, 'HF_WORKLOAD_QUEUE_FULL'));
      assert.match(
        (err as Error).message,
        /Failed to enqueue task: the global queue is full \(1 tasks queued for 1 permits, 1 offers waiting\)/,
      );
      return true;
    });
    gates.shift()?.();
    assert.equal(await a.done, 1);
    await until(() => cQueued);
    assert.equal(pool.report(), '[Global Task Executor] Running Tasks: 1, Queued Tasks: 1, Offered: 0');
    gates.shift()?.();
    assert.equal(await b.done, 2);
    await until(() => gates.length > 0);
    gates.shift()?.();
    assert.equal(await (await c).done, 3);
    assert.equal(pool.counters().peakRunning, 1);
    assert.equal(pool.counters().rejected, 1);
  });

  it('a failing task fails its handle, not the pool', async () => {
    const pool = new PermitPool({ globalPermitLimit: 2, maxTasksQueued: 0, maxTasksWaiting: 0 });
    const h = await pool.submit(async () => {
      throw new Error('boom');
    });
    await assert.rejects(h.done, /boom/);
    const ok = await pool.submit(async () => 7);
    assert.equal(await ok.done, 7);
    await pool.close();
    await assert.rejects(
      pool.submit(async () => 1),
      /shut down/,
    );
  });

  it('rejects limits below 1 with the setting named', () => {
    assert.throws(
      () => new PermitPool({ globalPermitLimit: 0, maxTasksQueued: 1, maxTasksWaiting: 1 }),
      /globalPermitLimit/,
    );
  });
});

describe('key lanes', () => {
  it('one in flight per key, the rest in order, lane dropped when idle', () => {
    const lanes = new KeyLanes<number>();
    assert.equal(lanes.enter('a', 1), true);
    assert.equal(lanes.enter('a', 2), false);
    assert.equal(lanes.enter('b', 3), true);
    assert.equal(lanes.enter('a', 4), false);
    assert.equal(lanes.waiting, 2);
    assert.equal(lanes.leave('a'), 2);
    assert.equal(lanes.leave('a'), 4);
    assert.equal(lanes.leave('a'), undefined);
    assert.equal(lanes.leave('b'), undefined);
    assert.equal(lanes.size, 0);
  });
});

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

workloadScenarios('memory://', 'workload manager on memory://', false);
