import type { Command } from 'commander';
import { resolveOutputUrl } from '../../config/index.js';
import { HeroflowError } from '../../errors.js';
import { describeEtlEngine } from '../../etl/index.js';
import { maybeServeMetrics } from '../metrics.js';
import { addSettings, readSettings, settingSource } from '../options.js';
import { onStopSignals } from '../signals.js';
import { printWorkerSummary } from '../summary.js';

const SETTING_NAMES = [
  'broker',
  'topics',
  'group',
  'workerId',
  'from',
  'mode',
  'state',
  'out',
  'outputFs',
  'batchSize',
  'batchContinuous',
  'triggerChannel',
  'rollRows',
  'rollBytes',
  'rollAge',
  'memoryBudget',
  'etlThreads',
  'compression',
  'etlEngine',
  'tables',
  'idleExit',
  'redisHost',
  'redisPort',
  'redisDb',
  'wire',
  'logLevel',
  'metricsPort',
  'metricsHost',
] as const;

export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description(
      'Consume log records in a group and write the five Parquet tables; commits only after a file is durable. Stops on SIGINT/SIGTERM (flushing first) or after --exit-when-idle.',
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async () => {
    const s = readSettings(cmd, SETTING_NAMES);
    if (s.mode === 'batch' && settingSource(cmd, 'rollRows') !== 'default') {
      throw new HeroflowError(
        'HF_CONFIG_INVALID',
        'Invalid --roll-rows (env HEROFLOW_ROLL_ROWS) with --mode batch: batch mode writes a file every --batch-size (env BATCH_SIZE) messages of a partition, as upstream does. Set --batch-size instead, or use --mode streaming.',
      );
    }
    const { createCliLog } = await import('../log.js');
    const { WorkerRun } = await import('../../pipeline/index.js');
    const log = createCliLog(s.logLevel, 'heroflow.worker');
    const run = await WorkerRun.open({
      brokerUrl: s.broker,
      outputUrl: resolveOutputUrl(s.out, s.outputFs),
      topics: s.topics,
      group: s.group,
      workerId: s.workerId,
      from: s.from,
      mode: s.mode,
      stateUrl: s.state,
      redisUrl: `redis://${s.redisHost}:${s.redisPort}/${s.redisDb}`,
      batchSize: s.batchSize,
      triggerChannel:
        s.mode === 'batch' && !s.batchContinuous ? (s.triggerChannel ?? s.topics[0]) : undefined,
      roll: { maxRows: s.rollRows, maxBytes: s.rollBytes, maxAgeMs: s.rollAge },
      memoryBudgetBytes: s.memoryBudget,
      etlThreads: s.etlThreads,
      compression: s.compression,
      etlEngine: s.etlEngine,
      tables: s.tables,
      idleExitMs: s.idleExit,
      wire: s.wire,
      log,
    });
    const metrics = await maybeServeMetrics(s.metricsPort, s.metricsHost, (r) => run.registerMetrics(r));
    const cancelSignals = onStopSignals((count) => {
      if (count === 1) {
        log('info', 'stopping: flushing open files and committing (signal again to abort at once)');
        run.stop();
      } else {
        log('warn', 'aborting: what is not yet durable is not committed and will be read again');
        run.abort();
      }
    });
    try {
      const result = await run.run();
      printWorkerSummary(result.stats, {
        ...result,
        etlEngine: describeEtlEngine(s.etlEngine, s.compression),
      });
      if (result.batches !== undefined) console.log(`  batches run  ${result.batches}`);
    } finally {
      cancelSignals();
      await metrics?.close();
    }
  });
}
