/**
 * One chaos trial on one broker: a fresh topic and group, two `heroflow worker` processes (the bench's
 * ChildWorker: a SIGKILL is a real crash), msg-id'd simulator records published at a steady rate, and,
 * at times drawn from the trial's seed, one worker SIGKILLed and started again under the same id (and,
 * with a private server, the broker SIGKILLed and restarted too). Then the wait until every acknowledged
 * record is in buffer_meta (or the deadline), a graceful stop, and the checker over the output directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type PublishResult, publishPlan } from '../../src/bench/publisher.js';
import type { RecordPool } from '../../src/bench/records.js';
import { ResourceSampler } from '../../src/bench/resources.js';
import { type BenchWorker, startWorker } from '../../src/bench/workers.js';
import { openBroker } from '../../src/brokers/registry.js';
import { createRng } from '../../src/simulator/prng.js';
import type { ChaosTarget } from './brokers.js';
import { type CheckReport, checkOutput, writtenSoFar } from './checker.js';

export interface TrialOptions {
  /** Broker name, for the report. */
  broker: string;
  target: ChaosTarget;
  /** The trial's own seed: every random choice of the trial comes from it. */
  seed: number;
  /** Unique per trial (topic, group, msg ids); not random, so a seed replays the same trial. */
  id: string;
  pool: RecordPool;
  records: number;
  /** Records per second the publisher sends. */
  rate: number;
  partitions: number;
  rollRows: number;
  rollAgeMs: number;
  /** How long to wait, after the last publish, for the workers to write everything. */
  settleMs: number;
  /** A broker server to SIGKILL and restart mid-trial (a private server, a node of the Kafka cluster). */
  server?: BrokerFault;
  /** Leave the output directory in place (its path is in the result) instead of removing it. */
  keepOutput?: boolean;
}

/** Something that can kill the broker's server and bring it back; it resolves once it is back. */
export interface BrokerFault {
  killAndRestart(downMs: number): Promise<void>;
}

export interface TrialPlan {
  victim: number;
  killAtMs: number;
  restartAfterMs: number;
  brokerKillAtMs?: number;
  brokerDownMs?: number;
}

export interface TrialResult {
  broker: string;
  seed: number;
  plan: TrialPlan;
  acked: number;
  publishFailures: number;
  check: CheckReport;
  /** Largest resident set of any worker process, sampled once a second. */
  peakWorkerRssMiB: number;
  seconds: number;
  notes: string[];
  /**
   * With a loss, a rewrite or an unreadable file: each worker's log lines about its group and its
   * segments (assigned, revoked, lost, dropped, commits refused), the trace a failed run's log needs to
   * say where the records went.
   */
  workerLogs?: string[];
  /** With keepOutput: the output directory and the publisher's ledger, to run the checker again. */
  kept?: { outDir: string; runId: string; sentAt: (number | undefined)[] };
}

/** The random part of a trial, from its seed alone (printed, so any trial can be replayed). */
export function planTrial(seed: number, publishMs: number, brokerRestart: boolean): TrialPlan {
  const rng = createRng(seed);
  const plan: TrialPlan = {
    victim: rng.int(0, 1),
    killAtMs: rng.int(Math.round(publishMs * 0.1), Math.round(publishMs * 0.9)),
    restartAfterMs: rng.int(0, 1500),
  };
  if (brokerRestart) {
    plan.brokerKillAtMs = rng.int(Math.round(publishMs * 0.1), Math.round(publishMs * 0.9));
    plan.brokerDownMs = rng.int(500, 3000);
  }
  return plan;
}

