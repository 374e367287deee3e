/**
 * The max-rate search of the OpenMessaging Benchmark, made to work both ways: a trial at a rate passes
 * when the producers reached it and the workers kept up (the backlog did not grow). From `startRate` the
 * search steps up by `factor` while trials pass and down by halves while they fail (never below
 * `minRate`); once it has a passing rate below a failing one it bisects between them until they are
 * within `precision` of each other. `maxSteps` bounds the number of trials whichever way it goes.
 *
 * Only stepping up (as before) told a loaded machine nothing: the first step failed on 6 brokers of 8
 * and the table said "< 4,000".
 */
import type { RunResult, RunSpec } from './run.js';
import type { Workload } from './workload.js';

export interface MaxRateResult {
  /** Highest rate (messages/s) at which both sides kept up; 0 when no trial passed. */
  sustainable: number;
  /** Lowest rate that failed, if any: the sustainable rate lies between the two. */
  failedAt?: number;
  /** Why the search stopped. */
  stoppedBy: string;
  /** Every trial's rate, in order, and why it failed (undefined = passed). */
  trials: { rate: number; failed?: string }[];
}

/** The settings of the search (Workload['maxRate'] without `enabled`). */
export type SearchSettings = Pick<
  Workload['maxRate'],
  'startRate' | 'factor' | 'maxSteps' | 'minRate' | 'precision'
>;

/** A step passes when the producers reached 90 % of the rate and the backlog did not grow beyond tolerance. */
export function stepVerdict(step: RunResult, tolerance: number): string | undefined {
  if (step.publish.rate < step.targetRate * 0.9)
    return `the producers reached ${step.publish.rate} of ${step.targetRate} msgs/s`;
  if (step.backlogGrowth > tolerance)
    return `the backlog grew by ${Math.round(step.backlogGrowth * 100)} % of what was sent at ${step.targetRate} msgs/s`;
  if (step.stalled || step.oracle.lost > 0) return `the workers lost or stalled at ${step.targetRate} msgs/s`;
  return undefined;
}

/** Two significant digits (1,750 → 1,800; 2,828 → 2,800): rates a reader can compare across brokers. */
export function roundRate(rate: number): number {
  if (rate < 10) return Math.max(1, Math.round(rate));
  const unit = 10 ** (Math.floor(Math.log10(rate)) - 1);
  return Math.round(rate / unit) * unit;
}

/**
 * The search itself, over any trial function (pure logic: test/bench/max-rate.test.ts runs it on a fake
 * machine). `trial(rate)` returns why the rate failed, or undefined when it held.
 */
export async function searchRate(
  s: SearchSettings,
  trial: (rate: number) => Promise<string | undefined>,
): Promise<MaxRateResult> {
  const trials: MaxRateResult['trials'] = [];
  let passed: number | undefined;
  let failed: number | undefined;
  let lastFailure = '';
  let rate = roundRate(Math.max(s.startRate, s.minRate));
  const result = (stoppedBy: string): MaxRateResult => ({
    sustainable: passed ?? 0,
    failedAt: failed,
    stoppedBy,
    trials,
  });
  while (trials.length < s.maxSteps) {
    const why = await trial(rate);
    trials.push({ rate, failed: why });
    if (why === undefined) passed = Math.max(passed ?? 0, rate);
    else {
      failed = Math.min(failed ?? Number.POSITIVE_INFINITY, rate);
      lastFailure = why;
    }
    if (failed === undefined) {
      rate = roundRate(rate * s.factor);
      continue;
    }
    if (passed === undefined) {
      if (rate <= s.minRate)
        return result(`even the floor (minRate ${s.minRate} msgs/s) failed: ${lastFailure}`);
      rate = roundRate(Math.max(s.minRate, rate / 2));
      continue;
    }
    if (failed <= passed * (1 + s.precision))
      return result(`${passed} msgs/s held and ${failed} did not (${lastFailure})`);
    const next = roundRate((passed + failed) / 2);
    // Rounding can land on a bound when they are close: nothing left to learn.
    if (next <= passed || next >= failed)
      return result(`${passed} msgs/s held and ${failed} did not (${lastFailure})`);
    rate = next;
  }
  if (failed === undefined)
    return result(`every trial passed up to ${passed} msgs/s (maxSteps ${s.maxSteps}): the limit is higher`);
  if (passed === undefined)
    return result(`every trial failed down to ${failed} msgs/s (maxSteps ${s.maxSteps}): ${lastFailure}`);
  return result(
    `maxSteps (${s.maxSteps}) reached between ${passed} (held) and ${failed} msgs/s (${lastFailure})`,
  );
}

/** The search with real bench runs: each trial is a `stepSeconds` run at the rate. */
export async function searchMaxRate(
  w: Workload,
  run: (spec: RunSpec) => Promise<RunResult>,
): Promise<MaxRateResult> {
  return searchRate(w.maxRate, async (rate) => {
    const step = await run({
      kind: 'max-rate step',
      label: `max-rate ${rate}/s`,
      workers: w.workers,
      rate,
      durationMs: w.maxRate.stepSeconds * 1000,
    });
    return stepVerdict(step, w.maxRate.backlogTolerance);
  });
}
