/**
 * `heroflow workloads`: seed 004's workload manager as a command. Workloads come from a JSON/YAML file
 * (read again every --poll-interval) and/or the REST endpoint; every workload runs the seed's processor
 * (sleep, optional random failure, republish with numPublishes + 1) under one global permit pool. The
 * file may carry `pool:` (the pool's limits, flags win), `processor:` (defaults for every workload) and
 * `seed:` (messages published once at start, `{topic, key?, names: [...]}`). SIGINT/SIGTERM or --run-for
 * shut down in order: stop pulling → in-flight finish → ack/nack → consumers → producers → client.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { openBroker } from '../../brokers/index.js';
import type { Message } from '../../brokers/types.js';
import { HeroflowError } from '../../errors.js';
import type { DiscoverySource, LogFn } from '../../workloads/index.js';
// spec.js alone needs only zod; the rest of workloads/ (yaml, prom-client, brokers) loads in the action.
import { processorSettingsSchema } from '../../workloads/spec.js';
import { addSettings, readSettings } from '../options.js';
import { onStopSignal } from '../signals.js';

const SETTING_NAMES = [
  'broker',
  'workloadsFile',
  'pollInterval',
  'globalPermitLimit',
  'maxTasksQueued',
  'maxTasksWaiting',
  'reportInterval',
  'shutdownTimeout',
  'runFor',
  'restPort',
  'restHost',
  'restToken',
  'metricsPort',
  'metricsHost',
  'logLevel',
] as const;

/** The file's other sections; its workloads are read by FileDiscovery at every poll. */
const fileExtras = z.object({
  pool: z
    .object({
      globalPermitLimit: z.number().int().min(1).optional(),
      maxTasksQueued: z.number().int().min(0).optional(),
      maxTasksWaiting: z.number().int().min(0).optional(),
    })
    .strict()
    .optional(),
  processor: processorSettingsSchema.partial().optional(),
  seed: z
    .array(
      z
        .object({ topic: z.string().min(1), key: z.string().optional(), names: z.array(z.string()).min(1) })
        .strict(),
    )
    .optional(),
});

/** The file's keys beside `workloads` (pool, processor defaults, seed), from the document read once. */
function parseExtras(path: string, doc: unknown): z.output<typeof fileExtras> {
  const r = fileExtras.safeParse(doc);
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new HeroflowError('HF_WORKLOAD_INVALID', `Invalid workloads file ${path}: ${why}.`);
}

