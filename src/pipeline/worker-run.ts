/**
 * One worker process's job, from URLs to a result: open the broker, the output and (batch mode) the
 * offset store; run a streaming or continuous-batch Worker, or one batch per trigger message (seed 001's
 * BATCH_CONTINUOUS=false); close everything in order. The CLI, the bench and tests call this; the CLI only
 * turns settings into WorkerRunOptions and prints the result.
 *
 *   const run = await WorkerRun.open({ brokerUrl, outputUrl, topics, group, ... });
 *   process.once('SIGTERM', () => run.stop());
 *   const result = await run.run();      // stats, seconds, output URL, batches run
 */
import type { Registry } from 'prom-client';
import { type Broker, openBroker, type WireFormat } from '../brokers/index.js';
import {
  type Compression,
  checkEtlEngine,
  type EtlEngine,
  type RollPolicy,
  type TableName,
} from '../etl/index.js';
import type { LagProbe } from '../metrics/index.js';
import { type OffsetStore, openOffsetStore } from '../state/index.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import {
  type LogFn,
  mergeWorkerStats,
  runTriggeredBatches,
  Worker,
  type WorkerOptions,
  type WorkerStats,
} from '../worker/index.js';
import { prepareOutput } from './output.js';
import { holdProcessMemory } from './process-memory.js';

export interface WorkerRunOptions {
  brokerUrl: string;
  outputUrl: string;
  topics: string[];
  group: string;
  workerId?: string;
  from: 'earliest' | 'latest';
  /** streaming: commit to the broker; batch: positions kept in the offset store (seed 001). */
  mode: 'streaming' | 'batch';
  /** Batch mode's offset store (`stateUrl`, default the Redis at `redisUrl`). */
  stateUrl?: string;
  /** REDIS_HOST/PORT/DB as a URL: batch mode's default offset store and the trigger channel's server. */
  redisUrl: string;
  /** Batch mode: a file per this many messages of a partition (upstream BATCH_SIZE). */
  batchSize: number;
  /** Batch mode: undefined = continuous; a channel = one batch per message published there. */
  triggerChannel?: string;
  /** When a file rolls in streaming mode (batch mode rolls every `batchSize` messages instead). */
  roll: RollPolicy;
  memoryBudgetBytes: number;
  /** ETL threads of the sink (ParquetSinkOptions.etlThreads). */
  etlThreads?: number;
  compression: Compression;
  /** Which ETL engine reads the records (etl/native-engine.ts); default auto. */
  etlEngine?: EtlEngine;
  tables: readonly TableName[];
  idleExitMs?: number;
  /** How messages look on the broker (BrokerOptions.wire); default `heroflow`. */
  wire?: WireFormat;
  log: LogFn;
}

export interface WorkerRunResult {
  stats: WorkerStats;
  seconds: number;
  /** Where the files went (credentials redacted). */
  output: string;
  /** Triggered batch mode: how many batches ran. */
  batches?: number;
}

export class WorkerRun {
  readonly #opts: WorkerRunOptions;
  readonly #broker: Broker;
  readonly #storage: Storage;
  readonly #offsets: OffsetStore | undefined;
  readonly #abort = new AbortController();
  /** The streaming or continuous worker; undefined in triggered batch mode. */
  readonly #worker: Worker | undefined;
  readonly #batchesDone: WorkerStats[] = [];
  #fileWritten: WorkerOptions['onFileWritten'];
  #lag: LagProbe | undefined;

  private constructor(opts: WorkerRunOptions, broker: Broker, storage: Storage, offsets?: OffsetStore) {
    this.#opts = opts;
    this.#broker = broker;
    this.#storage = storage;
    this.#offsets = offsets;
    if (opts.triggerChannel === undefined) this.#worker = new Worker(this.workerOptions());
  }

  /** Opens the broker, the output and the offset store; closes what opened if a later one fails. */
  static async open(opts: WorkerRunOptions): Promise<WorkerRun> {
    checkEtlEngine(opts.etlEngine ?? 'auto', opts.compression);
    holdProcessMemory();
    const broker = await openBroker(opts.brokerUrl, { log: opts.log, wire: opts.wire });
    let storage: Storage | undefined;
    try {
      storage = await openStorage(opts.outputUrl);
      await prepareOutput(storage, opts.log);
      const offsets = opts.mode === 'batch' ? openOffsetStore(opts.stateUrl ?? opts.redisUrl) : undefined;
      return new WorkerRun(opts, broker, storage, offsets);
    } catch (err) {
      await storage?.close();
      await broker.close();
      throw err;
    }
  }

