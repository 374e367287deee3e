/**
 * The workload manager's costs on memory:// (no network: what is measured is the manager itself).
 *
 * 1. overhead: tasks/s with a no-op processor through one workload (pool, limiter, runner) vs a raw
 *    subscription loop doing the same work by hand — same broker, same batch size (= processingParallelism),
 *    each message acked one by one once its no-op task resolved. Not vs `heroflow worker`: the worker
 *    decodes every record into Parquet rows, so its rate measures the ETL, not the dispatch.
 * 2. memory: 1 M messages with 1 M distinct keys through an `ordered` workload (key lanes) and the same
 *    through an unordered one: RSS before, peak while running (sampled every 100 ms), after; the most lanes
 *    alive at once. The broker's own copy of the messages is in the "before" figure.
 * 3. fairness: workloads with a deep backlog each, under one global limit, 1 ms tasks, for a fixed time:
 *    each workload's share of the completions (equal and unequal processingParallelism).
 *
 * Run: npm run bench:workloads -- [--overhead-messages 200000] [--keys 1000000] [--fairness-seconds 5]
 * (node --expose-gc for RSS). The old positional form (`-- 200000 1000000 5`) still works.
 */
import { openBroker } from '../src/brokers/registry.js';
import type { Broker, Message } from '../src/brokers/types.js';
import {
  PermitPool,
  type Processor,
  StaticDiscovery,
  WorkloadManager,
  type WorkloadSpec,
  workloadSpecSchema,
} from '../src/workloads/index.js';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: npm run bench:workloads -- [options]   (or the old form: [overheadMessages] [keys] [fairnessSeconds])
  --overhead-messages N   messages of the overhead runs (default 200000)
  --keys N                distinct keys of the memory runs (default 1000000)
  --fairness-seconds S    length of each fairness run, fractions allowed (default 5)
  --help                  this text`,
  options: {
    'overhead-messages': { type: 'string', default: '200000' },
    keys: { type: 'string', default: '1000000' },
    'fairness-seconds': { type: 'string', default: '5' },
  },
  positionals: ['overhead-messages', 'keys', 'fairness-seconds'],
});
const overheadMessages = cli.wholeNumber('overhead-messages');
const keyCount = cli.wholeNumber('keys');
const fairnessSeconds = cli.positiveNumber('fairness-seconds');

const noop: Processor = async () => {};
const gc = (globalThis as { gc?: () => void }).gc;
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 2 ** 20);
const settle = async () => {
  gc?.();
  await new Promise((r) => setTimeout(r, 100));
  gc?.();
};
const rate = (n: number, ms: number) => Math.round((n * 1000) / ms);
const spec = (input: Record<string, unknown>): WorkloadSpec => workloadSpecSchema.parse(input);

async function publish(broker: Broker, topic: string, n: number, keyOf?: (i: number) => string) {
  const value = Buffer.from('{"name":"x","numPublishes":0}');
  for (let i = 0; i < n; i += 10_000) {
    const batch: Message[] = [];
    for (let j = i; j < Math.min(n, i + 10_000); j++)
      batch.push(keyOf ? { topic, value, key: keyOf(j) } : { topic, value });
    await broker.publish(batch);
  }
}

async function until(cond: () => boolean, sample?: () => void): Promise<void> {
  while (!cond()) {
    sample?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One manager run over a filled topic; resolves with elapsed ms and the peak RSS / lanes seen. */
async function managerRun(
  broker: Broker,
  workloads: WorkloadSpec[],
  globalPermitLimit: number,
  done: (m: WorkloadManager) => boolean,
  processor: Processor = noop,
) {
  const pool = new PermitPool({
    globalPermitLimit,
    maxTasksQueued: globalPermitLimit * 2,
    maxTasksWaiting: workloads.length,
  });
  const manager = new WorkloadManager({
    broker,
    pool,
    processorFor: () => processor,
    sources: [new StaticDiscovery(workloads)],
    pollIntervalMs: 60_000,
  });
  let peakRss = rssMb();
  let peakHeap = heapMb();
  let peakLanes = 0;
  const start = performance.now();
  await manager.start();
  await until(
    () => done(manager),
    () => {
      peakRss = Math.max(peakRss, rssMb());
      peakHeap = Math.max(peakHeap, heapMb());
      for (const s of manager.list()) peakLanes = Math.max(peakLanes, s.keyLanes);
    },
  );
  const ms = performance.now() - start;
  const stats = manager.list();
  await manager.shutdown();
  await pool.close();
  return { ms, peakRss, peakHeap, peakLanes, stats };
}

const succeeded = (m: WorkloadManager, name: string) => m.stats(name)?.acked ?? 0;

async function overhead(parallelism: number) {
  // Raw loop: pull a batch of P, run P no-op tasks, ack each, pull again.
  let broker = await openBroker('memory://');
  await publish(broker, 'raw', overheadMessages);
  const sub = broker.subscribe({
    topics: ['raw'],
    group: 'raw',
    from: 'earliest',
    maxBatch: parallelism,
    maxWaitMs: 20,
  });
  let n = 0;
  let start = performance.now();
  for await (const batch of sub) {
    await Promise.all(
      batch.map(async (d) => {
        await noop(d, { workload: undefined as unknown as WorkloadSpec });
        await d.ack();
      }),
    );
    n += batch.length;
    if (n >= overheadMessages) break;
  }
  const rawMs = performance.now() - start;
  await sub.close();
  await broker.close();

  broker = await openBroker('memory://');
  await publish(broker, 'wl', overheadMessages);
  start = performance.now();
  const r = await managerRun(
    broker,
    [spec({ name: 'wl', topics: ['wl'], processingParallelism: parallelism, ackParallelism: parallelism })],
    parallelism,
    (m) => succeeded(m, 'wl') >= overheadMessages,
  );
  await broker.close();
  const raw = rate(overheadMessages, rawMs);
  const managed = rate(overheadMessages, r.ms);
  const perMsgUs = ((r.ms - rawMs) * 1000) / overheadMessages;
  console.log(
    `overhead P=${parallelism}: raw loop ${raw.toLocaleString('en')} msg/s, manager ${managed.toLocaleString('en')} msg/s, ` +
      `+${perMsgUs.toFixed(1)} µs per message (${overheadMessages.toLocaleString('en')} messages)`,
  );
}

async function keyMemory(ordered: boolean) {
  const broker = await openBroker('memory://');
  await publish(broker, 'keys', keyCount, (i) => `key-${i}`);
  await settle();
  const before = rssMb();
  const heapBefore = heapMb();
  const r = await managerRun(
    broker,
    [spec({ name: 'keys', topics: ['keys'], ordered, processingParallelism: 64, ackParallelism: 64 })],
    64,
    (m) => succeeded(m, 'keys') >= keyCount,
  );
  await settle();
  const after = rssMb();
  await broker.close();
  console.log(
    `memory ${ordered ? 'ordered  ' : 'unordered'}: ${keyCount.toLocaleString('en')} distinct keys, P 64: RSS before ${before} MB, ` +
      `peak ${r.peakRss} MB (+${r.peakRss - before}), after ${after} MB; heap ${heapBefore} → peak ${r.peakHeap} MB; ` +
      `most lanes alive ${r.peakLanes}; ` +
      `${rate(keyCount, r.ms).toLocaleString('en')} msg/s`,
  );
}

async function fairness(parallelisms: number[], globalPermitLimit: number) {
  const broker = await openBroker('memory://');
  const names = parallelisms.map((_, i) => `w${i}`);
  // A backlog no workload can finish in the time: every workload always has work.
  const backlog = fairnessSeconds * 2_000;
  for (const name of names) await publish(broker, name, backlog);
  const sleep1: Processor = () => new Promise((r) => setTimeout(r, 1));
  const end = performance.now() + fairnessSeconds * 1000;
  const r = await managerRun(
    broker,
    names.map((name, i) =>
      spec({ name, topics: [name], processingParallelism: parallelisms[i], ackParallelism: parallelisms[i] }),
    ),
    globalPermitLimit,
    () => performance.now() >= end,
    sleep1,
  );
  await broker.close();
  const total = r.stats.reduce((s, w) => s + w.succeeded, 0);
  const shares = r.stats
    .map(
      (w) =>
        `${w.name} (P ${w.name === undefined ? '?' : parallelisms[names.indexOf(w.name)]}) ${((100 * w.succeeded) / total).toFixed(1)}%`,
    )
    .join(', ');
  console.log(
    `fairness, global ${globalPermitLimit}, 1 ms tasks, ${fairnessSeconds} s: ${total.toLocaleString('en')} done; ${shares}`,
  );
}

console.log(`node ${process.version}, gc ${gc ? 'exposed' : 'not exposed (run with --expose-gc)'}`);
for (const p of [5, 64]) await overhead(p);
await keyMemory(true);
await keyMemory(false);
await fairness([5, 5, 5], 5);
await fairness([1, 4, 16], 8);