/** The trial's topic (its group is `hfchaos-<id>`). */
export const trialTopic = (id: string) => `hfchaos.${id}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A worker's log lines about its partitions, segments not written and commits, the last 40, one short
 * line each (`hh:mm:ss.mmm msg {fields}`).
 */
function groupEvents(w: BenchWorker): string[] {
  const events: string[] = [];
  for (const line of (w.logTail?.() ?? '').split('\n')) {
    if (!/partitions|not written|commit|rebalanc|idle|stopping/i.test(line)) continue;
    try {
      const { level, time, pid, hostname, name, msg, ...fields } = JSON.parse(line);
      const at = new Date(time).toISOString().slice(11, 23);
      events.push(`${w.id} ${at} ${msg}${Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}`);
    } catch {
      events.push(`${w.id} ${line.slice(0, 300)}`);
    }
  }
  return events.slice(-40);
}

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  const started = performance.now();
  const topic = trialTopic(o.id);
  const group = `hfchaos-${o.id}`;
  const plan = planTrial(o.seed, (o.records / o.rate) * 1000, o.server !== undefined);
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'heroflow-chaos-'));
  const sampler = new ResourceSampler();
  const notes: string[] = [];
  const workers: BenchWorker[] = [];
  await o.target.prepare?.(topic, o.partitions);
  const broker = await openBroker(o.target.url, { partitions: { [topic]: o.partitions } });
  const spawnWorker = async (n: number) => {
    const w = startWorker({
      brokerUrl: o.target.url,
      topic,
      group,
      id: `${group}-w${n}`,
      outDir,
      rollRows: o.rollRows,
      rollAgeMs: o.rollAgeMs,
    });
    workers.push(w);
    if (w.pid !== undefined) sampler.addPid(`worker ${workers.length}`, w.pid);
    await w.ready();
    return w;
  };
  try {
    await broker.ensureTopics([{ topic, partitions: o.partitions }]);
    const live = await Promise.all([spawnWorker(0), spawnWorker(1)]);
    const t0 = performance.now();
    const at = (ms: number) => sleep(Math.max(0, t0 + ms - performance.now()));
    const workerFault = (async () => {
      await at(plan.killAtMs);
      await live[plan.victim].kill();
      await sleep(plan.restartAfterMs);
      await spawnWorker(plan.victim);
    })().catch((err: unknown) => {
      // The other worker goes on alone; the checker still judges what was written.
      notes.push(`worker ${plan.victim} did not come back: ${(err as Error).message}`);
    });
    const brokerFault = (async () => {
      if (!o.server || plan.brokerKillAtMs === undefined) return;
      await at(plan.brokerKillAtMs);
      await o.server.killAndRestart(plan.brokerDownMs ?? 1000).catch((err: unknown) => {
        notes.push(`broker restart failed: ${(err as Error).message}`);
      });
    })();
    const published: PublishResult = await publishPlan({
      broker,
      pool: o.pool,
      topic,
      runId: o.id,
      rate: o.rate,
      producers: 1,
      batchSize: 100,
      count: o.records,
    });
    await Promise.all([workerFault, brokerFault]);
    if (published.failures > 0)
      notes.push(`publish failed after ${published.acked}: ${published.firstError}`);
    const deadline = performance.now() + o.settleMs;
    while ((await writtenSoFar(outDir)) < published.acked && performance.now() < deadline) await sleep(1000);
    await Promise.all(
      workers.map((w) => w.stop().catch((err: unknown) => notes.push(`${w.id}: ${(err as Error).message}`))),
    );
    const check = await checkOutput({ outDir, runId: o.id, sentAt: published.sentAt });
    const pipelineFault = check.lost > 0 || check.rewritten > 0 || check.unreadable.length > 0;
    const workerLogs = pipelineFault ? workers.flatMap(groupEvents) : undefined;
    const res = sampler.stop();
    return {
      broker: o.broker,
      seed: o.seed,
      plan,
      acked: published.acked,
      publishFailures: published.failures,
      check,
      peakWorkerRssMiB: Math.max(
        0,
        ...res.summary.filter((s) => s.label.startsWith('worker')).map((s) => s.maxRssMiB),
      ),
      seconds: Math.round((performance.now() - started) / 100) / 10,
      notes,
      ...(workerLogs ? { workerLogs } : {}),
      ...(o.keepOutput ? { kept: { outDir, runId: o.id, sentAt: published.sentAt } } : {}),
    };
  } finally {
    sampler.stop();
    await Promise.all(workers.map((w) => w.kill().catch(() => {})));
    // Bounded: in one CI run (2026-12-05) the Kafka cluster trial's workers had left the group 25 s in,
    // yet the topic was deleted ~10 min later, past the test's timeout. Not proven, but kafkajs has open
    // reports of a disconnect that waits forever on requests left pending (tulios/kafkajs#1438, PR #1703).
    await bounded(broker.close(), 60_000, 'closing the publisher', notes);
    await bounded(o.target.cleanup(topic, group), 120_000, 'the target cleanup', notes);
    if (!o.keepOutput) await rm(outDir, { recursive: true, force: true });
  }
}

/** Waits for `step` at most `ms`; past that the trial goes on and `notes` says what was left behind. */
async function bounded(step: Promise<unknown>, ms: number, what: string, notes: string[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const settled = step.then(
    () => 'done',
    () => 'done',
  );
  const outcome = await Promise.race([settled, late]);
  clearTimeout(timer);
  if (outcome === 'late') notes.push(`${what} took longer than ${ms / 1000} s; left behind`);
}
