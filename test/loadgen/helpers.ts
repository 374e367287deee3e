import type { Message } from '../../src/brokers/types.js';
import { type ExperimentSpec, runProducer } from '../../src/loadgen/index.js';

export const KEY = Buffer.from('QJUHsPhnA0eiqHuJqsPgzhDozYO4f1zh');

export const SMALL: ExperimentSpec = {
  startTime: 0,
  researcher: 'd.landau@uu.nl',
  numSensors: 3,
  sampleRate: 1000,
  startTemperature: 16,
  stabilizationSamples: 3,
  carryOutSamples: 6,
  lowerThreshold: 25.5,
  upperThreshold: 26.5,
};

/** Run experiments with the waits skipped (no wall-clock time in tests) and collect what they publish. */
export async function produceAll(experiments: ExperimentSpec[], topicDocument?: string) {
  const messages: Message[] = [];
  const counted = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  const results = await runProducer({
    broker: {
      publish: async (batch) => {
        messages.push(...batch);
      },
    },
    experiments,
    topic: 'experiment',
    topicDocument,
    secretKey: KEY,
    sleep: () => new Promise((r) => setImmediate(r)),
    onEvent: (topic, key) => counted.set(`${topic}|${key}`, (counted.get(`${topic}|${key}`) ?? 0) + 1),
    onExperimentStart: () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
    },
    onExperimentEnd: () => {
      running--;
    },
  });
  return { messages, counted, results, running, maxRunning };
}
