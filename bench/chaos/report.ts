/** What the chaos run prints: one line per trial (with its seed, to replay it) and a table per broker. */
import type { TrialResult } from './trial.js';

export function trialLine(r: TrialResult, i: number): string {
  const c = r.check;
  const p = r.plan;
  const broker =
    p.brokerKillAtMs === undefined
      ? ''
      : `, broker SIGKILL at ${p.brokerKillAtMs} ms for ${p.brokerDownMs} ms`;
  const faults = [
    c.lost &&
      `LOST ${c.lost} (e.g. ${c.lostSample.join(', ')})${c.gaps.length ? `, gaps: ${c.gaps.join(' | ')}` : ''}`,
    c.duplicateRows &&
      `DUPLICATED ${c.duplicateRows} (${c.rewritten} rewritten, ${c.storedTwice} stored twice by the broker)`,
    c.tableDuplicates && `${c.tableDuplicates} rows of other tables in two files`,
    c.unreadable.length && `UNREADABLE ${c.unreadable.map((u) => u.path).join(', ')}`,
    c.strayTemp.length && `STRAY TEMP ${c.strayTemp.join(', ')}`,
    c.unexpected && `${c.unexpected} rows of publishes that failed (the broker kept them)`,
  ].filter(Boolean);
  return (
    `${r.broker} trial ${i + 1} seed ${r.seed}: worker ${p.victim} SIGKILL at ${p.killAtMs} ms, back after ${p.restartAfterMs} ms${broker}; ` +
    `acked ${r.acked}, written ${c.written}, ${c.files} files, peak worker RSS ${r.peakWorkerRssMiB.toFixed(0)} MiB, ${r.seconds} s` +
    `${faults.length ? ` — ${faults.join('; ')}` : ' — ok'}${r.notes.length ? ` [${r.notes.join(' | ')}]` : ''}`
  );
}

export function trialFailed(r: TrialResult): boolean {
  const c = r.check;
  // `unexpected` is not a fault: a publish that failed when the broker died may still have been stored.
  return (
    c.lost > 0 ||
    c.duplicateRows > 0 ||
    c.tableDuplicates > 0 ||
    c.unreadable.length > 0 ||
    c.strayTemp.length > 0
  );
}

export function summarise(results: TrialResult[]): { table: string; failed: boolean } {
  const lines = [
    '| broker | trials | broker restarts | records acked | lost | duplicated (rewritten / stored twice) | unreadable files | stray temp files | trials with a fault | peak worker RSS MiB |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const names = [...new Set(results.map((r) => r.broker))];
  for (const name of names) {
    const rs = results.filter((r) => r.broker === name);
    const sum = (f: (r: TrialResult) => number) => rs.reduce((n, r) => n + f(r), 0);
    lines.push(
      `| ${name} | ${rs.length} | ${rs.filter((r) => r.plan.brokerKillAtMs !== undefined).length} | ${sum((r) => r.acked).toLocaleString('en-US')} | ` +
        `${sum((r) => r.check.lost)} | ${sum((r) => r.check.duplicateRows)} (${sum((r) => r.check.rewritten)} / ${sum((r) => r.check.storedTwice)}) | ${sum((r) => r.check.unreadable.length)} | ` +
        `${sum((r) => r.check.strayTemp.length)} | ${rs.filter(trialFailed).length} | ${Math.max(...rs.map((r) => r.peakWorkerRssMiB)).toFixed(0)} |`,
    );
  }
  return { table: lines.join('\n'), failed: results.some(trialFailed) };
}
