/**
 * A bench workload, as the OpenMessaging Benchmark has them: what is published (simulator records, how
 * many keys, partitions), how fast (fixed rates, then a max-rate search), by how many producers, to how
 * many workers, and how long each phase lasts. A JSON file may set any subset; the rest are the defaults,
 * sized so one broker takes a couple of minutes on a 2-core machine.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { HeroflowError } from '../errors.js';

const positiveInt = z.number().int().positive();

/** The fault scenarios, in the order the bench runs them by default (run.ts injects them). */
export const FAULTS = [
  'late-workers',
  'dead-workers',
  'worker-killed',
  'worker-joins',
  'broadcast-workers',
  'broker-restarted',
] as const;
const seconds = z.number().positive().max(3600);

export const WORKLOAD_SCHEMA = z
  .object({
    name: z.string().min(1),
    /** Simulator players in the tournament the record pool comes from (records cycle with new ids). */
    players: positiveInt.max(1000),
    /** Topic partitions (Kafka; the adapters without partitions ignore it). */
    partitions: positiveInt.max(64),
    /** Concurrent publishers in the bench process, each publishing batches of `batchSize`. */
    producers: positiveInt.max(16),
    batchSize: positiveInt.max(10_000),
    /** Workers of the steady runs (the scaling runs use 1, 2 and 4). */
    workers: positiveInt.max(8),
    /** Messages published in the warm-up, which is not measured. */
    warmupMessages: z.number().int().min(0),
    /** Records/s of the fixed-rate runs; 0 means as fast as the producers can. */
    rates: z.array(z.number().int().min(0)).min(1),
    /** How long each fixed-rate run publishes. */
    runSeconds: seconds,
    /**
     * Max-rate search (OMB, both ways: src/bench/max-rate.ts): from startRate up by factor while trials
     * pass, down by halves (not below minRate) while they fail, then bisecting until the passed and the
     * failed rate are within precision; maxSteps bounds the trials.
     */
    maxRate: z.object({
      enabled: z.boolean(),
      startRate: positiveInt,
      factor: z.number().min(1.1).max(10),
      stepSeconds: seconds,
      maxSteps: positiveInt.max(20),
      minRate: positiveInt,
      precision: z.number().min(0.01).max(1),
      /** The backlog may grow by this share of a step's messages before the rate counts as too high. */
      backlogTolerance: z.number().min(0).max(1),
    }),
    /** Messages of each fault scenario. */
    faultMessages: positiveInt,
    /** Fault scenarios to run (any of FAULTS). */
    faults: z.array(z.enum(FAULTS)),
    /** broker-restarted: how long the private server stays down between its SIGKILL and its restart. */
    brokerDownSeconds: seconds,
    /** Runs with 1, 2, 4… workers for the scaling statement ([] skips them). */
    scaling: z.array(positiveInt.max(8)),
    scalingMessages: z.number().int().min(0),
    /** Worker file roll: rows and age (a file is durable, then committed). */
    rollRows: positiveInt,
    rollAgeMs: positiveInt,
    /** A run fails (and is reported as stalled) after this long without the workers making progress. */
    stallSeconds: seconds,
  })
  .strict();

export type Workload = z.infer<typeof WORKLOAD_SCHEMA>;
export type FaultName = Workload['faults'][number];

export const DEFAULT_WORKLOAD: Workload = {
  name: 'default',
  players: 40,
  partitions: 4,
  producers: 4,
  batchSize: 500,
  workers: 1,
  warmupMessages: 2_000,
  rates: [1_000, 4_000],
  runSeconds: 8,
  maxRate: {
    enabled: true,
    startRate: 4_000,
    factor: 1.5,
    stepSeconds: 5,
    maxSteps: 6,
    minRate: 250,
    precision: 0.2,
    backlogTolerance: 0.1,
  },
  faultMessages: 10_000,
  faults: [...FAULTS],
  brokerDownSeconds: 2,
  scaling: [1, 2, 4],
  scalingMessages: 10_000,
  rollRows: 10_000,
  rollAgeMs: 1_000,
  stallSeconds: 12,
};

/** The defaults with the file's settings over them (nested maxRate merged key by key). */
export function parseWorkload(raw: unknown, source = 'the workload'): Workload {
  const over = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Workload>;
  const merged = {
    ...DEFAULT_WORKLOAD,
    ...over,
    maxRate: { ...DEFAULT_WORKLOAD.maxRate, ...(over.maxRate ?? {}) },
  };
  const parsed = WORKLOAD_SCHEMA.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
      .join('; ');
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --workload ${source}: ${issues}. Allowed keys: ${Object.keys(DEFAULT_WORKLOAD).join(', ')} (docs/bench.md).`,
    );
  }
  return parsed.data;
}

export async function loadWorkload(file: string | undefined): Promise<Workload> {
  if (file === undefined) return DEFAULT_WORKLOAD;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --workload ${file}: ${(cause as Error).message}; expected a JSON file (docs/bench.md).`,
      { cause },
    );
  }
  return parseWorkload(raw, file);
}
