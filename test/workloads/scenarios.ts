/**
 * The workload manager's invariants, run against one broker URL (memory:// and the real servers): the
 * global and per-workload limits, per-key ordering, failures redelivered until acked, a workload removed
 * at run time draining while the others go on, an empty requested set stopping everything, no message
 * lost or processed twice across remove/add, and the shutdown order. Never timings.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import type { Broker } from '../../src/brokers/types.js';
import {
  PermitPool,
  parseWorkload,
  type RunnerEvent,
  StaticDiscovery,
  shutdownInOrder,
  WorkloadManager,
  type WorkloadSpec,
} from '../../src/workloads/index.js';
import { bodies, Probe, recording, until } from './probe.js';

const unique = (k: string) => `wl.${k}.${randomBytes(4).toString('hex')}`;

interface Rig {
  broker: Broker;
  raw: Broker;
  events: string[];
  manager: WorkloadManager;
  discovery: StaticDiscovery;
  pool: PermitPool;
  shutdown(): Promise<string[]>;
}

async function rig(
  url: string,
  probe: Probe,
  pool: PermitPool,
  opts: { stopTimeoutMs?: number } = {},
): Promise<Rig> {
  const raw = await openBroker(url, { defaultPartitions: 2 });
  const events: string[] = [];
  const broker = recording(raw, events);
  const discovery = new StaticDiscovery();
  const manager = new WorkloadManager({
    broker,
    pool,
    processorFor: (spec) => probe.processor(spec),
    sources: [discovery],
    pollIntervalMs: 60_000,
    stopTimeoutMs: opts.stopTimeoutMs ?? 30_000,
    consumerIdFor: (spec) => `test-${spec.name}`,
    onEvent: (w: string, e: RunnerEvent) => events.push(`${e} ${w}`),
    log: (level, msg, fields) => {
      if (level === 'warn' || level === 'error') events.push(`log ${level} ${msg} ${JSON.stringify(fields)}`);
    },
  });
  await manager.start();
  return {
    broker,
    raw,
    events,
    manager,
    discovery,
    pool,
    async shutdown() {
      const steps = await shutdownInOrder(
        [
          { name: 'workloads', run: () => manager.shutdown() },
          { name: 'pool', run: () => pool.close() },
          { name: 'producers', run: async () => {} },
          { name: 'client', run: () => broker.close() },
        ],
        30_000,
      );
      return steps.map((s) => `${s.name}:${s.outcome}`);
    },
  };
}

function spec(name: string, topics: string[], extra: Record<string, unknown> = {}): WorkloadSpec {
  // A group of its own per run: a Kafka group that once read other topics would rebalance with them.
  return parseWorkload(
    { name, topics, group: unique(`g-${name}`), redeliveryDelayMs: 100, ...extra },
    'the test',
  );
}

/** Index of the first event matching, -1 if none. */
const at = (events: string[], e: string) => events.indexOf(e);
const lastAt = (events: string[], e: string) => events.lastIndexOf(e);

