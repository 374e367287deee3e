/** `heroflow demo`: the whole pipeline in one process (src/pipeline/demo-run.ts), with progress and a summary. */
import type { Command } from 'commander';
import { parseSetting, resolveOutputUrl } from '../../config/index.js';
import { addSettings, readSettings } from '../options.js';
import type { Progress } from '../progress.js';
import { untilSignal } from '../signals.js';
import { printDemoSummary } from '../summary.js';

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
  'wire',
  'keyBy',
  'logLevel',
  'rollRows',
  'rollBytes',
  'rollAge',
  'memoryBudget',
  'compression',
  'etlEngine',
  'metricsPort',
  'metricsHost',
] as const;

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
    const dashboardPort =
      flags.dashboard === undefined || flags.dashboard === false
        ? undefined
        : flags.dashboard === true
          ? 3005
          : parseSetting('dashboardPort', flags.dashboard);
    const outputUrl = resolveOutputUrl(s.out, s.outputFs);
    const { DemoRun } = await import('../../pipeline/index.js');
    const { startDashboard } = await import('../../dashboard/index.js');
    const { createCliLog } = await import('../log.js');
    const { maybeServeMetrics } = await import('../metrics.js');
    const { createProgress } = await import('../progress.js');
    let gamesBar: Progress | undefined;
    let etlBar: Progress | undefined;
    const run = await DemoRun.open({
      brokerUrl: s.broker,
      outputUrl,
      players: s.players,
      gamesPerPlayer: s.games,
      workers: s.workers,
      seed: s.seed,
      heroes: s.heroes,
      loggerModule: s.loggerModule,
      logLevel: s.logLevel,
      wire: s.wire,
      keyBy: s.keyBy,
      roll: { maxRows: s.rollRows, maxBytes: s.rollBytes, maxAgeMs: s.rollAge },
      memoryBudgetBytes: s.memoryBudget,
      compression: s.compression,
      etlEngine: s.etlEngine,
      log: createCliLog(s.logLevel === 'debug' ? 'debug' : 'warning', 'heroflow.demo'),
      onGames: (done, total, games) => {
        gamesBar ??= createProgress('games', total, 'player-games');
        gamesBar.update(done, { games });
      },
      onRecords: (consumed, target) => {
        if (etlBar === undefined) {
          gamesBar?.stop();
          etlBar = createProgress('etl', target, 'records');
        }
        etlBar.update(consumed);
      },
    });
    // The dashboard needs a /metrics to read: an ephemeral port unless --metrics-port names one.
    const metrics = await maybeServeMetrics(
      s.metricsPort ?? (dashboardPort === undefined ? undefined : 0),
      s.metricsHost,
      (r) => run.registerMetrics(r),
    );
    const dashboard =
      metrics && dashboardPort !== undefined
        ? await startDashboard({ targets: [metrics.url], port: dashboardPort, title: 'heroflow demo' })
        : undefined;
    if (dashboard) console.error(`dashboard on ${dashboard.url}`);
    try {
      const result = await run.run();
      etlBar?.stop();
      printDemoSummary(result, flags.json ? 'json' : 'table');
      if (dashboard) {
        console.error(`dashboard on ${dashboard.url} until SIGINT/SIGTERM`);
        await untilSignal();
      }
    } finally {
      await dashboard?.close();
      await metrics?.close();
    }
  });
}
