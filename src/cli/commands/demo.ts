/**
 * `heroflow demo`: the whole pipeline in one process. Workers join their group first (so nothing is
 * published before they listen), the tournament plays and logs through the transport, then the demo
 * waits until the workers have consumed everything that was published, stops them (flush + commit) and
 * prints a summary.
 */
import type { Command } from 'commander';
import { openBroker } from '../../brokers/index.js';
import { UPSTREAM_PARTITIONS } from '../../brokers/types.js';
import { parseSetting, resolveOutputUrl } from '../../config/index.js';
import { startDashboard } from '../../dashboard/index.js';
import {
  type FileTimings,
  registerFileTimings,
  registerPublishMetrics,
  registerWorkerMetrics,
} from '../../metrics/index.js';
import { loadRoster, runTournament, virtualClock, wallClock } from '../../simulator/index.js';
import { openStorage } from '../../storage/index.js';
import { createSimulatorLogger, QUEUE_GAME, QUEUE_LOBBY } from '../../transport/index.js';
import { Worker, type WorkerStats } from '../../worker/index.js';
import { createCliLog } from '../log.js';
import { maybeServeMetrics } from '../metrics.js';
import { addSettings, readSettings } from '../options.js';
import { createProgress } from '../progress.js';
import { printDemoSummary } from '../summary.js';
import { untilSignal } from './server.js';

const SETTING_NAMES = [
  'players',
  'games',
  'workers',
  'broker',
  'out',
  'outputFs',
  'seed',
  'heroes',
  'loggerModule',
  'logLevel',
  'rollRows',
  'rollBytes',
  'rollAge',
  'memoryBudget',
  'compression',
  'metricsPort',
  'metricsHost',
] as const;

/** Upstream's transport module names; heroflow derives LOGGER_MODULE from the broker when unset. */
function loggerModuleFor(brokerUrl: string): string {
  const scheme = brokerUrl.split(':')[0].split('+')[0];
  return scheme === 'amqp' ? 'rabbit' : scheme;
}

