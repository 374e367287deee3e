/**
 * One workload's stream (seed 004 parts 2, 3 and 5): pull → submit to the global pool → process → ack.
 *
 * - Back-pressure: the next batch is asked of the subscription only when fewer than
 *   `processingParallelism` of this workload's messages are held (taken and not yet acked/nacked), and a
 *   batch is at most that many, so nothing piles up here beyond the adapter's own window.
 * - Offers to the pool go one at a time per workload, as upstream's `mapAsync(1)(submit)`: the pool's
 *   waiting offers are then bounded by the number of workloads.
 * - Success acks, failure nacks with `redeliveryDelayMs`; at most `ackParallelism` acks/nacks at once,
 *   each retried once on error (upstream retries `acknowledgeAsync` once).
 * - `ordered`: one message per key in flight (KeyLanes); the held bound covers the messages waiting
 *   behind their key too, so the per-workload and global limits still hold.
 * - `stop()`: stop pulling → the held messages finish and are acked/nacked → close the consumer. After a
 *   timeout the consumer is closed anyway (logged); a task finishing later is not acked (its message comes
 *   back from the broker), so nothing is acked after the consumer closed.
 */
import type { Broker, Delivery, Subscription } from '../brokers/types.js';
import { isHeroflowError } from '../errors.js';
import { KeyLanes } from './key-lanes.js';
import { Limiter } from './limiter.js';
import type { PermitPool } from './permit-pool.js';
import { groupOf, type WorkloadSpec } from './spec.js';

