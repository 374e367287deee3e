/**
 * The whole pipeline in one process (`heroflow demo`, `npm start`): workers join a group of their own
 * first (so nothing is published before they listen), the tournament plays and logs through the
 * transport, then the run waits until the workers have consumed everything that was published, stops them
 * (flush + commit), removes the throwaway group and returns what happened.
 */
import type { Registry } from 'prom-client';
import { type Broker, openBroker, UPSTREAM_PARTITIONS, type WireFormat } from '../brokers/index.js';
import { type Compression, checkEtlEngine, type EtlEngine, type RollPolicy } from '../etl/index.js';
import {
  loadRoster,
  type Roster,
  runTournament,
  type TournamentSummary,
  virtualClock,
  wallClock,
} from '../simulator/index.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { type KeyBy, QUEUE_GAME, QUEUE_LOBBY, type SimulatorLogger } from '../transport/index.js';
import { type LogFn, Worker, type WorkerOptions, type WorkerStats } from '../worker/index.js';
import { waitForConsumption } from './consumption.js';
import { prepareOutput } from './output.js';
import { holdProcessMemory } from './process-memory.js';
import { brokerSimulatorLogger } from './simulator-logger.js';

export interface DemoOptions {
  brokerUrl: string;
  outputUrl: string;
  players: number;
  gamesPerPlayer: number;
  workers: number;
  /** Seeded runs use a virtual clock, so record times (and the date folders) repeat. */
  seed?: number;
  /** A roster file; default the bundled upstream roster. */
  heroes?: string;
  loggerModule?: string;
  logLevel: string;
  /** How messages look on the broker (BrokerOptions.wire); default `heroflow`. */
  wire?: WireFormat;
  /** Message keys of the transported records (`--key-by`); default `none`. */
  keyBy?: KeyBy;
  roll: RollPolicy;
  /** Shared by all the workers. */
  memoryBudgetBytes: number;
  compression: Compression;
  /** Which ETL engine reads the records (etl/native-engine.ts); default auto. */
  etlEngine?: EtlEngine;
  log: LogFn;
  /** Fail when consumption makes no progress for this long (default 60 s). */
  stallMs?: number;
  onGames?: (playerGamesDone: number, playerGames: number, games: number) => void;
  onRecords?: (consumed: number, target: number) => void;
}

export interface DemoResult {
  tournament: TournamentSummary;
  published: Record<string, number>;
  workers: WorkerStats[];
  seconds: number;
  output: string;
  roster: string;
  broker: string;
  group: string;
  /** How many times each record is consumed: 1 in a group, the worker count on a broadcast broker. */
  copies: number;
}

const TOPICS = [QUEUE_LOBBY, QUEUE_GAME];
const STALL_MS = 60_000;

export class DemoRun {
  readonly #opts: DemoOptions;
  readonly #broker: Broker;
  readonly #storage: Storage;
  readonly #roster: Roster;
  #workers: Worker[] = [];
  #logger: SimulatorLogger | undefined;
  #fileWritten: WorkerOptions['onFileWritten'];

  private constructor(opts: DemoOptions, broker: Broker, storage: Storage, roster: Roster) {
    this.#opts = opts;
    this.#broker = broker;
    this.#storage = storage;
    this.#roster = roster;
  }

  static async open(opts: DemoOptions): Promise<DemoRun> {
    checkEtlEngine(opts.etlEngine ?? 'auto', opts.compression);
    holdProcessMemory();
    const roster = await loadRoster(opts.heroes);
    const broker = await openBroker(opts.brokerUrl, { log: opts.log, wire: opts.wire });
    try {
      const storage = await openStorage(opts.outputUrl);
      await prepareOutput(storage, opts.log).catch(async (err) => {
        await storage.close();
        throw err;
      });
      return new DemoRun(opts, broker, storage, roster);
    } catch (err) {
      await broker.close();
      throw err;
    }
  }

