/**
 * The max-rate search of the OpenMessaging Benchmark: raise the publish rate step by step until the
 * workers fall behind (the backlog grows during a step) or the producers cannot reach the rate; the
 * sustainable rate is the last step that passed.
 */
import type { RunResult, RunSpec } from './run.js';
import type { Workload } from './workload.js';

export interface MaxRateResult {
  /** Highest rate (messages/s) at which both sides kept up; 0 when even the first step failed. */
  sustainable: number;
  /** Why the search stopped. */
  stoppedBy: string;
  steps: RunResult[];
}

/** A step passes when the producers reached 90 % of the rate and the backlog did not grow beyond tolerance. */
export function stepVerdict(step: RunResult, tolerance: number): string | undefined {
  if (step.publish.rate < step.targetRate * 0.9)
    return `the producers reached ${step.publish.rate} of ${step.targetRate} msgs/s`;
  if (step.backlogGrowth > tolerance)
    return `the backlog grew by ${Math.round(step.backlogGrowth * 100)} % of what was sent at ${step.targetRate} msgs/s`;
  if (step.stalled || step.oracle.lost > 0) return `the workers lost or stalled at ${step.targetRate} msgs/s`;
  return undefined;
}

export async function searchMaxRate(
  w: Workload,
  run: (spec: RunSpec) => Promise<RunResult>,
): Promise<MaxRateResult> {
  const steps: RunResult[] = [];
  let rate = w.maxRate.startRate;
  let sustainable = 0;
  for (let i = 0; i < w.maxRate.maxSteps; i++) {
    const step = await run({
      kind: 'max-rate step',
      label: `max-rate ${rate}/s`,
      workers: w.workers,
      rate,
      durationMs: w.maxRate.stepSeconds * 1000,
    });
    steps.push(step);
    const failed = stepVerdict(step, w.maxRate.backlogTolerance);
    if (failed) return { sustainable, stoppedBy: failed, steps };
    sustainable = rate;
    rate = Math.round(rate * w.maxRate.factor);
  }
  return {
    sustainable,
    stoppedBy: `the last step (${w.maxRate.maxSteps}) passed: the limit is higher`,
    steps,
  };
}
