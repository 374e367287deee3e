/**
 * Latency percentiles with HdrHistogram (hdr-histogram-js), as OMB reports them: microsecond values,
 * 3 significant digits, auto-resizing, so one histogram holds 50 µs and 5 minutes alike.
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export class LatencyRecorder {
  readonly #h = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true });

  /** One observation, in milliseconds (negative clock skew counts as 0). */
  record(ms: number): void {
    this.#h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** The same observation `n` times (a batch of messages that share one publish round trip). */
  recordMany(ms: number, n: number): void {
    this.#h.recordValueWithCount(Math.max(1, Math.round(ms * 1000)), n);
  }

  summary(): LatencySummary {
    const h = this.#h;
    // A percentile is its bucket's highest equivalent value, which may lie above the exact maximum.
    const at = (p: number) =>
      h.totalCount === 0 ? 0 : Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000;
    return {
      count: h.totalCount,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      p999: at(99.9),
      max: h.totalCount === 0 ? 0 : h.maxValue / 1000,
      mean: h.totalCount === 0 ? 0 : h.mean / 1000,
    };
  }
}
