/**
 * What a broker's runs say, in words, derived from the numbers only (never typed per broker): whether it
 * keeps records for workers that start late, whether N workers share records or each get all of them,
 * what a killed worker and a rebalance cost, and how the rate scales with workers.
 */
import type { BrokerReport } from './bench.js';
import type { RunResult } from './run.js';

export interface Finding {
  /** The run or aspect it is about. */
  topic: string;
  /** ok: exactly once; loss; duplicates; info. */
  kind: 'ok' | 'loss' | 'duplicates' | 'info';
  text: string;
}

const n = (x: number) => x.toLocaleString('en-US');

function delivery(r: RunResult): string {
  const o = r.oracle;
  const parts = [
    `lost ${n(o.lost)} of ${n(o.published)}`,
    `duplicate rows ${n(o.duplicateRows)}`,
    `deliveries ${o.deliveryFactor}×`,
  ];
  if (o.outOfOrder > 0) parts.push(`out of order per key ${n(o.outOfOrder)}`);
  return parts.join(', ');
}

function kindOf(r: RunResult): Finding['kind'] {
  if (r.oracle.lost > 0) return 'loss';
  if (r.oracle.duplicateRows > 0 || r.oracle.deliveryFactor > 1.05) return 'duplicates';
  return 'ok';
}

function faultFinding(r: RunResult): Finding {
  const o = r.oracle;
  const kind = kindOf(r);
  const topic = r.label;
  switch (r.fault) {
    case 'dead-workers':
      if (o.published > 0 && o.lost === o.published)
        return {
          topic,
          kind,
          text: `keeps nothing while every worker of a group is down: all ${n(o.published)} records lost`,
        };
      if (o.lost > 0) return { topic, kind, text: `dead workers: ${delivery(r)}` };
      return {
        topic,
        kind,
        text: `keeps records while every worker of a group is down: all ${n(o.published)} written (${o.deliveryFactor}× deliveries)`,
      };
    case 'late-workers':
      if (o.published > 0 && o.lost === o.published)
        return {
          topic,
          kind,
          text: `keeps nothing for workers that start late: all ${n(o.published)} records lost`,
        };
      if (o.lost > 0) return { topic, kind, text: `late workers: ${delivery(r)}` };
      return {
        topic,
        kind,
        text: `keeps records for workers that start late: all ${n(o.published)} written (${o.deliveryFactor}× deliveries)`,
      };
    case 'broadcast-workers':
      if (o.deliveryFactor >= r.workers - 0.1 && r.workers > 1)
        return {
          topic,
          kind: 'duplicates',
          text: `every record goes to every one of ${r.workers} workers: ${o.deliveryFactor}× deliveries (${delivery(r)})`,
        };
      return { topic, kind, text: `${r.workers} workers share the records: ${delivery(r)}` };
    case 'worker-killed':
      return { topic, kind, text: `a worker SIGKILLed mid-run and restarted: ${delivery(r)}` };
    case 'worker-joins':
      return { topic, kind, text: `a second worker joining mid-run (rebalance): ${delivery(r)}` };
    case 'broker-restarted':
      return {
        topic,
        kind,
        text: `the broker server SIGKILLed mid-run and restarted (a private server): ${delivery(r)}`,
      };
    default:
      return { topic, kind, text: delivery(r) };
  }
}

/** The scaling statement: each worker count's rate into Parquet against one worker's. */
export function scalingStatement(b: Pick<BrokerReport, 'scaling' | 'capabilities'>): string | undefined {
  const one = b.scaling.find((s) => s.workers === 1)?.rate;
  if (!one || b.scaling.length < 2) return undefined;
  const steps = b.scaling
    .map((s) => `${s.workers} w ${n(s.rate)} rec/s (×${(s.rate / one).toFixed(2)})`)
    .join(', ');
  const broadcast = b.capabilities?.groups === 'broadcast';
  return broadcast
    ? `${steps}; a broadcast broker gives every worker every record, so workers add copies, not throughput: scaling out needs a partitioned or queue broker.`
    : `${steps}; with the cores of this machine shared by producer, workers and broker, more workers scale only where a core is idle — on separate machines the rate would grow with workers up to the partition count (each partition is read by one worker) for Kafka, and with consumers for the queue brokers.`;
}

export function findingsOf(b: BrokerReport): Finding[] {
  const out: Finding[] = [];
  if (b.error)
    out.push({ topic: 'bench', kind: 'info', text: `the bench stopped on this broker: ${b.error}` });
  for (const r of b.runs) {
    if (r.kind === 'fault') out.push(faultFinding(r));
    else if (r.kind !== 'max-rate step' && kindOf(r) !== 'ok')
      out.push({ topic: r.label, kind: kindOf(r), text: delivery(r) });
  }
  for (const x of b.notRun ?? []) out.push({ topic: x.label, kind: 'info', text: x.detail });
  if (b.maxRate)
    out.push({
      topic: 'max rate',
      kind: 'info',
      text: `sustainable ${n(b.maxRate.sustainable)} msgs/s; the search stopped because ${b.maxRate.stoppedBy}`,
    });
  const scaling = scalingStatement(b);
  if (scaling) out.push({ topic: 'scaling', kind: 'info', text: scaling });
  return out;
}
