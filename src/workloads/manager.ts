/**
 * The workload manager (seed 004 part 4, `WorkloadManagementService`): polls its discovery sources every
 * `pollIntervalMs`, starts requested − running, stops running − requested, and restarts a workload whose
 * definition changed. Unlike upstream, an empty requested set stops everything, and `shutdown()` works.
 * Each workload is independent: stopping one drains it (its in-flight tasks finish and are acked) while the
 * others keep running; a workload asked for again while it drains starts once the drain is over.
 */
import type { Broker } from '../brokers/types.js';
import type { DiscoverySource } from './discovery.js';
import type { PermitPool } from './permit-pool.js';
import {
  type LogFn,
  type Processor,
  type RunnerEvent,
  WorkloadRunner,
  type WorkloadStats,
} from './runner.js';
import { sameWorkload, type WorkloadSpec } from './spec.js';

export interface ManagerOptions {
  broker: Broker;
  pool: PermitPool;
  /** The processing of a workload's messages (the seed's processors in `heroflow workloads`). */
  processorFor: (spec: WorkloadSpec) => Processor;
  sources: DiscoverySource[];
  /** Upstream polls every 5 s. */
  pollIntervalMs?: number;
  /** How long a stopping workload may take to drain before its consumer is force-closed (upstream 1 min). */
  stopTimeoutMs?: number;
  log?: LogFn;
  /**
   * A stable member name per workload, kept across restarts, where the broker keeps per-member state
   * (Redis Streams pending entries are read back at once by the same name; MQTT sessions). Default: random.
   */
  consumerIdFor?: (spec: WorkloadSpec) => string;
  onEvent?: (workload: string, event: RunnerEvent, fields?: Record<string, unknown>) => void;
}

export interface ReconcileReport {
  started: string[];
  stopped: string[];
  /** Sources that could not answer: nothing changed for this poll. */
  errors: string[];
}

export class WorkloadManager {
  readonly #o: Required<Pick<ManagerOptions, 'pollIntervalMs' | 'stopTimeoutMs'>> & ManagerOptions;
  readonly #runners = new Map<string, WorkloadRunner>();
  readonly #draining = new Map<string, { runner: WorkloadRunner; done: Promise<void> }>();
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastError = '';

  constructor(options: ManagerOptions) {
    this.#o = { pollIntervalMs: 5000, stopTimeoutMs: 60_000, ...options };
    for (const s of options.sources) s.onChange?.(() => void this.poll());
  }

  /** Poll now and then every pollIntervalMs until shutdown. */
  async start(): Promise<ReconcileReport> {
    const first = await this.poll();
    const tick = () => {
      this.#timer = setTimeout(() => {
        void this.poll().finally(() => {
          if (!this.#closed) tick();
        });
      }, this.#o.pollIntervalMs);
    };
    if (!this.#closed) tick();
    return first;
  }

  /** Ask every source and reconcile; polls never overlap. */
  poll(): Promise<ReconcileReport> {
    const run = this.#chain.then(() => this.#pollOnce());
    this.#chain = run.catch(() => {});
    return run;
  }

  async #pollOnce(): Promise<ReconcileReport> {
    if (this.#closed) return { started: [], stopped: [], errors: [] };
    const requested = new Map<string, WorkloadSpec>();
    const errors: string[] = [];
    for (const source of this.#o.sources) {
      try {
        for (const w of await source.requested()) {
          if (requested.has(w.name)) {
            errors.push(
              `workload "${w.name}" is requested by two sources; the first one (in source order) runs`,
            );
            continue;
          }
          requested.set(w.name, w);
        }
      } catch (err) {
        errors.push(`${source.name}: ${(err as Error).message}`);
      }
    }
    const fatal = errors.filter((e) => !e.startsWith('workload "'));
    const text = errors.join(' | ');
    if (text !== this.#lastError && text !== '') this.#o.log?.('error', 'workload discovery', { errors });
    this.#lastError = text;
    // A source that cannot answer must not stop its workloads: keep everything as it is.
    if (fatal.length > 0) return { started: [], stopped: [], errors };
    return { ...(await this.#apply([...requested.values()])), errors };
  }

  async #apply(requested: WorkloadSpec[]): Promise<Omit<ReconcileReport, 'errors'>> {
    const want = new Map(requested.map((w) => [w.name, w]));
    const stop = [...this.#runners.values()].filter((r) => {
      const w = want.get(r.spec.name);
      return !w || !sameWorkload(w, r.spec) || r.state === 'failed';
    });
    const start = requested.filter((w) => {
      const r = this.#runners.get(w.name);
      return !r || stop.includes(r);
    });
    if (stop.length === 0 && start.length === 0) return { started: [], stopped: [] };
    this.#o.log?.(
      'info',
      `WorkloadManager Found ${requested.length} Starting ${start.length} and Deleting ${stop.length}`,
      {
        starting: start.map((w) => w.name),
        deleting: stop.map((r) => r.spec.name),
      },
    );
    for (const r of stop) this.#stop(r);
    const started: string[] = [];
    for (const w of start) {
      if (this.#closed) break;
      // The same name draining (removed, changed): its consumer must be gone before the new one joins.
      await this.#draining.get(w.name)?.done;
      const runner = new WorkloadRunner(w, {
        broker: this.#o.broker,
        pool: this.#o.pool,
        processor: this.#o.processorFor(w),
        ...(this.#o.log ? { log: this.#o.log } : {}),
        ...(this.#o.onEvent ? { onEvent: this.#o.onEvent } : {}),
        ...(this.#o.consumerIdFor ? { consumerId: this.#o.consumerIdFor(w) } : {}),
      });
      this.#runners.set(w.name, runner);
      try {
        await runner.start();
        started.push(w.name);
      } catch (err) {
        this.#runners.delete(w.name);
        this.#o.log?.('error', 'workload could not start; retried at the next poll', {
          workload: w.name,
          error: (err as Error).message,
        });
      }
    }
    return { started, stopped: stop.map((r) => r.spec.name) };
  }

  #stop(r: WorkloadRunner): Promise<void> {
    const name = r.spec.name;
    if (this.#runners.get(name) === r) this.#runners.delete(name);
    const done = r.stop(this.#o.stopTimeoutMs).finally(() => {
      if (this.#draining.get(name)?.runner === r) this.#draining.delete(name);
    });
    this.#draining.set(name, { runner: r, done });
    return done;
  }

  /** Running and draining workloads. */
  list(): WorkloadStats[] {
    return [...this.#runners.values(), ...[...this.#draining.values()].map((d) => d.runner)].map((r) =>
      r.stats(),
    );
  }

  stats(name: string): WorkloadStats | undefined {
    return (this.#runners.get(name) ?? this.#draining.get(name)?.runner)?.stats();
  }

  /** Names of the workloads running now (not draining). */
  running(): string[] {
    return [...this.#runners.keys()];
  }

  /**
   * Stop polling, then drain and close every workload at once (each: stop pulling → in-flight finish →
   * ack/nack → close its consumer). Producers and the client are the caller's (see shutdown.ts).
   */
  async shutdown(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#chain;
    for (const r of [...this.#runners.values()]) this.#stop(r);
    await Promise.all([...this.#draining.values()].map((d) => d.done));
  }
}