  /** The workers' counters, the per-file timings and the transport's publish counts, read on scrape. */
  async registerMetrics(registry: Registry): Promise<void> {
    // Loaded here: a demo without --metrics-port does not load prom-client.
    const { registerFileTimings, registerPublishMetrics, registerWorkerMetrics } = await import(
      '../metrics/index.js'
    );
    registerWorkerMetrics(registry, () => this.#workers.map((w) => w.stats()));
    this.#fileWritten = registerFileTimings(registry);
    registerPublishMetrics(registry, () => this.#logger?.counts() ?? {});
  }

  async run(): Promise<DemoResult> {
    const o = this.#opts;
    const broker = this.#broker;
    const started = Date.now();
    let fanout: { stop(): Promise<void> } | undefined;
    try {
      await broker.ensureTopics(
        Object.entries(UPSTREAM_PARTITIONS).map(([topic, partitions]) => ({ topic, partitions })),
      );
      // A group of its own per run, reading from `latest` once live: a demo consumes what it played,
      // not what earlier runs left on a persistent broker.
      const group = `heroflow-demo-${o.seed ?? process.pid}-${started}`;
      // A broadcast broker (redis:// Pub/Sub) has no consumer groups: every worker gets every record and
      // processes it (the seed's finding), so each record is consumed once per worker.
      const copies = broker.capabilities.groups === 'broadcast' ? o.workers : 1;
      if (copies > 1) {
        o.log(
          'warn',
          'this broker delivers every record to every worker: each worker processes all of them',
          {
            broker: broker.url,
            workers: o.workers,
          },
        );
      }
      // redis+fanout workers only receive through the narrowcast middleware: run it in-process.
      if (broker.kind === 'redis+fanout') {
        const { FanoutMiddleware } = await import('../brokers/redis/index.js');
        const mw = new FanoutMiddleware({ url: o.brokerUrl, topics: TOPICS, log: o.log });
        fanout = mw;
        await mw.start();
      }
      this.#workers = this.startWorkers(group);
      const runs = this.#workers.map((w) => w.run());
      await Promise.all(this.#workers.map((w) => w.ready()));

      const { tournament, published } = await this.play();
      const expected = TOPICS.reduce((n, t) => n + (published[t] ?? 0), 0);
      await this.waitConsumed(expected, copies);
      await Promise.all(this.#workers.map((w) => w.stop()));
      await Promise.all(runs);
      // The group was this run's alone: leave no queue collecting messages or durable consumer behind.
      await broker
        .deleteGroup?.(group, TOPICS)
        .catch((err: unknown) =>
          o.log('warn', 'could not remove the demo group from the broker', { group, error: String(err) }),
        );
      return {
        tournament,
        published,
        workers: this.#workers.map((w) => w.stats()),
        seconds: (Date.now() - started) / 1000,
        output: this.#storage.url,
        roster: this.#roster.source,
        broker: broker.url,
        group,
        copies,
      };
    } finally {
      await Promise.all(this.#workers.map((w) => w.stop()));
      await fanout?.stop();
      await broker.close();
      await this.#storage.close();
    }
  }

  private startWorkers(group: string): Worker[] {
    const o = this.#opts;
    return Array.from(
      { length: o.workers },
      (_, i) =>
        new Worker({
          broker: this.#broker,
          storage: this.#storage,
          topics: TOPICS,
          group,
          from: 'latest',
          consumerId: `demo-worker-${i + 1}`,
          mode: 'streaming',
          roll: o.roll,
          memoryBudgetBytes: Math.floor(o.memoryBudgetBytes / o.workers),
          compression: o.compression,
          etlEngine: o.etlEngine,
          onFileWritten: (f) => this.#fileWritten?.(f),
          log: o.log,
        }),
    );
  }

  private async play(): Promise<{ tournament: TournamentSummary; published: Record<string, number> }> {
    const o = this.#opts;
    const clock = o.seed === undefined ? wallClock() : virtualClock();
    const logger = brokerSimulatorLogger(this.#broker, {
      loggerModule: o.loggerModule,
      logLevel: o.logLevel,
      clock,
      wire: o.wire,
      keyBy: o.keyBy,
    });
    this.#logger = logger;
    const tournament = await runTournament({
      players: o.players,
      gamesPerPlayer: o.gamesPerPlayer,
      seed: o.seed,
      roster: this.#roster,
      logger,
      clock,
      onProgress: (p) => o.onGames?.(p.slotsDone, o.players * o.gamesPerPlayer, p.games),
    });
    await logger.close();
    return { tournament, published: logger.counts() };
  }

  /**
   * In a group the workers together consume each record once; on a broadcast broker each worker must
   * consume all of them (stopping at the first crossing of the total left neither worker's output whole).
   */
  private waitConsumed(expected: number, copies: number): Promise<void> {
    const workers = this.#workers;
    const target = expected * copies;
    const consumed = () => workers.reduce((n, w) => n + w.stats().consumed, 0);
    return waitForConsumption({
      consumed,
      done: () =>
        copies === 1 ? consumed() >= expected : workers.every((w) => w.stats().consumed >= expected),
      target,
      stallMs: this.#opts.stallMs ?? STALL_MS,
      onProgress: (n) => this.#opts.onRecords?.(n, target),
    });
  }
}
