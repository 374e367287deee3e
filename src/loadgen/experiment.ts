/**
 * One experiment, event by event as upstream's simulator sends them (upstream.md §4.3): configured,
 * stabilization started + its measurements, experiment started + its measurements, terminated, then the
 * optional document on its own topic. Key = experiment id on every event, header `record_name`. A
 * measurement's sensor events go out together, alongside a sleep of `sample_rate` ms; the next measurement
 * starts when both are done, so the rate is num_sensors × 1000 / sample_rate events/s.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '../brokers/types.js';
import type { ExperimentSpec } from './config.js';
import { encryptHash } from './hash.js';
import { encodeContainer } from './ocf.js';
import { avroType, type RecordName, WRITER_SCHEMA } from './schemas.js';
import {
  notificationFor,
  type Random,
  type Stage,
  sensorTemperatures,
  TemperatureWalk,
  uniform100,
} from './temperature.js';

export const HEADER_RECORD_NAME = 'record_name';

export interface ExperimentContext {
  topic: string;
  topicDocument?: string;
  secretKey: Buffer;
  /** Resolves when the broker accepted every message. */
  publish(messages: Message[]): Promise<void>;
  /** Called once per event, before it is sent (upstream counts there too). */
  onEvent?(topic: string, key: string): void;
  sleep?(ms: number): Promise<void>;
  /** Epoch seconds with a fraction. */
  now?(): number;
  random?: Random;
  signal?: AbortSignal;
}

export const epochSeconds = () => (performance.timeOrigin + performance.now()) / 1000;
const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface MeasurementSummary {
  timestamp: number;
  temperature: number;
}

export async function runExperiment(
  spec: ExperimentSpec,
  ctx: ExperimentContext,
): Promise<{ id: string; events: number }> {
  const id = randomUUID();
  const sensors = Array.from({ length: spec.numSensors }, () => randomUUID());
  const now = ctx.now ?? epochSeconds;
  const sleep = ctx.sleep ?? sleepMs;
  const random = ctx.random ?? uniform100;
  const range = { lower: Math.fround(spec.lowerThreshold), upper: Math.fround(spec.upperThreshold) };
  const walk = new TemperatureWalk(spec.startTemperature, range, random);
  const measurements: MeasurementSummary[] = [];
  let events = 0;

  const message = (name: RecordName, record: unknown, topic = ctx.topic, header = true): Message => {
    ctx.onEvent?.(topic, id);
    events += topic === ctx.topic ? 1 : 0;
    const m: Message = { topic, key: id, value: encodeContainer(avroType(WRITER_SCHEMA[name]), record) };
    if (header) m.headers = { [HEADER_RECORD_NAME]: name };
    return m;
  };
  const send = (name: RecordName, record: unknown) => ctx.publish([message(name, record)]);

  const stage = async (name: Stage) => {
    const len = name === 'stabilization' ? spec.stabilizationSamples : spec.carryOutSamples;
    let prevOut: boolean | undefined;
    for (const temperature of walk.samples(name, len)) {
      if (ctx.signal?.aborted) return;
      const measurementId = randomUUID();
      const timestamp = now();
      const out = walk.outOfRange(temperature);
      const hash = encryptHash(
        {
          notification_type: notificationFor(name, out, prevOut),
          researcher: spec.researcher,
          experiment_id: id,
          measurement_id: measurementId,
          timestamp,
        },
        ctx.secretKey,
      );
      prevOut = out;
      if (name === 'carry out') measurements.push({ timestamp, temperature });
      const temps = sensorTemperatures(spec.numSensors, temperature, random);
      const batch = sensors.map((sensor, i) =>
        message('sensor_temperature_measured', {
          experiment: id,
          sensor,
          measurement_id: measurementId,
          timestamp,
          temperature: temps[i],
          measurement_hash: hash,
        }),
      );
      await Promise.all([ctx.publish(batch), sleep(spec.sampleRate)]);
    }
  };

  const temperatureRange = { upper_threshold: range.upper, lower_threshold: range.lower };
  await send('experiment_configured', {
    experiment: id,
    researcher: spec.researcher,
    sensors,
    temperature_range: temperatureRange,
  });
  await send('stabilization_started', { experiment: id, timestamp: now() });
  await stage('stabilization');
  // Stopped early (SIGINT): no carry-out, but consumers still see the experiment terminate.
  if (!ctx.signal?.aborted) {
    await send('experiment_started', { experiment: id, timestamp: now() });
    await stage('carry out');
  }
  await send('experiment_terminated', { experiment: id, timestamp: now() });
  if (ctx.topicDocument !== undefined) {
    await ctx.publish([
      message(
        'experiment_document',
        { experiment: id, measurements, temperature_range: temperatureRange },
        ctx.topicDocument,
        false,
      ),
    ]);
  }
  return { id, events };
}
