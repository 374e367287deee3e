/**
 * Many experiments from one process, each on its own schedule (`start_time` seconds after the start),
 * all concurrently, as upstream runs one task per load-file entry.
 */
import type { Broker } from '../brokers/types.js';
import type { ExperimentSpec } from './config.js';
import { type ExperimentContext, runExperiment } from './experiment.js';

export interface ProducerHooks {
  onEvent?(topic: string, key: string): void;
  onExperimentStart?(id: number): void;
  onExperimentEnd?(id: number, result: { id: string; events: number }): void;
}

export interface ProducerOptions extends ProducerHooks {
  broker: Pick<Broker, 'publish'>;
  experiments: ExperimentSpec[];
  topic: string;
  topicDocument?: string;
  secretKey: Buffer;
  signal?: AbortSignal;
  /** For tests: replaces the wall-clock waits (start times and sample periods). */
  sleep?: (ms: number) => Promise<void>;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function runProducer(opts: ProducerOptions): Promise<Array<{ id: string; events: number }>> {
  const sleep = opts.sleep ?? ((ms: number) => abortableSleep(ms, opts.signal));
  const ctx: ExperimentContext = {
    topic: opts.topic,
    topicDocument: opts.topicDocument,
    secretKey: opts.secretKey,
    publish: (m) => opts.broker.publish(m),
    onEvent: opts.onEvent,
    sleep,
    signal: opts.signal,
  };
  return Promise.all(
    opts.experiments.map(async (spec, i) => {
      await sleep(spec.startTime * 1000);
      if (opts.signal?.aborted) return { id: '', events: 0 };
      opts.onExperimentStart?.(i);
      let result = { id: '', events: 0 };
      try {
        result = await runExperiment(spec, ctx);
        return result;
      } finally {
        // Upstream's gauge drops when the experiment ends, whether it finished or failed.
        opts.onExperimentEnd?.(i, result);
      }
    }),
  );
}
