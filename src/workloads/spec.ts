/**
 * What a workload is (seed 004 part 4's `Workload(workloadName, topic, streamParallelism)`, widened): a
 * named stream of topics read by one consumer group under its own limits. Workloads are equal by name;
 * a changed definition under the same name restarts that workload.
 */
import { z } from 'zod';
import { HeroflowError } from '../errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const TOPIC = /^[A-Za-z0-9._\-$/]+$/;
const positive = (max: number) => z.number().int().min(1).max(max);

/** How the seed's example processors behave (`heroflow workloads` only; library users bring their own). */
export const processorSettingsSchema = z
  .object({
    /** Time each task takes (upstream 1,000–5,000 ms). */
    sleepMs: z.number().int().min(0).max(3_600_000).default(1000),
    /** Chance a task fails (upstream: 1 in 10, `"Simulating failure for message: …"`). */
    failureRate: z.number().min(0).max(1).default(0),
    /** Publish the payload again with `numPublishes + 1` to the same topic and key (the endless loop). */
    republish: z.boolean().default(true),
    /**
     * Append `<workload> <name> #<numPublishes>` as a line to this file once a task succeeded (before its
     * ack): what a restart test reads to prove no message was lost (a line survives SIGKILL of the process).
     */
    recordTo: z.string().min(1).optional(),
  })
  .strict();

export const workloadSpecSchema = z
  .object({
    name: z.string().regex(NAME, 'letters, digits, ., _ or - (at most 100), starting with a letter or digit'),
    topics: z.array(z.string().regex(TOPIC, 'a topic name of letters, digits, . _ - $ /')).min(1),
    /** Consumer group; default `workload-<name>` (upstream: one `test-subscription` for all). */
    group: z.string().min(1).optional(),
    /** Tasks of this workload in flight at once (upstream `StreamParallelism.processing`). */
    processingParallelism: positive(10_000).default(5),
    /** Acks/nacks of this workload in flight at once (upstream `StreamParallelism.acknowledgment`). */
    ackParallelism: positive(10_000).default(5),
    /** At most one message per key in flight, in delivery order (Pulsar Key_Shared, seed part 5). */
    ordered: z.boolean().default(false),
    /** A failed task's message comes back no sooner than this (upstream negativeAckRedeliveryDelay 10 s). */
    redeliveryDelayMs: z.number().int().min(0).max(86_400_000).default(10_000),
    /** Where a new group starts. Upstream: Earliest. */
    from: z.enum(['earliest', 'latest']).default('earliest'),
    processor: processorSettingsSchema.optional(),
  })
  .strict();

export type WorkloadSpec = z.output<typeof workloadSpecSchema>;
export type WorkloadInput = z.input<typeof workloadSpecSchema>;
export type ProcessorSettings = z.output<typeof processorSettingsSchema>;

export function groupOf(spec: WorkloadSpec): string {
  return spec.group ?? `workload-${spec.name}`;
}

/** A zod issue as one phrase: `processingParallelism: Too small: expected number to be >=1`. */
function describe(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

/** Validate one workload; HF_WORKLOAD_INVALID names the workload, the field and what is allowed. */
export function parseWorkload(raw: unknown, where: string): WorkloadSpec {
  const r = workloadSpecSchema.safeParse(raw);
  if (r.success) return r.data;
  const name = (raw as { name?: unknown } | null)?.name;
  const which = typeof name === 'string' ? `workload "${name}"` : 'a workload';
  throw new HeroflowError('HF_WORKLOAD_INVALID', `Invalid ${which} in ${where}: ${describe(r.error)}.`);
}

/** Validate a set: each one, and no name twice. */
export function parseWorkloads(raw: unknown, where: string): WorkloadSpec[] {
  if (!Array.isArray(raw)) {
    throw new HeroflowError(
      'HF_WORKLOAD_INVALID',
      `Invalid ${where}: "workloads" must be a list of workloads (an empty list stops them all).`,
    );
  }
  const out = raw.map((w) => parseWorkload(w, where));
  const seen = new Set<string>();
  for (const w of out) {
    if (seen.has(w.name))
      throw new HeroflowError(
        'HF_WORKLOAD_INVALID',
        `Invalid ${where}: workload "${w.name}" is defined twice.`,
      );
    seen.add(w.name);
  }
  return out;
}

/** Same definition (a changed one restarts the workload). */
export function sameWorkload(a: WorkloadSpec, b: WorkloadSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
