/**
 * One line per broker out of its runs: the figures the tables of the report and of docs/brokers.md show,
 * picked the same way for every broker.
 */
import type { BenchReport, BrokerReport } from './bench.js';
import type { RunResult } from './run.js';

export interface BrokerLine {
  broker: string;
  /** Fastest publish rate seen in any run (the producers' ceiling against this broker). */
  publishRate: number;
  sustainableRate?: number;
  /** The lowest rate the max-rate search saw fail. */
  failedRate?: number;
  /** Rate into Parquet of the scaling run with one worker (as fast as possible), else the best run's. */
  endToEndRate: number;
  publishP99: number;
  /** End-to-end latency at the first fixed rate. */
  e2eP50?: number;
  e2eP99?: number;
  /** Per fault: a short verdict (`1×`, `lost 100 %`, `2.00×`, `+12 dup`). */
  faults: Record<string, string>;
  lostTotal: number;
  duplicateRowsTotal: number;
}

const pct = (a: number, b: number) => `${Math.round((a / Math.max(1, b)) * 1000) / 10} %`;

export function faultCell(r: RunResult): string {
  const o = r.oracle;
  const parts: string[] = [];
  if (o.lost > 0) parts.push(`lost ${pct(o.lost, o.published)}`);
  parts.push(`${o.deliveryFactor}×`);
  if (o.duplicateRows > 0) parts.push(`${o.duplicateRows.toLocaleString('en-US')} dup rows`);
  return parts.join(', ');
}

export function brokerLine(b: BrokerReport): BrokerLine {
  const measured = b.runs.filter((r) => r.kind !== 'warm-up');
  const fixed = measured.find((r) => r.kind === 'fixed-rate' && r.targetRate > 0);
  const oneWorker = measured.find((r) => r.kind === 'scaling' && r.workers === 1);
  const faults: Record<string, string> = {};
  for (const r of measured) if (r.kind === 'fault' && r.fault) faults[r.fault] = faultCell(r);
  for (const x of b.notRun ?? []) faults[x.label] = `not run: ${x.reason}`;
  return {
    broker: b.url,
    publishRate: Math.max(0, ...measured.map((r) => r.publish.rate)),
    sustainableRate: b.maxRate?.sustainable,
    failedRate: b.maxRate?.failedAt,
    endToEndRate:
      oneWorker?.oracle.endToEndRate ?? Math.max(0, ...measured.map((r) => r.oracle.endToEndRate)),
    publishP99: fixed?.publish.latency.p99 ?? 0,
    e2eP50: fixed?.oracle.endToEnd.p50,
    e2eP99: fixed?.oracle.endToEnd.p99,
    faults,
    lostTotal: measured.reduce((n, r) => n + r.oracle.lost, 0),
    duplicateRowsTotal: measured.reduce((n, r) => n + r.oracle.duplicateRows, 0),
  };
}

const num = (x: number | undefined) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
const ms = (x: number | undefined) =>
  x === undefined ? '–' : x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US');

/** The broker table in Markdown, as the report and docs/brokers.md show it. */
export function brokerTable(report: BenchReport): string {
  const faults = report.workload.faults;
  const head = [
    'broker',
    'publish msgs/s',
    'sustainable msgs/s (max-rate search)',
    'into Parquet rec/s (1 worker)',
    'publish p99 ms',
    'end-to-end p50 / p99 ms',
    ...faults,
  ];
  const rows = report.brokers.map((b) => {
    if (b.error && b.runs.length === 0)
      return [`\`${b.url}\``, `failed: ${b.error}`, ...head.slice(2).map(() => '')];
    const l = brokerLine(b);
    return [
      `\`${l.broker}\``,
      num(l.publishRate),
      // 0 = no trial passed, down to the floor: the limit is below the lowest failed rate, not 0.
      l.sustainableRate === 0
        ? `< ${num(l.failedRate ?? report.workload.maxRate.startRate)}`
        : num(l.sustainableRate),
      num(l.endToEndRate),
      ms(l.publishP99),
      `${ms(l.e2eP50)} / ${ms(l.e2eP99)}`,
      ...faults.map((f) => l.faults[f] ?? '–'),
    ];
  });
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}
