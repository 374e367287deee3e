/**
 * `heroflow bench` without the CLI: for each broker URL, the workload's phases in OMB's order (warm-up,
 * fixed rates, max-rate search), then the fault scenarios and the scaling runs, each checked by the
 * delivery oracle; the result is the report's data (report.ts writes it out).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Broker, type BrokerKind, brokerKind, openBroker } from '../brokers/index.js';
import type { Capabilities } from '../brokers/types.js';
import { redactUrl } from '../brokers/util/redact-url.js';
import { loggerModuleFor } from '../pipeline/index.js';
import { type NotRun, restartNotRun, runOnPrivateServer } from './broker-restart.js';
import { type Finding, findingsOf } from './findings.js';
import { searchMaxRate } from './max-rate.js';
import { simulatorPool } from './records.js';
import { type BrokerContext, type RunResult, type RunSpec, runOnce } from './run.js';
import type { Workload } from './workload.js';

export interface BrokerReport {
  url: string;
  kind: BrokerKind;
  capabilities?: Capabilities;
  meanRecordBytes: number;
  runs: RunResult[];
  /** failedAt: the lowest rate that failed (the limit lies between it and `sustainable`). */
  maxRate?: { sustainable: number; failedAt?: number; stoppedBy: string };
  scaling: { workers: number; rate: number }[];
  /** Planned scenarios that could not run on this broker, and why (absent in reports before it existed). */
  notRun?: NotRun[];
  findings: Finding[];
  /** Set when the broker could not be benched (unreachable, a failed run): the rest of the bench goes on. */
  error?: string;
}

export interface BenchReport {
  startedAt: string;
  seconds: number;
  host: { cpus: number; memoryGiB: number; node: string; platform: string };
  workload: Workload;
  brokers: BrokerReport[];
}

export interface BenchHooks {
  onBrokerStart?(url: string): void;
  onRunStart?(url: string, spec: RunSpec): void;
  onProgress?(label: string, acked: number, committed: number, target: number): void;
  onRunDone?(url: string, run: RunResult): void;
}

/** The service of scripts/services.sh that serves a broker kind, whose pid file the sampler can read. */
const SERVICE_OF: Partial<Record<BrokerKind, string>> = {
  kafka: 'kafka',
  redis: 'redis',
  'redis+fanout': 'redis',
  'redis+streams': 'redis',
  amqp: 'rabbitmq',
  nats: 'nats',
  mqtt: 'mosquitto',
  pulsar: 'pulsar',
};

function serverPid(kind: BrokerKind): number | undefined {
  const service = SERVICE_OF[kind];
  if (!service) return undefined;
  try {
    const pid = Number(readFileSync(path.join('.services', `${service}.pid`), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function runBench(
  urls: string[],
  workload: Workload,
  hooks: BenchHooks = {},
): Promise<BenchReport> {
  const t0 = Date.now();
  const brokers: BrokerReport[] = [];
  for (const url of urls) {
    hooks.onBrokerStart?.(url);
    brokers.push(await benchBroker(url, workload, hooks));
  }
  return {
    startedAt: new Date(t0).toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
    host: {
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.type()} ${os.release()}`,
    },
    workload,
    brokers,
  };
}

/** The runs of one broker, in order; a failure ends this broker's part and is reported, not thrown. */
export function plannedRuns(w: Workload): { before: RunSpec[]; after: RunSpec[] } {
  const before: RunSpec[] = [];
  if (w.warmupMessages > 0)
    before.push({ kind: 'warm-up', label: 'warm-up', workers: w.workers, rate: 0, count: w.warmupMessages });
  for (const rate of w.rates) {
    before.push({
      kind: 'fixed-rate',
      label: rate === 0 ? 'max speed' : `${rate}/s`,
      workers: w.workers,
      rate,
      durationMs: w.runSeconds * 1000,
    });
  }
  const faultRate = w.rates.find((r) => r > 0) ?? 0;
  const after: RunSpec[] = w.faults.map((fault) => ({
    kind: 'fault',
    label: fault,
    fault,
    workers: fault === 'broadcast-workers' || fault === 'worker-joins' ? 2 : 1,
    // Nobody consumes while late workers are away: publish as fast as the broker takes it.
    rate: fault === 'late-workers' || fault === 'dead-workers' ? 0 : faultRate,
    count: w.faultMessages,
  }));
  if (w.scalingMessages > 0) {
    for (const n of w.scaling)
      after.push({
        kind: 'scaling',
        label: `${n} worker${n > 1 ? 's' : ''}`,
        workers: n,
        rate: 0,
        count: w.scalingMessages,
      });
  }
  return { before, after };
}

async function benchBroker(url: string, workload: Workload, hooks: BenchHooks): Promise<BrokerReport> {
  const kind = brokerKind(url);
  const report: BrokerReport = {
    url: redactUrl(url),
    kind,
    meanRecordBytes: 0,
    runs: [],
    scaling: [],
    notRun: [],
    findings: [],
  };
  let broker: Broker | undefined;
  try {
    broker = await openBroker(url, { defaultPartitions: workload.partitions });
    report.capabilities = broker.capabilities;
    const pool = await simulatorPool(workload.players, loggerModuleFor(kind));
    report.meanRecordBytes = pool.meanBytes;
    const ctx: BrokerContext = {
      url,
      broker,
      pool,
      workload,
      serverPid: serverPid(kind),
      onProgress: hooks.onProgress,
    };
    const record = (r: RunResult) => {
      report.runs.push(r);
      hooks.onRunDone?.(url, r);
      return r;
    };
    const run = async (spec: RunSpec) => {
      hooks.onRunStart?.(url, spec);
      return record(await runOnce(ctx, spec));
    };
    const { before, after } = plannedRuns(workload);
    for (const spec of before) await run(spec);
    if (workload.maxRate.enabled) {
      const m = await searchMaxRate(workload, run);
      report.maxRate = { sustainable: m.sustainable, failedAt: m.failedAt, stoppedBy: m.stoppedBy };
    }
    for (const spec of after) {
      if (spec.fault === 'broker-restarted') {
        // On a private server of the same software, never on the one given (broker-restart.ts).
        const skip = restartNotRun(kind, spec.label);
        if (skip) {
          report.notRun?.push(skip);
          continue;
        }
        hooks.onRunStart?.(url, spec);
        const r = await runOnPrivateServer(ctx, kind, spec, runOnce);
        if ('oracle' in r) record(r);
        else report.notRun?.push(r);
        continue;
      }
      const r = await run(spec);
      if (spec.kind === 'scaling')
        report.scaling.push({ workers: spec.workers, rate: r.oracle.endToEndRate });
    }
  } catch (err) {
    report.error = (err as Error).message;
  } finally {
    await broker?.close().catch(() => {});
  }
  report.findings = findingsOf(report);
  return report;
}
