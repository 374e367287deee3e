/** Writes a bench report beside itself: report.json (raw), report.md, report.html. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchReport } from './bench.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-md.js';

export const REPORT_FILES = ['report.json', 'report.md', 'report.html'] as const;

export async function writeReport(dir: string, report: BenchReport): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const out = [
    [REPORT_FILES[0], `${JSON.stringify(report, null, 1)}\n`],
    [REPORT_FILES[1], renderMarkdown(report)],
    [REPORT_FILES[2], renderHtml(report)],
  ] as const;
  for (const [name, text] of out) await writeFile(path.join(dir, name), text);
  return out.map(([name]) => path.join(dir, name));
}
