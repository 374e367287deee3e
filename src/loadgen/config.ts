/**
 * Experiments to run: one from the CLI flags (upstream's single-experiment mode) or many from a load file,
 * a JSON array as upstream's `config.rs` reads it (upstream.md §4.2; examples/loads/2.json and 3.json).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HeroflowError } from '../errors.js';

export interface ExperimentSpec {
  /** Seconds after the producer starts. */
  startTime: number;
  researcher: string;
  numSensors: number;
  /** Milliseconds between two measurements (upstream's name; a period, not a rate). */
  sampleRate: number;
  startTemperature: number;
  stabilizationSamples: number;
  carryOutSamples: number;
  lowerThreshold: number;
  upperThreshold: number;
}

/** Upstream's single-experiment researcher. */
export const DEFAULT_RESEARCHER = 'd.landau@uu.nl';

const u16 = z.number().int().min(0).max(65_535);
const entry = z
  .object({
    start_time: z.number().int().min(0),
    researcher: z.string(),
    num_sensors: z.number().int().min(1).max(1_000_000).default(2),
    sample_rate: z.number().int().min(0).default(1000),
    temp_range: z
      .object({ lower_threshold: z.number(), upper_threshold: z.number() })
      .default({ lower_threshold: 25.5, upper_threshold: 26.5 }),
    stabilization_samples: u16.default(2),
    carry_out_samples: u16.default(20),
    // Upstream's file default differs from its CLI default (16).
    start_temperature: z.number().default(0),
  })
  .refine((e) => e.temp_range.lower_threshold <= e.temp_range.upper_threshold, {
    message: 'temp_range.lower_threshold must not exceed upper_threshold',
    path: ['temp_range'],
  });

export function parseLoad(json: unknown, source = 'the load file'): ExperimentSpec[] {
  const r = z.array(entry).min(1).safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --config-file ${source}: at ${issue.path.join('.') || 'top level'}: ${issue.message}; expected a JSON array of ` +
        '{start_time, researcher, num_sensors?, sample_rate?, temp_range?: {lower_threshold, upper_threshold}, stabilization_samples?, carry_out_samples?, start_temperature?} (see examples/loads/2.json).',
    );
  }
  return r.data.map((e) => ({
    startTime: e.start_time,
    researcher: e.researcher,
    numSensors: e.num_sensors,
    sampleRate: e.sample_rate,
    startTemperature: e.start_temperature,
    stabilizationSamples: e.stabilization_samples,
    carryOutSamples: e.carry_out_samples,
    lowerThreshold: e.temp_range.lower_threshold,
    upperThreshold: e.temp_range.upper_threshold,
  }));
}

export function readLoadFile(path: string): ExperimentSpec[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --config-file: cannot read ${path}; expected a readable JSON file.`,
      {
        cause,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --config-file: ${path} is not JSON; expected a JSON array.`,
      {
        cause,
      },
    );
  }
  return parseLoad(json, path);
}

/** Events one experiment publishes on the main topic: configured, stabilization started, started, terminated, measurements. */
export function expectedEvents(
  s: Pick<ExperimentSpec, 'numSensors' | 'stabilizationSamples' | 'carryOutSamples'>,
): number {
  return 4 + s.numSensors * (s.stabilizationSamples + s.carryOutSamples);
}

/** Upstream's estimates: events/s while it runs, and how long it runs. */
export function expectedRate(s: Pick<ExperimentSpec, 'numSensors' | 'sampleRate'>): number {
  return s.sampleRate === 0 ? Number.POSITIVE_INFINITY : (s.numSensors * 1000) / s.sampleRate;
}
export function expectedDurationMs(
  s: Pick<ExperimentSpec, 'sampleRate' | 'stabilizationSamples' | 'carryOutSamples'>,
): number {
  return (s.stabilizationSamples + s.carryOutSamples) * s.sampleRate;
}
