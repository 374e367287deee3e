/**
 * The global permit pool (seed 004 part 3, `PermittedTaskExecutor`): every workload submits its tasks
 * here, and at most `globalPermitLimit` of them run at once across all workloads.
 *
 * Upstream is a Pekko `Source.queue(maxTasksQueued, backpressure, maxTasksWaiting)` feeding
 * `mapAsyncUnordered(globalPermitLimit)`. The same bounds here: `maxTasksQueued` tasks may wait for a
 * permit; when that queue is full up to `maxTasksWaiting` offers wait for room in it; beyond that a
 * submit is refused at once (HF_WORKLOAD_QUEUE_FULL). `submit` answers twice, as upstream's
 * `Future[Future[T]]`: its promise resolves when the task is queued, and the handle's `done` when the
 * task has finished (a promise of a promise would flatten in JavaScript, hence the handle).
 */
import { HeroflowError } from '../errors.js';

export interface PermitPoolOptions {
  globalPermitLimit: number;
  maxTasksQueued: number;
  maxTasksWaiting: number;
}

export const UPSTREAM_POOL: PermitPoolOptions = {
  globalPermitLimit: 5,
  maxTasksQueued: 20,
  maxTasksWaiting: 10,
};

export interface TaskHandle<T> {
  /** Settles with the task's result once it has run. */
  readonly done: Promise<T>;
}

export interface PoolCounters {
  /** Tasks holding a permit now. */
  running: number;
  /** Tasks queued for a permit. */
  queued: number;
  /** Offers waiting for room in the queue. */
  offered: number;
  /** Totals since start. */
  completed: number;
  failed: number;
  rejected: number;
  /** Most tasks ever running at once (never above globalPermitLimit). */
  peakRunning: number;
}

interface Entry {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Offer {
  entry: Entry;
  queued: () => void;
}

export class PermitPool {
  readonly options: PermitPoolOptions;
  readonly #queue: Entry[] = [];
  readonly #offers: Offer[] = [];
  #running = 0;
  #closed = false;
  #idle: Array<() => void> = [];
  readonly #totals = { completed: 0, failed: 0, rejected: 0, peakRunning: 0 };

  constructor(options: PermitPoolOptions) {
    for (const k of ['globalPermitLimit', 'maxTasksQueued', 'maxTasksWaiting'] as const) {
      const v = options[k];
      const min = k === 'globalPermitLimit' ? 1 : 0;
      if (!Number.isInteger(v) || v < min)
        throw new HeroflowError('HF_CONFIG_INVALID', `Invalid ${k}: ${v}; expected an integer ≥ ${min}.`);
    }
    this.options = { ...options };
  }

  submit<T>(task: () => Promise<T>): Promise<TaskHandle<T>> {
    if (this.#closed) {
      return Promise.reject(
        new HeroflowError('HF_BROKER_CLOSED', 'Failed to enqueue task: the permit pool is shut down.'),
      );
    }
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: Entry = { run: task, resolve: resolve as (v: unknown) => void, reject };
    const handle: TaskHandle<T> = { done };
    const free = this.#queue.length === 0 && this.#running < this.options.globalPermitLimit;
    // A task that can start at once needs no queue room (a maxTasksQueued of 0 still runs tasks).
    if (this.#offers.length === 0 && (free || this.#queue.length < this.options.maxTasksQueued)) {
      this.#queue.push(entry);
      this.#pump();
      return Promise.resolve(handle);
    }
    if (this.#offers.length < this.options.maxTasksWaiting) {
      return new Promise((res) => this.#offers.push({ entry, queued: () => res(handle) }));
    }
    this.#totals.rejected++;
    const { maxTasksQueued, maxTasksWaiting } = this.options;
    return Promise.reject(
      new HeroflowError(
        'HF_WORKLOAD_QUEUE_FULL',
        `Failed to enqueue task: the global queue is full (${maxTasksQueued} tasks queued for ${this.options.globalPermitLimit} permits, ${maxTasksWaiting} offers waiting); raise maxTasksQueued/maxTasksWaiting or lower the workloads' processingParallelism.`,
      ),
    );
  }

  counters(): PoolCounters {
    return {
      running: this.#running,
      queued: this.#queue.length,
      offered: this.#offers.length,
      ...this.#totals,
    };
  }

  /** Upstream's report line. */
  report(): string {
    const c = this.counters();
    return `[Global Task Executor] Running Tasks: ${c.running}, Queued Tasks: ${c.queued}, Offered: ${c.offered}`;
  }

  /** Refuse new tasks; resolves once every accepted task has run (upstream completes its queue). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#running === 0 && this.#queue.length === 0 && this.#offers.length === 0) return;
    await new Promise<void>((res) => this.#idle.push(res));
  }

  #pump(): void {
    for (;;) {
      while (this.#offers.length > 0 && this.#queue.length < this.options.maxTasksQueued) this.#admit();
      if (this.#running >= this.options.globalPermitLimit) break;
      if (this.#queue.length === 0 && this.#offers.length > 0) this.#admit();
      const e = this.#queue.shift();
      if (!e) break;
      this.#start(e);
    }
    if (this.#running === 0 && this.#queue.length === 0 && this.#offers.length === 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const f of idle) f();
    }
  }

  /** The oldest waiting offer gets into the queue: its submit resolves now. */
  #admit(): void {
    const o = this.#offers.shift() as Offer;
    this.#queue.push(o.entry);
    o.queued();
  }

  #start(e: Entry): void {
    this.#running++;
    if (this.#running > this.#totals.peakRunning) this.#totals.peakRunning = this.#running;
    // A task that throws synchronously is a failed task, not a broken pool.
    Promise.resolve()
      .then(e.run)
      .then(
        (v) => {
          this.#totals.completed++;
          e.resolve(v);
        },
        (err: unknown) => {
          this.#totals.failed++;
          e.reject(err);
        },
      )
      .finally(() => {
        this.#running--;
        this.#pump();
      });
  }
}
