/**
 * The bench's producers: `producers` concurrent loops publishing batches of simulator records at a target
 * rate (or as fast as the broker acknowledges, rate 0), from one shared sequence. Each batch has an
 * intended send time (`start + seq / rate`); as in OMB, publish latency runs from the actual send to the
 * broker's acknowledgement, and publish delay from the intended to the actual send (a producer falling
 * behind its schedule shows there, not as silently lower load).
 *
 * What it returns is the oracle's ledger: the send time of every acknowledged message, by sequence.
 */
import type { Broker } from '../brokers/types.js';
import { LatencyRecorder, type LatencySummary } from './latency.js';
import { benchMessage, type RecordPool, withLanes } from './records.js';

export interface PublishPlan {
  broker: Pick<Broker, 'publish'>;
  pool: RecordPool;
  topic: string;
  runId: string;
  /** Messages per second in total; 0 = unthrottled. */
  rate: number;
  producers: number;
  batchSize: number;
  /** Stop after this many messages… */
  count?: number;
  /** …or after this long, whichever comes first. */
  durationMs?: number;
  /** Called after every acknowledged batch, with the total acknowledged so far. */
  onAcked?: (acked: number) => void;
  /**
   * Keep re-sending a batch whose publish failed, for up to this long (the broker-restarted scenario: a
   * producer that rides out a restart, so that what the oracle misses is the broker's loss, not a
   * publisher that gave up). Without it the first failure ends the producer.
   */
  retryMs?: number;
}

export interface PublishResult {
  /** Messages the broker acknowledged (sequence numbers 0 … acked-1 may have gaps on failure). */
  acked: number;
  /** Send time (epoch ms) of each acknowledged message by sequence; undefined = not acknowledged. */
  sentAt: (number | undefined)[];
  failures: number;
  firstError?: string;
  /** Messages of batches that failed once and were sent again (retryMs). */
  resent: number;
  seconds: number;
  /** Acknowledged messages per second of the run, second by second. */
  timeline: number[];
  latency: LatencySummary;
  delay: LatencySummary;
  startedAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RETRY_PAUSE_MS = 200;

/** Small batches at low rates keep the send times (and so the end-to-end latencies) close to the plan. */
export function batchFor(rate: number, producers: number, batchSize: number): number {
  if (rate === 0) return batchSize;
  return Math.max(1, Math.min(batchSize, Math.floor(rate / producers / 20)));
}

export async function publishPlan(plan: PublishPlan): Promise<PublishResult> {
  const { rate, count = Number.POSITIVE_INFINITY, durationMs = Number.POSITIVE_INFINITY } = plan;
  const batch = batchFor(rate, plan.producers, plan.batchSize);
  const latency = new LatencyRecorder();
  const delay = new LatencyRecorder();
  const sentAt: (number | undefined)[] = [];
  const timeline: number[] = [];
  const startedAt = Date.now();
  const t0 = performance.now();
  let next = 0;
  let acked = 0;
  let failures = 0;
  let resent = 0;
  let firstError: string | undefined;
  let stop = false;

  const pool = plan.pool.lanes.length === plan.producers ? plan.pool : withLanes(plan.pool, plan.producers);
  const loop = async (_: unknown, producer: number) => {
    const lane = pool.lanes[producer];
    let taken = 0;
    if (lane.length === 0) return;
    while (!stop && next < count && performance.now() - t0 < durationMs) {
      const first = next;
      const n = Math.min(batch, count - first);
      next += n;
      if (rate > 0) {
        const due = t0 + (first / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        else delay.recordMany(-wait, n);
      }
      const msgs = Array.from({ length: n }, (_, i) =>
        benchMessage(pool, lane[taken++ % lane.length], plan.topic, plan.runId, first + i),
      );
      let sent = performance.now();
      let sentEpoch = Date.now();
      const firstTry = sent;
      for (;;) {
        try {
          await plan.broker.publish(msgs);
          break;
        } catch (err) {
          firstError ??= (err as Error).message;
          if (plan.retryMs === undefined || performance.now() - firstTry > plan.retryMs) {
            failures += n;
            stop = true;
            return;
          }
          resent += n;
          await sleep(RETRY_PAUSE_MS);
          // The record counts as sent when the try that the broker acknowledged began.
          sent = performance.now();
          sentEpoch = Date.now();
        }
      }
      latency.recordMany(performance.now() - sent, n);
      for (let i = 0; i < n; i++) sentAt[first + i] = sentEpoch;
      acked += n;
      const second = Math.floor((performance.now() - t0) / 1000);
      timeline[second] = (timeline[second] ?? 0) + n;
      plan.onAcked?.(acked);
    }
  };
  await Promise.all(Array.from({ length: plan.producers }, loop));
  const seconds = (performance.now() - t0) / 1000;
  for (let i = 0; i < timeline.length; i++) timeline[i] ??= 0;
  return {
    acked,
    sentAt,
    failures,
    firstError,
    resent,
    seconds,
    timeline,
    latency: latency.summary(),
    delay: delay.summary(),
    startedAt,
  };
}