  get broker(): Broker {
    return this.#broker;
  }

  /** Live stats: the worker's, or every batch so far plus the one running. */
  stats(): WorkerStats {
    return this.#worker?.stats() ?? mergeWorkerStats(this.#batchesDone);
  }

  /**
   * The worker's metrics on `registry` (its counters, the per-file timings and, for a streaming Kafka
   * group, the consumer lag the cluster reports).
   */
  async registerMetrics(registry: Registry): Promise<void> {
    // Loaded here: a worker without --metrics-port does not load prom-client.
    const { registerFileTimings, registerKafkaLag, registerWorkerMetrics } = await import(
      '../metrics/index.js'
    );
    registerWorkerMetrics(registry, () => [this.stats()]);
    this.#fileWritten = registerFileTimings(registry);
    if (this.#broker.kind === 'kafka' && this.#opts.mode === 'streaming') {
      this.#lag = registerKafkaLag(registry, {
        url: this.#opts.brokerUrl,
        group: this.#opts.group,
        topics: this.#opts.topics,
      });
    }
  }

  /** Resolves once the member is live in its group (streaming and continuous batch mode). */
  ready(): Promise<void> {
    return this.#worker?.ready() ?? Promise.resolve();
  }

  /** Graceful stop: the running worker flushes and commits; a triggered run stops waiting. Never throws. */
  stop(): void {
    this.#abort.abort();
    void this.#worker?.stop();
  }

  /**
   * Stop now: closes the broker under the worker, so a publish retrying through an outage (a dead letter)
   * gives up and run() rejects; nothing more is committed, and what was not is read again next time.
   */
  abort(): void {
    this.stop();
    void this.#broker.close();
  }

  /** Runs until stopped, idle or (triggered) out of triggers; closes everything it opened. */
  async run(): Promise<WorkerRunResult> {
    const { log, topics, group, mode } = this.#opts;
    const started = Date.now();
    let batches: number | undefined;
    try {
      if (this.#worker) {
        log('info', 'worker started', { broker: this.#broker.url, topics, group, mode });
        // One line when the member is live in its group: scripts (bench/brokers.ts) publish only after it.
        this.#worker.ready().then(
          () => log('info', 'worker ready', { topics, group }),
          () => {},
        );
        await this.#worker.run();
      } else {
        batches = await this.runTriggered();
      }
    } finally {
      await this.close();
    }
    return {
      stats: this.stats(),
      seconds: (Date.now() - started) / 1000,
      output: this.#storage.url,
      batches,
    };
  }

  private async runTriggered(): Promise<number> {
    const { log, topics, group, triggerChannel, redisUrl, batchSize, idleExitMs } = this.#opts;
    log('info', 'batch worker started', { broker: this.#broker.url, topics, group, channel: triggerChannel });
    const done = await runTriggeredBatches(
      {
        ...this.workerOptions(),
        redisUrl,
        channel: triggerChannel ?? topics[0],
        batchSize,
        idleExitMs,
        onBatchDone: (stats) => this.#batchesDone.push(stats),
      },
      this.#abort.signal,
    );
    return done.length;
  }

  private workerOptions(): WorkerOptions {
    const o = this.#opts;
    return {
      broker: this.#broker,
      storage: this.#storage,
      topics: o.topics,
      group: o.group,
      consumerId: o.workerId,
      from: o.from,
      mode: o.mode,
      offsetStore: this.#offsets,
      roll: o.mode === 'batch' ? { ...o.roll, maxRows: o.batchSize } : o.roll,
      memoryBudgetBytes: o.memoryBudgetBytes,
      etlThreads: o.etlThreads,
      compression: o.compression,
      etlEngine: o.etlEngine,
      tables: o.tables,
      idleExitMs: o.idleExitMs,
      onFileWritten: (f) => this.#fileWritten?.(f),
      log: o.log,
    };
  }

  private async close(): Promise<void> {
    await this.#offsets?.close();
    await this.#broker.close();
    await this.#storage.close();
    await this.#lag?.close();
  }
}
