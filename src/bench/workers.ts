/**
 * The workers a bench run starts: `heroflow worker` child processes (real processes, so a SIGKILL is a
 * real crash and their CPU and memory are their own), or, for the in-process memory:// broker, a
 * WorkerRun in the bench process. Both report what they consumed and committed; a child's counts come
 * from its /metrics (--metrics-port 0), the last scrape surviving its death.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PIPELINE_DEFAULTS, SETTINGS } from '../config/index.js';
import { parsePrometheusText, sumOf } from '../dashboard/prom-text.js';
import { HeroflowError } from '../errors.js';
import { WorkerRun } from '../pipeline/index.js';
import { ownChild } from './children.js';

export interface WorkerSpec {
  brokerUrl: string;
  topic: string;
  group: string;
  id: string;
  outDir: string;
  rollRows: number;
  rollAgeMs: number;
}

export interface WorkerCounts {
  consumed: number;
  committed: number;
}

export interface BenchWorker {
  readonly id: string;
  /** The process to sample for CPU and memory; undefined when it is the bench process itself. */
  readonly pid: number | undefined;
  /** Resolves once the worker is live in its group (publishing before may lose on Pub/Sub). */
  ready(): Promise<void>;
  /** Last known counts (a killed worker keeps what it reported before it died). */
  counts(): Promise<WorkerCounts>;
  /** Graceful stop: flush, commit, leave. */
  stop(): Promise<void>;
  /** SIGKILL: nothing flushed, nothing committed. */
  kill(): Promise<void>;
  readonly canKill: boolean;
  /** Why the worker ended by itself (a non-zero exit nobody asked for); undefined while it runs or after stop/kill. */
  exitedOnItsOwn(): string | undefined;
  /** The end of a child worker's log (its last 20,000 characters), for a trial that went wrong. */
  logTail?(): string;
}

const BIN = fileURLToPath(new URL('../../bin/heroflow.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

class ChildWorker implements BenchWorker {
  readonly canKill = true;
  readonly #child: ChildProcess;
  readonly #exit: Promise<number | null>;
  #stderr = '';
  #metricsUrl: string | undefined;
  #last: WorkerCounts = { consumed: 0, committed: 0 };
  #ended = false;
  #code: number | null = null;

  constructor(readonly spec: WorkerSpec) {
    const s = spec;
    this.#child = ownChild(
      spawn(
        process.execPath,
        [
          BIN,
          'worker',
          ...['--broker', s.brokerUrl, '--topics', s.topic, '--group', s.group, '--worker-id', s.id],
          ...['--out', s.outDir, '--from', 'earliest', '--roll-rows', String(s.rollRows)],
          ...['--roll-age', `${s.rollAgeMs}ms`, '--metrics-port', '0', '--log-level', 'info'],
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      ),
    );
    this.#exit = new Promise((r) =>
      this.#child.once('exit', (code) => {
        this.#code = code;
        r(code);
      }),
    );
    this.#child.stderr?.on('data', (b: Buffer) => {
      // Keep the head (startup lines) and the tail (the failure), not an unbounded log.
      this.#stderr = (this.#stderr + b.toString()).slice(-20_000);
      this.#metricsUrl ??= /metrics on (http:\/\/\S+)/.exec(this.#stderr)?.[1];
    });
  }

  logTail(): string {
    return this.#stderr;
  }

  get id(): string {
    return this.spec.id;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  async ready(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exited = false;
    void this.#exit.then(() => {
      exited = true;
    });
    while (!this.#stderr.includes('"worker ready"') || this.#metricsUrl === undefined) {
      if (exited || Date.now() > deadline) {
        throw new HeroflowError(
          'HF_PIPELINE_STALLED',
          `bench worker ${this.id} did not become ready (${exited ? 'it exited' : 'timed out'}): ${this.#stderr.trim().split('\n').slice(-3).join(' | ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async counts(): Promise<WorkerCounts> {
    if (this.#metricsUrl === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null)
      return this.#last;
    try {
      const samples = parsePrometheusText(await (await fetch(this.#metricsUrl)).text());
      this.#last = {
        consumed: sumOf(samples, 'heroflow_messages_consumed_total') ?? 0,
        committed: sumOf(samples, 'heroflow_messages_acked_total') ?? 0,
      };
    } catch {
      // Exiting between the check and the scrape: the last counts stand.
    }
    return this.#last;
  }

  exitedOnItsOwn(): string | undefined {
    if (this.#ended || this.#code === null || this.#code === 0) return undefined;
    return `exited with ${this.#code}: ${this.#stderr.trim().split('\n').slice(-1).join('').slice(0, 300)}`;
  }

  async stop(): Promise<void> {
    this.#ended = true;
    await this.counts();
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    const code = await this.#exit;
    if (code !== 0 && code !== null) {
      throw new HeroflowError(
        'HF_UNEXPECTED',
        `bench worker ${this.id} exited with ${code}: ${this.#stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
  }

  async kill(): Promise<void> {
    this.#ended = true;
    await this.counts();
    this.#child.kill('SIGKILL');
    await this.#exit;
  }
}

/** memory:// lives in this process only: its worker must too (no kill, its CPU is the bench's). */
class InProcessWorker implements BenchWorker {
  readonly canKill = false;
  readonly pid = undefined;
  readonly #run: Promise<WorkerRun>;
  #done: Promise<unknown> | undefined;

  constructor(readonly spec: WorkerSpec) {
    this.#run = WorkerRun.open({
      brokerUrl: spec.brokerUrl,
      outputUrl: spec.outDir,
      topics: [spec.topic],
      group: spec.group,
      workerId: spec.id,
      from: 'earliest',
      mode: 'streaming',
      redisUrl: 'redis://127.0.0.1:6379/0',
      batchSize: SETTINGS.batchSize.default,
      roll: { ...PIPELINE_DEFAULTS.roll, maxRows: spec.rollRows, maxAgeMs: spec.rollAgeMs },
      memoryBudgetBytes: PIPELINE_DEFAULTS.memoryBudgetBytes,
      compression: PIPELINE_DEFAULTS.compression,
      tables: SETTINGS.tables.default,
      log: () => {},
    });
  }

  get id(): string {
    return this.spec.id;
  }

  async ready(): Promise<void> {
    const run = await this.#run;
    this.#done ??= run.run();
    await run.ready();
  }

  async counts(): Promise<WorkerCounts> {
    const s = (await this.#run).stats();
    return { consumed: s.consumed, committed: s.committed };
  }

  async stop(): Promise<void> {
    (await this.#run).stop();
    await this.#done;
  }

  kill(): Promise<void> {
    return Promise.reject(new Error('an in-process worker cannot be killed'));
  }

  exitedOnItsOwn(): string | undefined {
    return undefined;
  }
}

export function startWorker(spec: WorkerSpec): BenchWorker {
  return spec.brokerUrl.startsWith('memory:') ? new InProcessWorker(spec) : new ChildWorker(spec);
}
