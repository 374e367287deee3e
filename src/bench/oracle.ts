/**
 * The delivery oracle: every message the broker acknowledged to the bench, looked for in what the workers
 * wrote. It knows each message by its msg_id (`<run>-<seq>`), so it can say, per run:
 *   lost             acknowledged by the broker, in no Parquet file;
 *   duplicate rows   a msg_id written more than once (in two files, or twice in one);
 *   deliveries       how many times the workers consumed a record, on average (1 = exactly once each;
 *                    2 = every record processed twice, as Redis Pub/Sub does with two workers);
 *   out of order     a record written after a later record of the same key (files in the order they
 *                    became durable, rows in file order; redeliveries of records already seen excluded);
 *   unexpected       rows whose msg_id this run never had acknowledged (a publish that failed late).
 * and, from the files' durable times, the end-to-end latency of each record and the rate into Parquet.
 */
import { LatencyRecorder, type LatencySummary } from './latency.js';
import type { OutputFile } from './output-rows.js';
import { seqOf } from './records.js';

export interface OracleInput {
  runId: string;
  /** Send time of each acknowledged message by sequence (the publisher's ledger). */
  sentAt: (number | undefined)[];
  files: OutputFile[];
  /** Records the workers consumed, all together (their own counters). */
  deliveries: number;
}

export interface OracleVerdict {
  published: number;
  written: number;
  lost: number;
  /** A few lost msg_ids, to look for by hand. */
  lostSample: string[];
  duplicateRows: number;
  deliveries: number;
  /** deliveries / published. */
  deliveryFactor: number;
  outOfOrder: number;
  unexpected: number;
  files: number;
  endToEnd: LatencySummary;
  /** Distinct records written per second, from the first send to the last file. */
  endToEndRate: number;
  /** Distinct records becoming durable, second by second from the first send. */
  timeline: number[];
}

export function checkDelivery(input: OracleInput): OracleVerdict {
  const { runId, sentAt } = input;
  const files = [...input.files].sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
  const seen = new Uint8Array(sentAt.length);
  const maxSeqOfKey = new Map<string, number>();
  const latency = new LatencyRecorder();
  const timeline: number[] = [];
  let firstSent = Number.POSITIVE_INFINITY;
  for (const t of sentAt) if (t !== undefined && t < firstSent) firstSent = t;
  let published = 0;
  for (const t of sentAt) if (t !== undefined) published++;
  let written = 0;
  let duplicateRows = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  let lastDurable = firstSent;
  for (const f of files) {
    for (let r = 0; r < f.msgIds.length; r++) {
      const seq = seqOf(runId, f.msgIds[r]);
      const sent = seq === undefined ? undefined : sentAt[seq];
      if (seq === undefined || sent === undefined) {
        unexpected++;
        continue;
      }
      if (seen[seq]) {
        duplicateRows++;
        continue;
      }
      seen[seq] = 1;
      written++;
      const key = f.keys[r] ?? '';
      const before = maxSeqOfKey.get(key);
      if (before !== undefined && seq < before) outOfOrder++;
      else maxSeqOfKey.set(key, seq);
      latency.record(f.mtimeMs - sent);
      lastDurable = Math.max(lastDurable, f.mtimeMs);
      const second = Math.max(0, Math.floor((f.mtimeMs - firstSent) / 1000));
      timeline[second] = (timeline[second] ?? 0) + 1;
    }
  }
  for (let i = 0; i < timeline.length; i++) timeline[i] ??= 0;
  const lostSample: string[] = [];
  let lost = 0;
  for (let seq = 0; seq < sentAt.length; seq++) {
    if (sentAt[seq] === undefined || seen[seq]) continue;
    lost++;
    if (lostSample.length < 5) lostSample.push(`${runId}-${seq}`);
  }
  const span = (lastDurable - firstSent) / 1000;
  return {
    published,
    written,
    lost,
    lostSample,
    duplicateRows,
    deliveries: input.deliveries,
    deliveryFactor: published === 0 ? 0 : Math.round((input.deliveries / published) * 100) / 100,
    outOfOrder,
    unexpected,
    files: files.length,
    endToEnd: latency.summary(),
    endToEndRate: span > 0 ? Math.round(written / span) : 0,
    timeline,
  };
}
