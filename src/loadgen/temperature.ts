/**
 * Upstream's temperature model (upstream.md §4.5), in f32 arithmetic as upstream computes it:
 * stabilization walks in equal steps from the start temperature to the middle of the range, carry-out
 * is a random walk of ±(upper − lower) per sample; a value within 0.01 of a threshold is reported
 * 0.011 inside it; each measurement is split over the sensors so that their mean is the sample.
 */
import type { NotificationType } from './hash.js';

const f32 = Math.fround;

export interface TempRange {
  lower: number;
  upper: number;
}

/** Uniform in [-100, 100), like `gen_range(-100.0..100.0)`. */
export type Random = () => number;
export const uniform100: Random = () => Math.random() * 200 - 100;

export type Stage = 'stabilization' | 'carry out';

/** The experiment's current temperature; each stage advances it by its samples. */
export class TemperatureWalk {
  private cur: number;

  constructor(
    start: number,
    private readonly range: TempRange,
    private readonly random: Random = uniform100,
  ) {
    this.cur = f32(start);
  }

  outOfRange(t: number): boolean {
    return t > this.range.upper || t < this.range.lower;
  }

  /** The reported values of one stage, `len` of them. */
  *samples(stage: Stage, len: number): Generator<number> {
    const { lower, upper } = this.range;
    const mid = f32(lower + f32(f32(upper - lower) / 2));
    const delta = stage === 'stabilization' ? f32(f32(mid - this.cur) / f32(len)) : 0;
    const spread = stage === 'carry out' ? f32(upper - lower) : 0;
    for (let i = 0; i < len; i++) {
      this.cur = f32(this.cur + delta);
      if (spread !== 0) this.cur = f32(this.cur + f32(f32(f32(this.random()) * spread) / 100));
      if (Math.abs(f32(this.cur - upper)) <= f32(0.01)) yield f32(upper - f32(0.011));
      else if (Math.abs(f32(this.cur - lower)) <= f32(0.01)) yield f32(lower + f32(0.011));
      else yield this.cur;
    }
  }
}

/**
 * Stabilization notifies `Stabilized` on the first in-range sample after an out-of-range one (or on a
 * first sample already in range); carry-out notifies `OutOfRange` on the first out-of-range sample after
 * an in-range one (or on a first sample out of range). `prevOut` is undefined for a stage's first sample.
 */
export function notificationFor(
  stage: Stage,
  out: boolean,
  prevOut: boolean | undefined,
): NotificationType | null {
  if (stage === 'stabilization') return !out && prevOut !== false ? 'Stabilized' : null;
  return out && prevOut !== true ? 'OutOfRange' : null;
}

/** First n−1 sensors within ±1.0 of the sample, the last one makes the mean exactly the sample (f32). */
export function sensorTemperatures(n: number, average: number, random: Random = uniform100): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < n - 1; i++) {
    const t = f32(average + f32(f32(random()) * 1) / 100);
    sum = f32(sum + t);
    out.push(t);
  }
  out.push(f32(f32(f32(n) * average) - sum));
  return out;
}