export function registerWorkloads(program: Command): void {
  const cmd = program
    .command('workloads')
    .description(
      "Run seed 004's workload manager: workloads from --workloads FILE (JSON/YAML, re-read every --poll-interval) and/or the REST endpoint (--rest-port), each pulling only when it has a free slot, under one global permit pool; the seed's processors (sleep, random failure, republish). Ready-made configs in examples/workloads/.",
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async () => {
    const s = readSettings(cmd, SETTING_NAMES);
    if (s.workloadsFile === undefined && s.restPort === undefined) {
      throw new HeroflowError(
        'HF_CONFIG_INVALID',
        'Invalid heroflow workloads: no workloads source; give --workloads FILE (env HEROFLOW_WORKLOADS) and/or --rest-port PORT (env HEROFLOW_REST_PORT).',
      );
    }
    const {
      createSeedProcessors,
      encodePayload,
      FileDiscovery,
      PermitPool,
      RestDiscovery,
      readWorkloadsFile,
      registerWorkloadMetrics,
      serveWorkloadsRest,
      shutdownInOrder,
      UPSTREAM_POOL,
      WorkloadManager,
    } = await import('../../workloads/index.js');
    const { createCliLog } = await import('../log.js');
    const { maybeServeMetrics } = await import('../metrics.js');
    const log = createCliLog(s.logLevel, 'heroflow.workloads') as LogFn;
    // Read the file once before anything opens: a bad file stops the command (exit 2), not a later poll.
    const file = s.workloadsFile ? await readWorkloadsFile(s.workloadsFile) : undefined;
    const extras = s.workloadsFile && file ? parseExtras(s.workloadsFile, file.doc) : {};
    const initial = file?.workloads ?? [];
    const pool = new PermitPool({
      globalPermitLimit:
        s.globalPermitLimit ?? extras.pool?.globalPermitLimit ?? UPSTREAM_POOL.globalPermitLimit,
      maxTasksQueued: s.maxTasksQueued ?? extras.pool?.maxTasksQueued ?? UPSTREAM_POOL.maxTasksQueued,
      maxTasksWaiting: s.maxTasksWaiting ?? extras.pool?.maxTasksWaiting ?? UPSTREAM_POOL.maxTasksWaiting,
    });
    const broker = await openBroker(s.broker, { log });
    const topics = new Set([...initial.flatMap((w) => w.topics), ...(extras.seed ?? []).map((x) => x.topic)]);
    await broker.ensureTopics([...topics].map((topic) => ({ topic, partitions: 1 })));
    const seed: Message[] = (extras.seed ?? []).flatMap((x) =>
      x.names.map((name) => ({
        topic: x.topic,
        value: encodePayload({ name, numPublishes: 0 }),
        ...(x.key === undefined ? {} : { key: x.key }),
      })),
    );
    if (seed.length > 0) {
      await broker.publish(seed);
      log('info', `published ${seed.length} seed messages`, {
        topics: [...new Set(seed.map((m) => m.topic))],
      });
    }
    const processors = createSeedProcessors({ broker, log, defaults: extras.processor ?? {} });
    const rest = s.restPort === undefined ? undefined : new RestDiscovery();
    const sources: DiscoverySource[] = [];
    if (s.workloadsFile) sources.push(new FileDiscovery(s.workloadsFile));
    if (rest) sources.push(rest);
    const manager = new WorkloadManager({
      broker,
      pool,
      processorFor: (spec) => processors.processorFor(spec),
      sources,
      pollIntervalMs: s.pollInterval,
      stopTimeoutMs: s.shutdownTimeout,
      log,
      // Kept across restarts: Redis Streams gives a returning member its pending entries at once.
      consumerIdFor: (spec) => `${hostname()}-${spec.name}`,
    });
    const metrics = await maybeServeMetrics(s.metricsPort, s.metricsHost, (registry) =>
      registerWorkloadMetrics(registry, pool, manager),
    );
    const server = rest
      ? await serveWorkloadsRest({
          host: s.restHost,
          port: s.restPort ?? 0,
          token: s.restToken,
          store: rest,
          stats: (name) => manager.stats(name),
          list: () => manager.list(),
        })
      : undefined;
    if (server) console.error(`workloads REST endpoint on ${server.url}/workloads`);
    const report =
      s.reportInterval > 0
        ? setInterval(() => {
            log('info', pool.report());
            log('info', processors.report());
          }, s.reportInterval)
        : undefined;
    await manager.start();
    const why = await new Promise<string>((resolve) => {
      const cancel = onStopSignal((sig) => resolve(sig));
      if (s.runFor !== undefined) {
        setTimeout(() => {
          cancel();
          resolve(`--run-for ${s.runFor} ms`);
        }, s.runFor);
      }
    });
    // A second signal while draining: leave now (unacked messages come back from the broker).
    const force = onStopSignal((sig) => {
      log('warn', `second ${sig}: exiting without waiting for the drain`);
      process.exit(130);
    });
    log(
      'info',
      `${why}: shutting down (stop pulling → in-flight finish → ack/nack → consumers → producers → client)`,
    );
    if (report) clearInterval(report);
    const steps = await shutdownInOrder(
      [
        { name: 'stop discovery (REST endpoint)', run: async () => server?.close() },
        { name: 'drain workloads and close their consumers', run: () => manager.shutdown() },
        { name: 'permit pool', run: () => pool.close() },
        { name: 'producers', run: () => processors.close() },
        { name: 'client', run: () => broker.close() },
        { name: 'metrics', run: async () => metrics?.close() },
      ],
      s.shutdownTimeout,
      log,
    );
    force();
    log('info', pool.report());
    if (steps.some((st) => st.outcome !== 'done')) process.exitCode = 1;
  });
}
