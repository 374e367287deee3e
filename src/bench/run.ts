/**
 * One bench run on one broker: a fresh topic and group, the workers, the fault if any, the producers,
 * the wait until the workers have committed everything (or stalled), a graceful stop, then the oracle
 * over what they wrote. Everything a report shows about a run comes from here.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Broker } from '../brokers/types.js';
import { isHeroflowError } from '../errors.js';
import { waitForConsumption } from '../pipeline/index.js';
import type { LatencySummary } from './latency.js';
import { checkDelivery, type OracleVerdict } from './oracle.js';
import { readOutputRows } from './output-rows.js';
import { type PublishResult, publishPlan } from './publisher.js';
import type { RecordPool } from './records.js';
import { type ProcessSeries, type ProcessSummary, ResourceSampler } from './resources.js';
import { type BenchWorker, startWorker, type WorkerCounts } from './workers.js';
import type { FaultName, Workload } from './workload.js';

export type RunKind = 'warm-up' | 'fixed-rate' | 'max-rate step' | 'fault' | 'scaling';

export interface RunSpec {
  kind: RunKind;
  label: string;
  workers: number;
  /** Target messages/s; 0 = as fast as the producers go. */
  rate: number;
  count?: number;
  durationMs?: number;
  fault?: FaultName;
}

export interface RunResult {
  kind: RunKind;
  label: string;
  fault?: FaultName;
  workers: number;
  targetRate: number;
  publish: {
    acked: number;
    rate: number;
    failures: number;
    firstError?: string;
    latency: LatencySummary;
    delay: LatencySummary;
    timeline: number[];
  };
  oracle: OracleVerdict;
  /** The workers stopped making progress before committing everything (lost records, or a stall). */
  stalled: boolean;
  /** Largest backlog (acknowledged − consumed) seen while publishing. */
  maxBacklog: number;
  /** Backlog growth over the second half of publishing, per published message (max-rate search). */
  backlogGrowth: number;
  resources: ProcessSummary[];
  resourceSeries: ProcessSeries[];
  seconds: number;
  notes: string[];
}

export interface BrokerContext {
  url: string;
  broker: Broker;
  pool: RecordPool;
  workload: Workload;
  /** The broker server's pid when known (scripts/services.sh), for its CPU and memory. */
  serverPid?: number;
  /**
   * SIGKILLs the broker's server and starts it again (the broker-restarted scenario, on a private server:
   * broker-restart.ts); resolves with the new server's pid once it listens.
   */
  restartServer?: () => Promise<number | undefined>;
  onProgress?: (label: string, acked: number, committed: number, target: number) => void;
}

/** After a kill, redeliveries may wait for an ack wait or a claim timeout (NATS, Redis Streams: 30 s). */
const STALL_KILLED_MS = 40_000;
/** How long the producers of the broker-restarted scenario keep re-sending a batch the broker refused. */
const RESTART_RETRY_MS = 60_000;

class WorkerSet {
  readonly all: BenchWorker[] = [];
  #n = 0;
  constructor(
    private readonly ctx: BrokerContext,
    private readonly topic: string,
    private readonly group: string,
    private readonly outDir: string,
    private readonly sampler: ResourceSampler,
  ) {}

  /** `ids`: the members to start again under their old names (a restart keeps the worker id, as a deployment does). */
  async start(count: number, ids?: string[]): Promise<BenchWorker[]> {
    const w = this.ctx.workload;
    const started = Array.from({ length: count }, (_, i) =>
      startWorker({
        brokerUrl: this.ctx.url,
        topic: this.topic,
        group: this.group,
        id: ids?.[i] ?? `${this.group}-w${this.#n++}`,
        outDir: this.outDir,
        rollRows: w.rollRows,
        rollAgeMs: w.rollAgeMs,
      }),
    );
    this.all.push(...started);
    started.forEach((x, i) => {
      if (x.pid !== undefined) this.sampler.addPid(`worker ${this.all.length - count + i + 1}`, x.pid);
    });
    await Promise.all(started.map((x) => x.ready()));
    return started;
  }

  async counts(): Promise<WorkerCounts[]> {
    return Promise.all(this.all.map((x) => x.counts()));
  }

