import type { Command } from 'commander';
import { openBroker } from '../../brokers/index.js';
import { resolveOutputUrl } from '../../config/index.js';
import {
  type FileTimings,
  type LagProbe,
  registerFileTimings,
  registerKafkaLag,
  registerWorkerMetrics,
} from '../../metrics/index.js';
import { openOffsetStore } from '../../state/index.js';
import { openStorage } from '../../storage/index.js';
import { runTriggeredBatches } from '../../worker/batch-trigger.js';
import { Worker } from '../../worker/index.js';
import { createCliLog } from '../log.js';
import { maybeServeMetrics } from '../metrics.js';
import { addSettings, readSettings } from '../options.js';
import { mergeStats, printWorkerSummary } from '../summary.js';

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
  'compression',
  'tables',
  'idleExit',
  'redisHost',
  'redisPort',
  'redisDb',
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
    const log = createCliLog(s.logLevel, 'heroflow.worker');
    const broker = await openBroker(s.broker, { log });
    const storage = await openStorage(resolveOutputUrl(s.out, s.outputFs));
    const redisUrl = `redis://${s.redisHost}:${s.redisPort}/${s.redisDb}`;
    const offsetStore = s.mode === 'batch' ? await openOffsetStore(s.state ?? redisUrl) : undefined;
    if (s.mode === 'batch' && !s.batchContinuous) {
      // BATCH_CONTINUOUS=false: one batch per message on the trigger channel (seed 001).
      const channel = s.triggerChannel ?? s.topics[0];
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const started = Date.now();
      log('info', 'batch worker started', { broker: broker.url, topics: s.topics, group: s.group, channel });
      let batches: Awaited<ReturnType<typeof runTriggeredBatches>> = [];
      try {
        batches = await runTriggeredBatches(
          {
            broker,
            storage,
            topics: s.topics,
            group: s.group,
            from: s.from,
            mode: 'batch',
            offsetStore,
            roll: { maxRows: s.batchSize, maxBytes: s.rollBytes, maxAgeMs: s.rollAge },
            memoryBudgetBytes: s.memoryBudget,
            compression: s.compression,
            redisUrl,
            channel,
            batchSize: s.batchSize,
            idleExitMs: s.idleExit,
            log,
          },
          abort.signal,
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await offsetStore?.close();
        await broker.close();
        await storage.close();
      }
      if (batches.length > 0) {
        printWorkerSummary(mergeStats(batches), {
          seconds: (Date.now() - started) / 1000,
          output: storage.url,
        });
      }
      console.log(`  batches run  ${batches.length}`);
      return;
    }
    // Set once /metrics is registered (below): the worker reports each durable file's timings to it.
    let fileWritten: ((f: FileTimings) => void) | undefined;
    const worker = new Worker({
      broker,
      storage,
      topics: s.topics,
      group: s.group,
      consumerId: s.workerId,
      from: s.from,
      mode: s.mode,
      offsetStore,
      // Batch mode loads every BATCH_SIZE messages of a partition, as upstream does.
      roll: {
        maxRows: s.mode === 'batch' ? s.batchSize : s.rollRows,
        maxBytes: s.rollBytes,
        maxAgeMs: s.rollAge,
      },
      memoryBudgetBytes: s.memoryBudget,
      compression: s.compression,
      tables: s.tables,
      idleExitMs: s.idleExit,
      onFileWritten: (f) => fileWritten?.(f),
      log,
    });
    let lag: LagProbe | undefined;
    const metrics = await maybeServeMetrics(s.metricsPort, s.metricsHost, (r) => {
      registerWorkerMetrics(r, () => [worker.stats()]);
      fileWritten = registerFileTimings(r);
      // Streaming mode commits to the group on Kafka, so the cluster knows the lag.
      if (/^kafka:/i.test(s.broker) && s.mode === 'streaming') {
        lag = registerKafkaLag(r, { url: s.broker, group: s.group, topics: s.topics });
      }
    });
    const started = Date.now();
    const stop = () => void worker.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    log('info', 'worker started', { broker: broker.url, topics: s.topics, group: s.group, mode: s.mode });
    // One line when the member is live in its group: scripts (bench/brokers.ts) publish only after it.
    worker.ready().then(
      () => log('info', 'worker ready', { topics: s.topics, group: s.group }),
      () => {},
    );
    try {
      await worker.run();
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await offsetStore?.close();
      await broker.close();
      await storage.close();
      await metrics?.close();
      await lag?.close();
    }
    printWorkerSummary(worker.stats(), { seconds: (Date.now() - started) / 1000, output: storage.url });
  });
}