export function workloadScenarios(url: string, name: string, skip: false | string): void {
  describe(name, { skip }, () => {
    it('global limit across workloads, per-workload parallelism, failures redelivered until acked, drain on shutdown', async () => {
      const probe = new Probe({ sleepMs: 15, failFirstAttempt: (b) => b.seq % 7 === 3 });
      const pool = new PermitPool({ globalPermitLimit: 4, maxTasksQueued: 20, maxTasksWaiting: 10 });
      const r = await rig(url, probe, pool);
      const topics = [unique('first'), unique('second'), unique('third')];
      await r.raw.ensureTopics(topics.map((topic) => ({ topic, partitions: 2 })));
      const names = ['lions', 'wolves', 'falcons'];
      for (const [i, t] of topics.entries()) await r.raw.publish(bodies(t, names[i], 24));
      r.discovery.set(
        names.map((n, i) => spec(n, [topics[i]], { processingParallelism: 3, ackParallelism: 2 })),
      );
      await r.manager.poll();
      await until(
        () => names.every((n) => probe.done(n) === 24),
        'every message of the three workloads to succeed',
      );
      await until(() => r.manager.list().every((x) => x.held === 0), 'the last acks');
      const stats = r.manager.list();
      const steps = await r.shutdown();

      assert.ok(probe.maxGlobal <= 4, `global concurrency ${probe.maxGlobal} ≤ globalPermitLimit 4`);
      assert.ok(pool.counters().peakRunning <= 4, 'the pool never granted more than 4 permits');
      for (const n of names)
        assert.ok((probe.maxPerWorkload.get(n) ?? 0) <= 3, `${n}: ≤ processingParallelism 3`);
      assert.ok(probe.failures > 0, 'some first attempts failed');
      for (const [tag, n] of probe.succeeded) assert.equal(n, 1, `${tag} succeeded once`);
      for (const s of stats) {
        assert.equal(
          s.acked,
          24,
          `${s.name}: every message acked once ${JSON.stringify(s)} ${probe.log.filter((l) => l.startsWith(s.name))}`,
        );
        assert.ok(s.nacked >= 3, `${s.name}: the failed attempts were nacked (${s.nacked})`);
      }
      assert.deepEqual(steps, ['workloads:done', 'pool:done', 'producers:done', 'client:done']);
      for (const n of names) {
        const g = stats.find((x) => x.name === n)?.group;
        assert.ok(
          at(r.events, `pulling-stopped ${n}`) < at(r.events, `drained ${n}`),
          `${n}: pull stops before the drain`,
        );
        assert.ok(
          lastAt(r.events, `ack ${g}`) < at(r.events, `close ${g}`),
          `${n}: every ack before its consumer closed`,
        );
      }
      assert.equal(r.events.at(-1), 'client closed', 'the client closes last');
      console.log(
        `# ${name}: peak global ${probe.maxGlobal}/4, per workload ${[...probe.maxPerWorkload.values()]}/3, ${probe.failures} failures redelivered`,
      );
    });

    it('ordered workload: at most one message per key in flight, keys in order, lanes dropped when idle', async () => {
      const probe = new Probe({ sleepMs: 5 });
      const pool = new PermitPool({ globalPermitLimit: 3, maxTasksQueued: 20, maxTasksWaiting: 10 });
      const r = await rig(url, probe, pool);
      const topic = unique('ordered');
      await r.raw.ensureTopics([{ topic, partitions: 2 }]);
      await r.raw.publish(bodies(topic, 'cats', 60, 6));
      r.discovery.set([spec('cats', [topic], { ordered: true, processingParallelism: 4 })]);
      await r.manager.poll();
      await until(() => probe.done('cats') === 60, 'all 60 keyed messages');
      await until(
        () => r.manager.stats('cats')?.held === 0,
        'the last acks',
        60_000,
        () => JSON.stringify(r.manager.stats('cats')),
      );
      const s = r.manager.stats('cats');
      await r.shutdown();
      assert.equal(probe.maxPerKey, 1, 'never two messages of one key at once');
      assert.ok(probe.maxGlobal <= 3 && (probe.maxPerWorkload.get('cats') ?? 0) <= 3, 'limits still hold');
      for (const [lane, seqs] of probe.starts) {
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          `${lane} in publish order`,
        );
      }
      assert.equal(probe.starts.size, 6, 'six keys');
      assert.equal(s?.keyLanes, 0, 'no lane kept once its key is idle');
      assert.equal(s?.acked, 60, 'every message acked once');
      console.log(
        `# ${name}: ordered peak ${probe.maxGlobal} tasks across ${probe.starts.size} keys, 1 per key`,
      );
    });

    it('remove one at run time (drains, others go on), empty set stops all, add again: nothing lost or twice', async () => {
      const probe = new Probe({ sleepMs: 20 });
      const pool = new PermitPool({ globalPermitLimit: 4, maxTasksQueued: 20, maxTasksWaiting: 10 });
      const r = await rig(url, probe, pool);
      const [ta, tb] = [unique('cats'), unique('dogs')];
      await r.raw.ensureTopics([ta, tb].map((topic) => ({ topic, partitions: 2 })));
      await r.raw.publish([...bodies(ta, 'cats', 30), ...bodies(tb, 'dogs', 40)]);
      const cats = spec('cats', [ta], { processingParallelism: 2 });
      const dogs = spec('dogs', [tb], { processingParallelism: 2 });
      r.discovery.set([cats, dogs]);
      await r.manager.poll();
      await until(() => probe.done('cats') >= 4, 'cats under way');
      r.discovery.set([dogs]);
      await r.manager.poll(); // set() already asked for one; this waits for it
      assert.deepEqual(r.manager.running(), ['dogs'], 'cats removed at once');
      await until(() => r.events.includes('consumer-closed cats'), 'cats drained and closed');
      const dogsAtCatsClose = probe.done('dogs');
      assert.ok(
        dogsAtCatsClose < 40,
        'dogs not finished when cats closed (the test needs them still running)',
      );
      assert.deepEqual(r.manager.running(), ['dogs']);
      await until(() => probe.done('dogs') > dogsAtCatsClose, 'dogs go on after cats stopped');
      assert.ok(r.events.indexOf('drained cats') > -1, 'cats drained (not forced)');

      r.discovery.set([]);
      await r.manager.poll();
      assert.deepEqual(r.manager.running(), [], 'the empty set stops what runs');
      await until(() => r.manager.list().length === 0, 'nothing left running or draining');
      const frozen = probe.done('cats') + probe.done('dogs');
      assert.ok(frozen < 70, 'stopped before the end (some messages wait)');

      await r.raw.publish(bodies(ta, 'cats', 10, 5, 30));
      r.discovery.set([cats, dogs]);
      await r.manager.poll();
      await until(
        () => probe.done('cats') === 40 && probe.done('dogs') === 40,
        'every message after the restart',
      );
      await r.shutdown();
      for (const [tag, n] of probe.succeeded)
        assert.equal(
          n,
          1,
          `${tag} processed once across remove/add: ${probe.log.filter((l) => l.startsWith(`${tag} `))} ${r.events.join(',')}`,
        );
    });

    it('a task stuck past the stop timeout: consumer force-closed (logged), its late result never acked', async () => {
      let release!: () => void;
      const block = new Promise<void>((res) => (release = res));
      const probe = new Probe({ block });
      const pool = new PermitPool({ globalPermitLimit: 2, maxTasksQueued: 4, maxTasksWaiting: 2 });
      const r = await rig(url, probe, pool, { stopTimeoutMs: 300 });
      const topic = unique('stuck');
      await r.raw.ensureTopics([{ topic, partitions: 1 }]);
      await r.raw.publish(bodies(topic, 'stuck', 3));
      r.discovery.set([spec('stuck', [topic], { processingParallelism: 2 })]);
      await r.manager.poll();
      await until(() => probe.global === 2, 'two tasks stuck');
      r.discovery.set([]);
      await r.manager.poll();
      await until(() => r.events.includes('consumer-closed stuck'), 'the forced close');
      release();
      await until(() => probe.global === 0, 'the stuck tasks end');
      await new Promise((res) => setTimeout(res, 100));
      await r.shutdown();
      assert.ok(r.events.includes('forced stuck'), 'the force-close is reported');
      assert.ok(!r.events.some((e) => e.startsWith('ack ')), 'nothing acked after the consumer closed');
    });
  });
}
