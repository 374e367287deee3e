/**
 * The bench report as one self-contained HTML page: the broker table, and per broker its findings, rate
 * over time, latency percentiles, the delivery oracle's table and CPU/RSS, as inline SVG.
 */
import type { BenchReport, BrokerReport } from './bench.js';
import type { RunResult } from './run.js';
import { brokerLine } from './summary.js';
import { barChart, escapeXml, lineChart } from './svg.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

function table(head: string[], rows: string[][]): string {
  const tr = (cells: string[], tag: string) =>
    `<tr>${cells.map((c) => `<${tag}>${escapeXml(c)}</${tag}>`).join('')}</tr>`;
  return `<table>${tr(head, 'th')}${rows.map((r) => tr(r, 'td')).join('')}</table>`;
}

function summaryTable(report: BenchReport): string {
  const faults = report.workload.faults;
  return table(
    [
      'broker',
      'publish msgs/s',
      'sustainable msgs/s',
      'into Parquet rec/s (1 w)',
      'publish p99 ms',
      'end-to-end p99 ms',
      ...faults,
    ],
    report.brokers.map((b) => {
      const l = brokerLine(b);
      return [
        b.url,
        n(l.publishRate),
        l.sustainableRate === undefined
          ? '–'
          : l.sustainableRate === 0
            ? `< ${n(l.failedRate ?? report.workload.maxRate.startRate)}`
            : n(l.sustainableRate),
        n(l.endToEndRate),
        l.publishP99.toFixed(1),
        l.e2eP99 === undefined ? '–' : n(l.e2eP99),
        ...faults.map((f) => l.faults[f] ?? '–'),
      ];
    }),
  );
}

function oracleTable(runs: RunResult[]): string {
  return table(
    [
      'run',
      'workers',
      'published',
      'written',
      'lost',
      'dup rows',
      'deliveries',
      'out of order',
      'stalled',
      'publish/s',
      'into Parquet/s',
    ],
    runs.map((r) => [
      r.label,
      String(r.workers),
      n(r.oracle.published),
      n(r.oracle.written),
      n(r.oracle.lost),
      n(r.oracle.duplicateRows),
      `${r.oracle.deliveryFactor}×`,
      n(r.oracle.outOfOrder),
      r.stalled ? 'yes' : '',
      n(r.publish.rate),
      n(r.oracle.endToEndRate),
    ]),
  );
}

function brokerSection(b: BrokerReport): string {
  const runs = b.runs.filter((r) => r.kind !== 'warm-up');
  const parts = [`<h2>${escapeXml(b.url)}</h2>`];
  if (b.error) parts.push(`<p class="err">The bench stopped on this broker: ${escapeXml(b.error)}</p>`);
  parts.push(
    `<ul>${b.findings.map((f) => `<li class="${f.kind}"><b>${escapeXml(f.topic)}</b>: ${escapeXml(f.text)}</li>`).join('')}</ul>`,
  );
  if (runs.length === 0) return parts.join('\n');
  const timed = runs.filter((r) => r.kind === 'fixed-rate' || r.kind === 'scaling');
  parts.push(
    lineChart(
      'Publish rate over time (msgs/s)',
      timed.map((r) => ({ name: r.label, values: r.publish.timeline })),
    ),
    lineChart(
      'Into Parquet over time (records/s durable)',
      timed.map((r) => ({ name: r.label, values: r.oracle.timeline })),
    ),
    barChart(
      'End-to-end latency percentiles (ms)',
      runs.map((r) => r.label),
      [
        { name: 'p50', values: runs.map((r) => r.oracle.endToEnd.p50) },
        { name: 'p95', values: runs.map((r) => r.oracle.endToEnd.p95) },
        { name: 'p99', values: runs.map((r) => r.oracle.endToEnd.p99) },
        { name: 'p99.9', values: runs.map((r) => r.oracle.endToEnd.p999) },
        { name: 'max', values: runs.map((r) => r.oracle.endToEnd.max) },
      ],
    ),
    barChart(
      'Publish latency percentiles (ms)',
      runs.map((r) => r.label),
      [
        { name: 'p50', values: runs.map((r) => r.publish.latency.p50) },
        { name: 'p99', values: runs.map((r) => r.publish.latency.p99) },
        { name: 'p99.9', values: runs.map((r) => r.publish.latency.p999) },
        { name: 'max', values: runs.map((r) => r.publish.latency.max) },
      ],
    ),
    '<h3>Delivery oracle</h3>',
    oracleTable(runs),
  );
  const sample = runs.find((r) => r.kind === 'fixed-rate') ?? runs[0];
  parts.push(
    lineChart(
      `CPU, % of one core (${sample.label})`,
      sample.resourceSeries.map((s) => ({ name: s.label, values: s.cpu })),
    ),
    lineChart(
      `RSS, MiB (${sample.label})`,
      sample.resourceSeries.map((s) => ({ name: s.label, values: s.rssMiB })),
    ),
  );
  return parts.join('\n');
}

export function renderHtml(report: BenchReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>heroflow bench ${escapeXml(report.startedAt)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;margin:1em 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child,th:first-child{text-align:left}
li.loss{color:#b00}li.duplicates{color:#a60}.err{color:#b00}svg{display:block;margin:1em 0}</style></head><body>
<h1>heroflow bench</h1>
<p>Run of ${escapeXml(report.startedAt)} (${report.seconds} s) on ${report.host.cpus} cores, ${report.host.memoryGiB} GiB, Node ${escapeXml(report.host.node)}. Producers, workers and brokers share these cores.</p>
${summaryTable(report)}
${report.brokers.map(brokerSection).join('\n')}
<h2>Workload</h2><pre>${escapeXml(JSON.stringify(report.workload, null, 2))}</pre>
</body></html>
`;
}
