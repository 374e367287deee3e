/** The bench report as Markdown: the broker table, then per broker its findings and every run's figures. */
import type { BenchReport, BrokerReport } from './bench.js';
import type { RunResult } from './run.js';
import { brokerTable } from './summary.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => (x < 10 ? x.toFixed(1) : n(x));

export const LEGEND = [
  "- **publish msgs/s**: the fastest rate at which the broker acknowledged the bench's producers in any run.",
  "- **sustainable msgs/s**: the max-rate search (OMB's method): the highest step rate at which the producers reached the rate and the workers' backlog did not grow.",
  '- **into Parquet rec/s**: distinct records durable in Parquet per second, first send to last file, one worker reading as fast as it can.',
  '- **publish p99**: send → broker acknowledgement, per message, at the first fixed rate. **end-to-end**: send → the Parquet file holding the record is durable (file roll included), same run.',
  '- **fault columns** (delivery oracle: every acknowledged msg_id looked for in the Parquet output): `N×` = deliveries per record (1× = each consumed once), `lost X %` = acknowledged records missing from the output, `dup rows` = msg_ids written more than once.',
  '  `late-workers`: all records published before any worker of the group ever started; `dead-workers`: the group’s workers joined, then all stopped before the records were published (the seeds’ dead workers); `worker-killed`: SIGKILL at half of the records, then a restart; `worker-joins`: a second worker joins at half (rebalance); `broadcast-workers`: two workers from the start; `broker-restarted`: the broker server SIGKILLed at half and started again on the same data — on a private server of the same software on its own port (Redis, NATS, Mosquitto, Kafka), never the one benched; `not run: needs a private server` where there is none (RabbitMQ).',
].join('\n');

function cpuCell(r: RunResult): string {
  return r.resources
    .map(
      (p) =>
        `${p.label.replace('bench process', 'bench').replace('broker server', 'server')} ${Math.round(p.meanCpu)} % / ${Math.round(p.maxRssMiB)} MiB`,
    )
    .join('; ');
}

export function runsTable(runs: RunResult[]): string {
  const head = [
    'run',
    'workers',
    'target/s',
    'publish/s',
    'publish p50 / p99 / p99.9 / max ms',
    'into Parquet rec/s',
    'end-to-end p50 / p95 / p99 / p99.9 / max ms',
    'lost',
    'dup rows',
    'deliveries',
    'out of order',
    'CPU mean / RSS max',
  ];
  const rows = runs.map((r) => {
    const p = r.publish.latency;
    const e = r.oracle.endToEnd;
    return [
      `${r.label}${r.stalled ? ' (stalled)' : ''}`,
      String(r.workers),
      r.targetRate === 0 ? 'max' : n(r.targetRate),
      n(r.publish.rate),
      [p.p50, p.p99, p.p999, p.max].map(ms).join(' / '),
      n(r.oracle.endToEndRate),
      [e.p50, e.p95, e.p99, e.p999, e.max].map(ms).join(' / '),
      `${n(r.oracle.lost)} of ${n(r.oracle.published)}`,
      n(r.oracle.duplicateRows),
      `${r.oracle.deliveryFactor}×`,
      n(r.oracle.outOfOrder),
      cpuCell(r),
    ];
  });
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function brokerSection(b: BrokerReport): string {
  const lines = [`## \`${b.url}\``, ''];
  if (b.capabilities) {
    const c = b.capabilities;
    lines.push(
      `Declared: ${c.delivery}, groups ${c.groups}, persistence ${c.persistence}, replay ${c.replay}, ordering ${c.ordering}. Records ${b.meanRecordBytes} B on average.`,
      '',
    );
  }
  if (b.error) lines.push(`**The bench stopped on this broker:** ${b.error}`, '');
  lines.push(...b.findings.map((f) => `- **${f.topic}** (${f.kind}): ${f.text}`), '');
  if (b.runs.length > 0) lines.push(runsTable(b.runs), '');
  const notes = b.runs.flatMap((r) => r.notes.map((x) => `${r.label}: ${x}`));
  if (notes.length > 0) lines.push(...notes.map((x) => `- ${x}`), '');
  return lines.join('\n');
}

export function renderMarkdown(report: BenchReport): string {
  const h = report.host;
  return [
    '# heroflow bench',
    '',
    `Run of ${report.startedAt} (${n(report.seconds)} s) on ${h.cpus} cores, ${h.memoryGiB} GiB, Node ${h.node}, ${h.platform}. Producers, workers and brokers share these cores: the figures are this machine doing the whole job, not any part's ceiling.`,
    '',
    brokerTable(report),
    '',
    LEGEND,
    '',
    ...report.brokers.map(brokerSection),
    '## Workload',
    '',
    '```json',
    JSON.stringify(report.workload, null, 2),
    '```',
    '',
  ].join('\n');
}
