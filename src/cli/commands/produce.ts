/**
 * `heroflow produce`: seed 003's experiment producer for any broker URL (upstream.md §4). One experiment
 * from the flags, or every experiment of a load file (--config-file), concurrently; key = experiment id,
 * header `record_name`, each value a one-record Avro container file. /metrics (upstream's names) on :3001
 * while it runs; exits 0 once every experiment terminated, or keeps serving /metrics with --keep-metrics.
 */
import type { Command } from 'commander';
import { openBroker } from '../../brokers/index.js';
import type { Broker } from '../../brokers/types.js';
import { HeroflowError } from '../../errors.js';
import type { ExperimentSpec } from '../../loadgen/index.js';
import { addSettings, readSettings } from '../options.js';
import { untilSignal } from '../signals.js';

const SETTING_NAMES = [
  'brokers',
  'broker',
  'experimentTopic',
  'configFile',
  'secretKey',
  'numSensors',
  'sampleRate',
  'stabilizationSamples',
  'carryOutSamples',
  'startTemperature',
  'lowerThreshold',
  'upperThreshold',
  'topicDocument',
  'producerMetricsPort',
  'metricsHost',
  'logLevel',
] as const;

/** Upstream's bootstrap list (`kafka1:19092,kafka2:19092`) is a Kafka URL; anything with a scheme is used as is. */
export function brokerUrlFrom(brokers: string | undefined, broker: string): string {
  if (brokers === undefined) return broker;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(brokers) ? brokers : `kafka://${brokers}`;
}

/**
 * Upstream's TLS flags (seed 003: `--ssl-ca`, a PKCS#12 `--ssl-keystore` and its password) as the broker
 * URL's TLS parameters (docs/security.md), so its command lines work unchanged.
 */
export function withSslFlags(url: string, flags: SslFlags): string {
  const params: [string, string][] = [];
  if (flags.sslCa !== undefined) params.push(['ca', flags.sslCa]);
  if (flags.sslKeystore !== undefined) params.push(['pfx', flags.sslKeystore]);
  if (flags.sslKeystorePassword !== undefined) params.push(['passphrase', flags.sslKeystorePassword]);
  if (params.length === 0) return url;
  if (flags.ssl === false) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      'Invalid --no-ssl with --ssl-ca/--ssl-keystore/--ssl-keystore-password: expected either plaintext or TLS files, not both.',
    );
  }
  const query = [['tls', 'true'], ...params].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

interface SslFlags {
  ssl?: boolean;
  sslCa?: string;
  sslKeystore?: string;
  sslKeystorePassword?: string;
  keepMetrics?: boolean;
  fileSubscriber?: boolean;
}

export function registerProduce(program: Command): void {
  const cmd = program
    .command('produce')
    .description(
      "Run seed 003's experiment producer: Avro events (experiment_configured, stabilization_started, sensor_temperature_measured…, experiment_started, experiment_terminated) keyed by experiment id with a record_name header, on any broker URL; /metrics on :3001. Exits 0 when every experiment terminated.",
    );
  addSettings(cmd, SETTING_NAMES);
  cmd
    .option('--keep-metrics', 'keep serving /metrics after the experiments are done, until SIGINT/SIGTERM')
    .option(
      '--no-ssl',
      "plaintext to the broker (upstream's flag; plaintext unless the URL or the TLS flags say otherwise)",
    )
    .option('--ssl-ca <file>', "upstream's CA file for TLS (the URL's ca=; docs/security.md)")
    .option('--ssl-keystore <file>', "upstream's PKCS#12 client keystore (the URL's pfx=)")
    .option(
      '--ssl-keystore-password <password>',
      "the keystore's password (the URL's passphrase=; never echoed)",
    );
  cmd.action(async (flags: SslFlags) => {
    const s = readSettings(cmd, SETTING_NAMES);
    const brokerUrl = withSslFlags(brokerUrlFrom(s.brokers, s.broker), flags);
    if (s.lowerThreshold > s.upperThreshold) {
      throw new HeroflowError(
        'HF_CONFIG_INVALID',
        `Invalid --lower-threshold (env HEROFLOW_LOWER_THRESHOLD): ${s.lowerThreshold} is above --upper-threshold ${s.upperThreshold}; expected lower ≤ upper.`,
      );
    }
    const { DEFAULT_RESEARCHER, expectedEvents, expectedRate, readLoadFile, runProducer } = await import(
      '../../loadgen/index.js'
    );
    const { createRegistry, registerProducerMetrics, serveMetrics } = await import('../../metrics/index.js');
    const { createCliLog } = await import('../log.js');
    const experiments: ExperimentSpec[] =
      s.configFile !== undefined
        ? readLoadFile(s.configFile)
        : [
            {
              startTime: 0,
              researcher: DEFAULT_RESEARCHER,
              numSensors: s.numSensors,
              sampleRate: s.sampleRate,
              startTemperature: s.startTemperature,
              stabilizationSamples: s.stabilizationSamples,
              carryOutSamples: s.carryOutSamples,
              lowerThreshold: s.lowerThreshold,
              upperThreshold: s.upperThreshold,
            },
          ];
    const log = createCliLog(s.logLevel, 'heroflow.produce');
    const registry = createRegistry();
    const metrics = registerProducerMetrics(registry);
    const metricsServer = await serveMetrics(registry, { host: s.metricsHost, port: s.producerMetricsPort });
    console.error(`metrics on ${metricsServer.url}`);
    let broker: Broker | undefined;
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let total = 0;
    try {
      broker = await openBroker(brokerUrl, { log, clientId: 'heroflow-produce' });
      const topics = [s.experimentTopic, ...(s.topicDocument ? [s.topicDocument] : [])];
      await broker.ensureTopics(topics.map((topic) => ({ topic, partitions: 16 })));
      for (const [i, e] of experiments.entries()) {
        log('info', 'experiment scheduled', {
          n: i + 1,
          start_time: e.startTime,
          events: expectedEvents(e),
          events_per_s: expectedRate(e),
        });
      }
      const startedAt: number[] = [];
      const results = await runProducer({
        broker,
        experiments,
        topic: s.experimentTopic,
        topicDocument: s.topicDocument,
        secretKey: Buffer.from(s.secretKey, 'utf8'),
        signal: abort.signal,
        onEvent: metrics.event,
        onExperimentStart: (i) => {
          startedAt[i] = performance.now();
          metrics.experimentStarted();
        },
        onExperimentEnd: (i, r) => {
          metrics.experimentEnded();
          const ms = performance.now() - startedAt[i];
          if (r.id) {
            log('info', 'experiment terminated', {
              n: i + 1,
              experiment: r.id,
              events: r.events,
              elapsed_ms: Math.round(ms),
              events_per_s: Math.round((r.events / ms) * 1000 * 10) / 10,
            });
          }
        },
      });
      total = results.reduce((n, r) => n + r.events, 0);
      console.error(
        `produced ${total} events in ${results.filter((r) => r.id).length} experiment(s) to ${s.experimentTopic} on ${broker.url}${abort.signal.aborted ? ' (stopped early)' : ''}`,
      );
      if (flags.keepMetrics && !abort.signal.aborted) {
        console.error(`serving ${metricsServer.url} until SIGINT/SIGTERM (--keep-metrics)`);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await untilSignal();
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await broker?.close();
      await metricsServer.close();
    }
  });
}