  /**
   * Starts again, under its own id, every worker that exited by itself, as a deployment's supervisor
   * (systemd, Kubernetes) would: the broker-restarted scenario asks what the broker kept, and a worker
   * giving up while its broker is down must not hide that. Each revival is a note. Returns the stop.
   */
  supervise(notes: string[]): () => void {
    const handled = new Set<BenchWorker>();
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      const gone = this.all.filter((w) => !handled.has(w) && w.exitedOnItsOwn() !== undefined);
      if (gone.length === 0) return;
      busy = true;
      for (const w of gone) {
        handled.add(w);
        notes.push(
          `worker ${w.id} ${w.exitedOnItsOwn()}; started again under its id (a supervisor's restart)`,
        );
      }
      void this.start(
        gone.length,
        gone.map((w) => w.id),
      )
        .catch((e: unknown) => notes.push(`a worker could not be started again: ${String(e)}`))
        .finally(() => {
          busy = false;
        });
    }, 500);
    return () => clearInterval(timer);
  }
}

const sum = (cs: WorkerCounts[], k: keyof WorkerCounts) => cs.reduce((n, c) => n + c[k], 0);

export async function runOnce(ctx: BrokerContext, spec: RunSpec): Promise<RunResult> {
  const { broker, workload } = ctx;
  const runId = randomBytes(4).toString('hex');
  const topic = `hfbench.${runId}`;
  const group = `hfbench-${runId}`;
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'heroflow-bench-'));
  const started = performance.now();
  const sampler = new ResourceSampler();
  if (ctx.serverPid !== undefined) sampler.addPid('broker server', ctx.serverPid);
  const notes: string[] = [];
  const workers = new WorkerSet(ctx, topic, group, outDir, sampler);
  let fanout: { stop(): Promise<void> } | undefined;
  let unsupervise = () => {};
  try {
    await broker.ensureTopics([{ topic, partitions: workload.partitions }]);
    // redis+fanout workers only receive through the narrowcast middleware (heroflow fanout): run it here.
    if (broker.kind === 'redis+fanout') {
      const { FanoutMiddleware } = await import('../brokers/redis/index.js');
      const mw = new FanoutMiddleware({ url: ctx.url, topics: [topic], log: () => {} });
      await mw.start();
      fanout = mw;
    }
    const late = spec.fault === 'late-workers' || spec.fault === 'dead-workers';
    let restartIds: string[] | undefined;
    if (spec.fault === 'dead-workers') {
      // The seed's dead workers: the group existed (queues, durable consumers, sessions declared), then
      // every member went away before the records came.
      const gone = await workers.start(spec.workers);
      await Promise.all(gone.map((w) => w.stop()));
      workers.all.length = 0;
      restartIds = gone.map((w) => w.id);
    }
    const first = spec.fault === 'worker-killed' || spec.fault === 'worker-joins' ? 1 : spec.workers;
    if (!late) await workers.start(first);
    if (spec.fault === 'broker-restarted') unsupervise = workers.supervise(notes);
    const target = spec.count ?? Math.round((spec.rate * (spec.durationMs ?? 0)) / 1000);
    let faultDone: Promise<unknown> = Promise.resolve();
    let faulted = false;
    let maxBacklog = 0;
    const backlogAt: { acked: number; backlog: number }[] = [];
    let lastLook = 0;
    const publishing = publishPlan({
      broker,
      pool: ctx.pool,
      topic,
      runId,
      rate: spec.rate,
      producers: workload.producers,
      batchSize: workload.batchSize,
      count: spec.count,
      durationMs: spec.durationMs,
      retryMs: spec.fault === 'broker-restarted' ? RESTART_RETRY_MS : undefined,
      onAcked: (acked) => {
        if (!faulted && spec.fault && target > 0 && acked >= target / 2) {
          faulted = true;
          faultDone = injectFault(spec.fault, ctx, workers, sampler, notes);
        }
        if (Date.now() - lastLook > 250) {
          lastLook = Date.now();
          void workers.counts().then((cs) => {
            const backlog = acked - sum(cs, 'consumed');
            maxBacklog = Math.max(maxBacklog, backlog);
            backlogAt.push({ acked, backlog });
            ctx.onProgress?.(spec.label, acked, sum(cs, 'committed'), target);
          });
        }
      },
    });
    const published: PublishResult = await publishing;
    await faultDone;
    if (published.resent > 0)
      notes.push(
        `${published.resent} messages were sent again after a failed publish (first error: ${published.firstError})`,
      );
    if (late) {
      notes.push(`workers (re)started after all ${published.acked} messages were published`);
      await workers.start(spec.workers, restartIds);
    }
    const copies = broker.capabilities.groups === 'broadcast' ? Math.max(1, spec.workers) : 1;
    const stalled = await waitCommitted(ctx, spec, workers, published.acked, copies);
    if (stalled) notes.push('the workers stopped before committing every message (see lost)');
    unsupervise();
    // The last look at the workers' CPU and memory while they still run.
    sampler.sample();
    await Promise.all(workers.all.map((w) => w.stop().catch((e: unknown) => notes.push(String(e)))));
    const deliveries = sum(await workers.counts(), 'consumed');
    const oracle = checkDelivery({
      runId,
      sentAt: published.sentAt,
      files: await readOutputRows(outDir),
      deliveries,
    });
    const res = sampler.stop();
    return {
      kind: spec.kind,
      label: spec.label,
      fault: spec.fault,
      workers: spec.workers,
      targetRate: spec.rate,
      publish: {
        acked: published.acked,
        rate: published.seconds > 0 ? Math.round(published.acked / published.seconds) : 0,
        failures: published.failures,
        firstError: published.firstError,
        latency: published.latency,
        delay: published.delay,
        timeline: published.timeline,
      },
      oracle,
      stalled,
      maxBacklog,
      backlogGrowth: backlogGrowth(backlogAt),
      resources: res.summary,
      resourceSeries: res.series,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      notes,
    };
  } finally {
    unsupervise();
    sampler.stop();
    await Promise.all(workers.all.map((w) => w.stop().catch(() => {})));
    await fanout?.stop();
    await broker.deleteGroup?.(group, [topic]).catch(() => {});
    await rm(outDir, { recursive: true, force: true });
  }
}