/** Fails instead of hanging when consumption stops moving (a dead worker, a broker gone). */
const STALL_MS = 60_000;

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description(
      'Play a simulated tournament in-process and stream its logs through the broker into the five Parquet tables (what `npm start` runs).',
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.option('--json', 'print the summary as one JSON object on stdout (for scripts and tests)');
  cmd.option(
    '--dashboard [port]',
    "also serve the live dashboard (default port 3005) on this demo's /metrics, and keep it up after the summary until SIGINT/SIGTERM",
  );
  cmd.action(async (flags: { json?: boolean; dashboard?: boolean | string }) => {
    const s = readSettings(cmd, SETTING_NAMES);
    const log = createCliLog(s.logLevel === 'debug' ? 'debug' : 'warning', 'heroflow.demo');
    const roster = await loadRoster(s.heroes);
    const broker = await openBroker(s.broker, { log });
    const storage = await openStorage(resolveOutputUrl(s.out, s.outputFs));
    const topics = [QUEUE_LOBBY, QUEUE_GAME];
    const started = Date.now();
    let fanout: { stop(): Promise<void> } | undefined;
    // Read on scrape: the workers and the transport exist only once the demo is under way.
    let workerStats: () => WorkerStats[] = () => [];
    let publishCounts: () => Record<string, number> = () => ({});
    let fileWritten: ((f: FileTimings) => void) | undefined;
    const dashboardPort =
      flags.dashboard === undefined || flags.dashboard === false ? undefined : flags.dashboard;
    const metrics = await maybeServeMetrics(
      s.metricsPort ?? (dashboardPort === undefined ? undefined : 0),
      s.metricsHost,
      (r) => {
        registerWorkerMetrics(r, () => workerStats());
        fileWritten = registerFileTimings(r);
        registerPublishMetrics(r, () => publishCounts());
      },
    );
    const dashboard =
      metrics && dashboardPort !== undefined
        ? await startDashboard({
            targets: [metrics.url],
            port: dashboardPort === true ? 3005 : parseSetting('dashboardPort', dashboardPort),
            title: 'heroflow demo',
          })
        : undefined;
    if (dashboard) console.error(`dashboard on ${dashboard.url}`);
    try {
      await broker.ensureTopics(
        Object.entries(UPSTREAM_PARTITIONS).map(([topic, partitions]) => ({ topic, partitions })),
      );
      // A group of its own per run, reading from `latest` once live: a demo consumes what it played,
      // not what earlier runs left on a persistent broker.
      const group = `heroflow-demo-${s.seed ?? process.pid}-${started}`;
      // A broadcast broker (redis:// Pub/Sub) has no consumer groups: every worker gets every record and
      // processes it (the seed's finding), so each record is consumed once per worker.
      const copies = broker.capabilities.groups === 'broadcast' ? s.workers : 1;
      if (copies > 1) {
        log('warn', 'this broker delivers every record to every worker: each worker processes all of them', {
          broker: broker.url,
          workers: s.workers,
        });
      }
      // redis+fanout workers only receive through the narrowcast middleware: run it in-process.
      if (/^redis\+fanout:/i.test(s.broker)) {
        const { FanoutMiddleware } = await import('../../brokers/redis/index.js');
        const mw = new FanoutMiddleware({ url: s.broker, topics, log });
        fanout = mw;
        await mw.start();
      }
      const workers = Array.from(
        { length: s.workers },
        (_, i) =>
          new Worker({
            broker,
            storage,
            topics,
            group,
            from: 'latest',
            consumerId: `demo-worker-${i + 1}`,
            mode: 'streaming',
            roll: { maxRows: s.rollRows, maxBytes: s.rollBytes, maxAgeMs: s.rollAge },
            memoryBudgetBytes: Math.floor(s.memoryBudget / s.workers),
            compression: s.compression,
            onFileWritten: (f) => fileWritten?.(f),
            log,
          }),
      );
      workerStats = () => workers.map((w) => w.stats());
      const runs = workers.map((w) => w.run());
      await Promise.all(workers.map((w) => w.ready()));

      // Seeded runs use a virtual clock so that record times, and so the date partitions, repeat.
      const clock = s.seed === undefined ? wallClock() : virtualClock();
      const logger = createSimulatorLogger({
        loggerModule: s.loggerModule ?? loggerModuleFor(s.broker),
        level: s.logLevel.toUpperCase(),
        broker,
        stdout: false,
        clock,
      });
      publishCounts = () => logger.counts();
      const gamesBar = createProgress('games', s.players * s.games, 'player-games');
      const summary = await runTournament({
        players: s.players,
        gamesPerPlayer: s.games,
        seed: s.seed,
        roster,
        logger,
        clock,
        onProgress: (p) => gamesBar.update(p.slotsDone, { games: p.games }),
      });
      gamesBar.stop();
      await logger.close();
      const published = logger.counts();
      const expected = topics.reduce((n, t) => n + (published[t] ?? 0), 0);

      // In a group the workers together consume each record once; on a broadcast broker each worker must
      // consume all of them (stopping at the first crossing of the total left neither worker's output whole).
      const target = expected * copies;
      const consumed = () => workers.reduce((n, w) => n + w.stats().consumed, 0);
      const done = () =>
        copies === 1 ? consumed() >= expected : workers.every((w) => w.stats().consumed >= expected);
      const etlBar = createProgress('etl', target, 'records');
      let last = -1;
      let lastMoved = Date.now();
      while (!done()) {
        const now = consumed();
        etlBar.update(now);
        if (now !== last) [last, lastMoved] = [now, Date.now()];
        if (Date.now() - lastMoved > STALL_MS) {
          throw new Error(
            `workers consumed ${now} of ${target} records and made no progress for ${STALL_MS / 1000} s; is the broker still up?`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      etlBar.update(consumed());
      etlBar.stop();
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(runs);
      // The group was this run's alone: leave no queue collecting messages or durable consumer behind.
      await broker
        .deleteGroup?.(group, topics)
        .catch((err: unknown) =>
          log('warn', 'could not remove the demo group from the broker', { group, error: String(err) }),
        );
      printDemoSummary(
        {
          tournament: summary,
          published,
          workers: workers.map((w) => w.stats()),
          seconds: (Date.now() - started) / 1000,
          output: storage.url,
          roster: roster.source,
          broker: broker.url,
          group,
          copies,
        },
        flags.json ? 'json' : 'table',
      );
      if (dashboard) {
        console.error(`dashboard on ${dashboard.url} until SIGINT/SIGTERM`);
        await untilSignal();
      }
    } finally {
      await dashboard?.close();
      await metrics?.close();
      await fanout?.stop();
      await broker.close();
      await storage.close();
    }
  });
}