export type LogFn = (
  level: 'info' | 'warn' | 'error' | 'debug',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface TaskContext {
  readonly workload: WorkloadSpec;
}

/** A user's processing of one message: resolve = done (ack), throw = failed (nack, redelivered later). */
export type Processor = (delivery: Delivery, ctx: TaskContext) => Promise<void>;

export type WorkloadState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

/** Steps of a workload's shutdown, in the order they happen. */
export type RunnerEvent = 'pulling-stopped' | 'drained' | 'forced' | 'consumer-closed';

export interface WorkloadStats {
  name: string;
  state: WorkloadState;
  topics: string[];
  group: string;
  /** Messages taken from the subscription and not yet acked/nacked (≤ processingParallelism). */
  held: number;
  /** Tasks in the processor now. */
  running: number;
  /** Messages waiting behind another of their key (ordered workloads). */
  waitingOnKey: number;
  /** Keys with a message in flight (ordered workloads): the lanes alive now. */
  keyLanes: number;
  succeeded: number;
  failed: number;
  /** Refused by a full global queue (nacked, not run). */
  rejected: number;
  acked: number;
  nacked: number;
  /** Most tasks of this workload ever in the processor at once. */
  peakRunning: number;
}

export interface RunnerDeps {
  broker: Broker;
  pool: PermitPool;
  processor: Processor;
  log?: LogFn;
  /** Stable member name (MQTT sessions, Redis Streams pending entries). */
  consumerId?: string;
  onEvent?: (workload: string, event: RunnerEvent, fields?: Record<string, unknown>) => void;
}

const STOP = Symbol('stop');

export class WorkloadRunner {
  readonly spec: WorkloadSpec;
  readonly #deps: RunnerDeps;
  readonly #lanes = new KeyLanes<Delivery>();
  readonly #acks: Limiter;
  #sub?: Subscription;
  #state: WorkloadState = 'starting';
  #held = 0;
  #running = 0;
  #consumerClosed = false;
  #offering: Promise<unknown> = Promise.resolve();
  #loop: Promise<void> = Promise.resolve();
  #stopping = false;
  #stopSignal!: () => void;
  readonly #stopped = new Promise<typeof STOP>((res) => {
    this.#stopSignal = () => res(STOP);
  });
  #wake: (() => void) | undefined;
  #stopPromise?: Promise<void>;
  readonly #n = { succeeded: 0, failed: 0, rejected: 0, acked: 0, nacked: 0, peakRunning: 0 };

  constructor(spec: WorkloadSpec, deps: RunnerDeps) {
    this.spec = spec;
    this.#deps = deps;
    this.#acks = new Limiter(spec.ackParallelism);
  }

  get state(): WorkloadState {
    return this.#state;
  }

  /** Subscribes and starts pulling; resolves once the subscription is live. */
  async start(): Promise<void> {
    const s = this.spec;
    const sub = this.#deps.broker.subscribe({
      topics: s.topics,
      group: groupOf(s),
      from: s.from,
      mode:
        s.ordered && this.#deps.broker.capabilities.modes.includes('key_shared') ? 'key_shared' : 'shared',
      maxBatch: s.processingParallelism,
      maxWaitMs: 20,
      ...(this.#deps.consumerId === undefined ? {} : { consumerId: this.#deps.consumerId }),
    });
    this.#sub = sub;
    try {
      await sub.ready();
    } catch (err) {
      this.#state = 'failed';
      this.#consumerClosed = true;
      await sub.close().catch(() => {});
      throw err;
    }
    if (this.#stopping) return;
    this.#state = 'running';
    this.#loop = this.#pull(sub);
  }

  async #pull(sub: Subscription): Promise<void> {
    const it = sub[Symbol.asyncIterator]();
    const limit = this.spec.processingParallelism;
    let batch: Delivery[] = [];
    let i = 0;
    try {
      while (!this.#stopping) {
        if (this.#held >= limit) {
          await Promise.race([new Promise<void>((res) => (this.#wake = res)), this.#stopped]);
          continue;
        }
        if (i >= batch.length) {
          const r = await Promise.race([it.next(), this.#stopped]);
          if (r === STOP || r.done) break;
          batch = r.value;
          i = 0;
          continue;
        }
        this.#held++;
        this.#dispatch(batch[i++]);
      }
    } catch (err) {
      if (!this.#stopping) {
        this.#state = 'failed';
        this.#deps.log?.('error', 'workload stopped pulling: the subscription failed', {
          workload: this.spec.name,
          error: (err as Error).message,
        });
      }
    }
    // Messages of the last batch never dispatched stay unacked: closing the consumer gives them back.
  }

  #dispatch(d: Delivery): void {
    if (this.spec.ordered && d.key !== undefined && !this.#lanes.enter(d.key, d)) return;
    void this.#process(d);
  }

  async #process(d: Delivery): Promise<void> {
    let ok = false;
    try {
      const handle = await this.#offer(() => this.#run(d));
      await handle.done;
      ok = true;
      this.#n.succeeded++;
    } catch (err) {
      if (isHeroflowError(err, 'HF_WORKLOAD_QUEUE_FULL')) {
        this.#n.rejected++;
        this.#deps.log?.('warn', err.message, { workload: this.spec.name, id: d.id });
      } else {
        this.#n.failed++;
        this.#deps.log?.('debug', 'task failed; nacked for redelivery', {
          workload: this.spec.name,
          id: d.id,
          error: (err as Error)?.message ?? String(err),
        });
      }
    }
    await this.#settle(d, ok);
    // The next message of the key (held since it was dispatched) may run now.
    const next = this.spec.ordered && d.key !== undefined ? this.#lanes.leave(d.key) : undefined;
    if (next) void this.#process(next);
    this.#held--;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** One offer at a time per workload (upstream mapAsync(1)(submit)). */
  #offer<T>(task: () => Promise<T>) {
    const p = this.#offering.then(() => this.#deps.pool.submit(task));
    this.#offering = p.catch(() => {});
    return p;
  }

  async #run(d: Delivery): Promise<void> {
    this.#running++;
    if (this.#running > this.#n.peakRunning) this.#n.peakRunning = this.#running;
    try {
      await this.#deps.processor(d, { workload: this.spec });
    } finally {
      this.#running--;
    }
  }

  async #settle(d: Delivery, ok: boolean): Promise<void> {
    // Force-closed: the broker hands this message out again; an ack now would be after the close.
    if (this.#consumerClosed) return;
    await this.#acks.run(async () => {
      const once = () => (ok ? d.ack() : d.nack({ delayMs: this.spec.redeliveryDelayMs }));
      try {
        await once().catch(() => (this.#consumerClosed ? undefined : once()));
        if (ok) this.#n.acked++;
        else this.#n.nacked++;
      } catch (err) {
        this.#deps.log?.('warn', `${ok ? 'ack' : 'nack'} failed twice; the broker will redeliver`, {
          workload: this.spec.name,
          id: d.id,
          error: (err as Error).message,
        });
      }
    });
  }

  /**
   * Drain and close: stop pulling, let held messages finish and settle, close the consumer. After
   * `timeoutMs` the consumer is closed with tasks still in flight (logged). Idempotent.
   */
  stop(timeoutMs: number): Promise<void> {
    this.#stopPromise ??= this.#drainAndClose(timeoutMs);
    return this.#stopPromise;
  }

  async #drainAndClose(timeoutMs: number): Promise<void> {
    const name = this.spec.name;
    const emit = (e: RunnerEvent, fields?: Record<string, unknown>) => this.#deps.onEvent?.(name, e, fields);
    if (this.#state !== 'failed') this.#state = 'draining';
    this.#stopping = true;
    this.#stopSignal();
    await this.#loop;
    emit('pulling-stopped', { held: this.#held });
    const deadline = Date.now() + timeoutMs;
    while (this.#held > 0 && Date.now() < deadline) {
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(50, Math.max(1, deadline - Date.now())));
        this.#wake = () => {
          clearTimeout(t);
          res();
        };
      });
    }
    if (this.#held > 0) {
      this.#deps.log?.('warn', 'force-closing a workload: tasks still in flight after the shutdown timeout', {
        workload: name,
        inFlight: this.#held,
        timeoutMs,
      });
      emit('forced', { inFlight: this.#held });
    } else emit('drained');
    this.#consumerClosed = true;
    await this.#sub?.close();
    emit('consumer-closed');
    if (this.#state !== 'failed') this.#state = 'stopped';
  }

  stats(): WorkloadStats {
    return {
      name: this.spec.name,
      state: this.#state,
      topics: this.spec.topics,
      group: groupOf(this.spec),
      held: this.#held,
      running: this.#running,
      waitingOnKey: this.#lanes.waiting,
      keyLanes: this.#lanes.size,
      ...this.#n,
    };
  }
}