/** The fault, at half of the run's messages. */
async function injectFault(
  fault: FaultName,
  ctx: BrokerContext,
  workers: WorkerSet,
  sampler: ResourceSampler,
  notes: string[],
): Promise<void> {
  if (fault === 'worker-killed') {
    const victim = workers.all[0];
    if (!victim.canKill) {
      notes.push('an in-process worker cannot be killed: ran without the fault');
      return;
    }
    await victim.kill();
    notes.push(`worker ${victim.id} SIGKILLed at half of the messages and restarted`);
    // Same worker id: MQTT keeps a session's messages for its client id, as a deployment restarts it.
    await workers.start(1, [victim.id]);
  } else if (fault === 'worker-joins') {
    await workers.start(1);
    notes.push('a second worker joined at half of the messages');
  } else if (fault === 'broker-restarted') {
    if (!ctx.restartServer) throw new Error('broker-restarted needs a server the bench may restart');
    const t = performance.now();
    const pid = await ctx.restartServer();
    if (pid !== undefined) sampler.addPid('broker server (restarted)', pid);
    notes.push(
      `the broker server was SIGKILLed at half of the messages and listened again ${Math.round(performance.now() - t)} ms later`,
    );
  }
}

/** Until every message is committed (each worker's own copy on a broadcast broker); true if it stalled. */
async function waitCommitted(
  ctx: BrokerContext,
  spec: RunSpec,
  workers: WorkerSet,
  expected: number,
  copies: number,
): Promise<boolean> {
  let counts: WorkerCounts[] = await workers.counts();
  const killed = spec.fault === 'worker-killed' || spec.fault === 'broker-restarted';
  const stallMs = killed ? STALL_KILLED_MS : ctx.workload.stallSeconds * 1000;
  try {
    await waitForConsumption({
      consumed: () => sum(counts, 'consumed') + sum(counts, 'committed'),
      done: () =>
        copies === 1
          ? sum(counts, 'committed') >= expected
          : counts.filter((c) => c.committed >= expected).length >= copies,
      target: expected * copies,
      stallMs,
      pollMs: 200,
      onProgress: () => {
        void workers.counts().then((cs) => {
          counts = cs;
          ctx.onProgress?.(spec.label, expected, sum(cs, 'committed'), expected * copies);
        });
      },
    });
    return false;
  } catch (err) {
    if (isHeroflowError(err) && err.code === 'HF_PIPELINE_STALLED') return true;
    throw err;
  }
}

/**
 * How much the backlog grew over the second half of publishing, per message published meanwhile: about 0
 * while the workers keep up, approaching 1 when they consume nothing.
 */
export function backlogGrowth(points: { acked: number; backlog: number }[]): number {
  if (points.length < 4) return 0;
  const mid = points[Math.floor(points.length / 2)];
  const end = points[points.length - 1];
  const sent = end.acked - mid.acked;
  return sent <= 0 ? 0 : Math.round(((end.backlog - mid.backlog) / sent) * 100) / 100;
}
