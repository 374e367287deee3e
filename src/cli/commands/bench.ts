/**
 * `heroflow bench`: the broker shoot-out (OMB's method plus a delivery oracle) on the user's own brokers;
 * writes report.json/.md/.html to --out and, with --update-docs, the broker table of a Markdown file.
 * `--report FILE --update-docs FILE` only regenerates the table from an earlier report.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { RunResult } from '../../bench/index.js';
import { brokerKind, redactUrl } from '../../brokers/index.js';
import type { Progress } from '../progress.js';
import { onStopSignal } from '../signals.js';

/** The plain servers of scripts/services.sh up (docs/services.md), and the in-process broker. */
const LOCAL_BROKERS = [
  'memory://',
  'redis://127.0.0.1:6379/0',
  'redis+fanout://127.0.0.1:6379/0',
  'redis+streams://127.0.0.1:6379/0',
  'amqp://guest:guest@127.0.0.1:5672',
  'kafka://127.0.0.1:9092',
  'nats://127.0.0.1:4222?stream=HFBENCH&prefix=hfbench',
  'mqtt://127.0.0.1:1883',
];

function runLine(url: string, r: RunResult): string {
  const o = r.oracle;
  return `${redactUrl(url)} ${r.label}: publish ${r.publish.rate}/s, into Parquet ${o.endToEndRate}/s, e2e p99 ${Math.round(o.endToEnd.p99)} ms, lost ${o.lost}/${o.published}, dup rows ${o.duplicateRows}, deliveries ${o.deliveryFactor}×${r.stalled ? ' (stalled)' : ''}`;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      'Benchmark brokers on the whole job (simulator records → broker → workers → Parquet): warm-up, fixed rates, a max-rate search, fault scenarios and 1/2/4-worker runs, each checked message by message against the Parquet output; writes report.json, report.md and report.html.',
    )
    .option('--brokers <urls>', 'comma-separated broker URLs', LOCAL_BROKERS.join(','))
    .option(
      '--workload <file>',
      'a JSON workload (any subset of the keys of docs/bench.md; the rest default)',
    )
    .option('--out <dir>', 'where the report goes', 'bench-report')
    .option(
      '--update-docs <file>',
      "replace the broker table of this Markdown file (e.g. docs/brokers.md) with the report's",
    )
    .option(
      '--report <file>',
      'with --update-docs: take the table from this report.json (or several, comma-separated) instead of running',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  heroflow bench --brokers kafka://127.0.0.1:9092,redis+streams://127.0.0.1:6379/0 --out ./bench-report\n  heroflow bench --workload tiny.json --update-docs docs/brokers.md\n  heroflow bench --report docs/bench/report.json --update-docs docs/brokers.md\n(docs/bench.md: the phases, the oracle, the workload keys)',
    )
    .action(
      async (o: {
        brokers: string;
        workload?: string;
        out: string;
        updateDocs?: string;
        report?: string;
      }) => {
        if (o.report !== undefined) {
          if (o.updateDocs === undefined) {
            const { HeroflowError } = await import('../../errors.js');
            throw new HeroflowError(
              'HF_USAGE',
              '--report only regenerates a table: give --update-docs FILE with it.',
            );
          }
          const { readReport, updateDocs } = await import('../../bench/index.js');
          // Several reports (comma-separated) make one table: brokers benched in separate runs.
          const files = o.report.split(',');
          const reports = await Promise.all(files.map((f) => readReport(f)));
          const faults = [...new Set(reports.flatMap((r) => r.workload.faults))];
          const merged = {
            ...reports[0],
            workload: { ...reports[0].workload, faults },
            brokers: reports.flatMap((r) => r.brokers),
          };
          await updateDocs(o.updateDocs, merged, files.join(', '));
          console.error(`updated ${o.updateDocs} from ${o.report}`);
          return;
        }
        const urls = o.brokers
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean);
        for (const u of urls) brokerKind(u); // HF_BROKER_URL (exit 2) before anything runs
        const { brokerTable, killOwnChildren, loadWorkload, runBench, updateDocs, writeReport } =
          await import('../../bench/index.js');
        const { createProgress } = await import('../progress.js');
        const workload = await loadWorkload(o.workload);
        let bar: Progress | undefined;
        // A bench cut short writes no report; what matters is that its workers and private servers go too.
        onStopSignal((sig) => {
          bar?.stop();
          const n = killOwnChildren();
          console.error(`\n${sig}: bench stopped, no report written; killed ${n} child process(es)`);
          process.exit(sig === 'SIGINT' ? 130 : 143);
        });
        const report = await runBench(urls, workload, {
          onBrokerStart: (url) => console.error(`\n== ${redactUrl(url)}`),
          onRunStart: (_url, spec) => {
            bar?.stop();
            bar = createProgress(
              spec.label,
              Math.max(1, spec.count ?? Math.round((spec.rate * (spec.durationMs ?? 0)) / 1000)),
              'msgs committed',
            );
          },
          onProgress: (_label, _acked, committed, target) => {
            bar?.setTotal(Math.max(1, target));
            bar?.update(committed);
          },
          onRunDone: (url, r) => {
            bar?.stop();
            bar = undefined;
            console.error(runLine(url, r));
          },
        });
        const files = await writeReport(o.out, report);
        if (o.updateDocs !== undefined)
          await updateDocs(o.updateDocs, report, path.join(o.out, 'report.json'));
        console.log(brokerTable(report));
        console.log(`\nreport: ${files.join(', ')}`);
      },
    );
}
