/**
 * The chaos checker: after a trial, every file under the output directory, judged on its own.
 *   - every `*.parquet` file of every table is decoded in full with hyparquet (an independent reader, not
 *     the writer's parquet-wasm); one that does not decode is `unreadable`;
 *   - a `.tmp-*` file (the storage's temp-file prefix) left anywhere is a `strayTemp`;
 *   - buffer_meta (one row per consumed record) goes to the bench oracle (src/bench/oracle.ts) with the
 *     publisher's ledger: `lost` = acknowledged by the broker, in no file; `duplicateRows` = a msg_id
 *     written more than once; `unexpected` = a msg_id this run never had acknowledged;
 *     A duplicate is then told apart by its position (topic, partition, offset): the same position written
 *     twice is the pipeline's doing (`rewritten`); one msg_id at two positions means the broker stored the
 *     record twice (`storedTwice`: a publish re-sent after a connection dropped), which no reader can undo
 *     by position;
 *   - the other tables with a msg_id column: a msg_id in two files of the same table (`tableDuplicates`;
 *     a lobby record has several rows, so files are compared, not rows).
 * It reads the directory as it is, so a test can plant a loss (delete a file) or a duplicate (copy one)
 * and see it reported.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { checkDelivery } from '../../src/bench/oracle.js';
import type { OutputFile } from '../../src/bench/output-rows.js';

const TEMP_PREFIX = '.tmp-';

export interface CheckInput {
  outDir: string;
  runId: string;
  /** Send time of each message the broker acknowledged, by sequence (the publisher's ledger). */
  sentAt: (number | undefined)[];
}

export interface CheckReport {
  /** Parquet files found, in all tables. */
  files: number;
  published: number;
  /** Distinct published records found in buffer_meta. */
  written: number;
  lost: number;
  lostSample: string[];
  /** buffer_meta rows whose msg_id was already written (= rewritten + storedTwice). */
  duplicateRows: number;
  /** Of those: the same broker position written again. */
  rewritten: number;
  /** Of those: the same msg_id at another position (the broker held the record twice). */
  storedTwice: number;
  /** Rows of the other tables whose msg_id is in another file of the same table. */
  tableDuplicates: number;
  unexpected: number;
  unreadable: { path: string; error: string }[];
  strayTemp: string[];
  /**
   * Holes in the offsets written per partition (Kafka's are contiguous), with the files on either side:
   * what a loss looks like on disk, so that a failed run's log says which segment went missing.
   */
  gaps: string[];
  /** The msg_id written at each position (`topic/partition/offset`), for comparing with the log itself. */
  writtenAt: Map<string, string>;
}

/** Where one buffer_meta file sits in its partition. */
interface Span {
  path: string;
  rows: number;
  first: bigint;
  last: bigint;
  mtimeMs: number;
}

/** Up to five holes in the written offsets, each with the files that end before it and start after it. */
function offsetGaps(byPartition: Map<string, { offsets: bigint[]; spans: Span[] }>): string[] {
  const out: string[] = [];
  const describe = (s: Span | undefined) =>
    s ? `${s.path} (${s.rows} rows, ${s.first}–${s.last}, mtime ${Math.round(s.mtimeMs)})` : 'none';
  for (const [partition, { offsets, spans }] of byPartition) {
    const sorted = [...new Set(offsets)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 1; i < sorted.length && out.length < 5; i++) {
      if (sorted[i] === sorted[i - 1] + 1n) continue;
      const from = sorted[i - 1] + 1n;
      const to = sorted[i] - 1n;
      const before = spans.find((s) => s.first <= from - 1n && s.last >= from - 1n);
      const after = spans.find((s) => s.first <= to + 1n && s.last >= to + 1n);
      out.push(
        `${partition} offsets ${from}–${to} missing; before: ${describe(before)}; after: ${describe(after)}`,
      );
    }
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function asArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The table a file belongs to: the first path segment (`<table>/date=…/….parquet`). */
const tableOf = (rel: string) => rel.split(path.sep)[0];

export async function checkOutput(input: CheckInput): Promise<CheckReport> {
  const all = await walk(input.outDir);
  const strayTemp = all.filter((f) => path.basename(f).startsWith(TEMP_PREFIX));
  const parquet = all.filter((f) => f.endsWith('.parquet') && !path.basename(f).startsWith(TEMP_PREFIX));
  const unreadable: CheckReport['unreadable'] = [];
  const bufferFiles: OutputFile[] = [];
  // table → msg_id → the file it was first seen in.
  const firstFile = new Map<string, Map<string, string>>();
  let otherDuplicates = 0;
  // msg_id → the positions it was written at (and how many rows).
  const positions = new Map<string, { at: Set<string>; rows: number }>();
  const writtenAt = new Map<string, string>();
  // topic/partition → every offset written and each file's span.
  const byPartition = new Map<string, { offsets: bigint[]; spans: Span[] }>();
  for (const rel of parquet) {
    const full = path.join(input.outDir, rel);
    let rows: Record<string, unknown>[];
    let mtimeMs: number;
    try {
      const [bytes, info] = await Promise.all([readFile(full), stat(full)]);
      mtimeMs = info.mtimeMs;
      rows = await parquetReadObjects({ file: asArrayBuffer(bytes), compressors });
    } catch (err) {
      unreadable.push({ path: rel, error: (err as Error).message });
      continue;
    }
    const table = tableOf(rel);
    if (table === 'buffer_meta') {
      // This file's span in each partition it holds (one, for heroflow's files), found once per row.
      const spansHere = new Map<string, Span>();
      for (const r of rows) {
        const id = String(r.msg_id);
        const p = positions.get(id) ?? { at: new Set<string>(), rows: 0 };
        positions.set(id, p);
        const at = `${r.topic}/${r.partition}/${r.offset}`;
        p.at.add(at);
        writtenAt.set(at, id);
        p.rows++;
        if (typeof r.offset !== 'bigint') continue;
        const key = `${r.topic}/${r.partition}`;
        const part = byPartition.get(key) ?? { offsets: [], spans: [] };
        byPartition.set(key, part);
        part.offsets.push(r.offset);
        const span = spansHere.get(key);
        if (span === undefined) {
          const first: Span = { path: rel, rows: 1, first: r.offset, last: r.offset, mtimeMs };
          spansHere.set(key, first);
          part.spans.push(first);
        } else {
          span.rows++;
          if (r.offset < span.first) span.first = r.offset;
          if (r.offset > span.last) span.last = r.offset;
        }
      }
      bufferFiles.push({
        path: rel,
        mtimeMs,
        msgIds: rows.map((r) => String(r.msg_id)),
        keys: rows.map((r) => (r.key == null ? null : String(r.key))),
        partitions: rows.map((r) => Number(r.partition ?? 0)),
      });
      continue;
    }
    if (rows.length === 0 || !('msg_id' in rows[0])) continue;
    const seen = firstFile.get(table) ?? new Map<string, string>();
    firstFile.set(table, seen);
    for (const r of rows) {
      const id = String(r.msg_id);
      const first = seen.get(id);
      if (first === undefined) seen.set(id, rel);
      else if (first !== rel) otherDuplicates++;
    }
  }
  const verdict = checkDelivery({
    runId: input.runId,
    sentAt: input.sentAt,
    files: bufferFiles,
    deliveries: 0,
  });
  let rewritten = 0;
  let storedTwice = 0;
  for (const p of positions.values()) {
    rewritten += p.rows - p.at.size;
    storedTwice += p.at.size - 1;
  }
  return {
    files: parquet.length,
    published: verdict.published,
    written: verdict.written,
    lost: verdict.lost,
    lostSample: verdict.lostSample,
    duplicateRows: verdict.duplicateRows,
    rewritten,
    storedTwice,
    tableDuplicates: otherDuplicates,
    unexpected: verdict.unexpected,
    unreadable,
    strayTemp,
    gaps: verdict.lost > 0 ? offsetGaps(byPartition) : [],
    writtenAt,
  };
}

/** Distinct msg_ids in buffer_meta so far: the cheap look a trial polls while the workers catch up. */
export async function writtenSoFar(outDir: string): Promise<number> {
  const ids = new Set<string>();
  const root = path.join(outDir, 'buffer_meta');
  for (const rel of await walk(root)) {
    if (!rel.endsWith('.parquet') || path.basename(rel).startsWith(TEMP_PREFIX)) continue;
    try {
      const file = asArrayBuffer(await readFile(path.join(root, rel)));
      for (const r of await parquetReadObjects({ file, columns: ['msg_id'], compressors }))
        ids.add(String(r.msg_id));
    } catch {
      // Replaced while read (a replay overwrites): the next look sees the new one.
    }
  }
  return ids.size;
}

/**
 * Where the files and the log itself disagree, one line per partition: the log's offsets, the positions
 * of the log never written (as ranges), and positions written with another record than the log now holds
 * there (the log was cut back and refilled after the record was read: a leader failover's truncation).
 * `logAt` is the log read at the end: `topic/partition/offset` → msg_id.
 */
export function compareWithLog(logAt: Map<string, string>, writtenAt: Map<string, string>): string[] {
  const partitions = new Map<string, bigint[]>();
  for (const at of new Set([...logAt.keys(), ...writtenAt.keys()])) {
    const cut = at.lastIndexOf('/');
    const list = partitions.get(at.slice(0, cut)) ?? [];
    partitions.set(at.slice(0, cut), list);
    list.push(BigInt(at.slice(cut + 1)));
  }
  const lines: string[] = [];
  for (const [partition, offsets] of [...partitions].sort(([a], [b]) => a.localeCompare(b))) {
    offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const unwritten: string[] = [];
    const replaced: string[] = [];
    let inLog = 0;
    let written = 0;
    let runStart: bigint | undefined;
    let runEnd = 0n;
    const closeRun = () => {
      if (runStart !== undefined)
        unwritten.push(`${runStart}–${runEnd} (${logAt.get(`${partition}/${runStart}`)} …)`);
      runStart = undefined;
    };
    for (const o of offsets) {
      const at = `${partition}/${o}`;
      const log = logAt.get(at);
      const file = writtenAt.get(at);
      if (log !== undefined) inLog++;
      if (file !== undefined) written++;
      if (log !== undefined && file === undefined) {
        if (runStart === undefined || o !== runEnd + 1n) {
          closeRun();
          runStart = o;
        }
        runEnd = o;
        continue;
      }
      closeRun();
      if (log !== undefined && file !== undefined && log !== file) replaced.push(`${o}: ${file} → ${log}`);
    }
    closeRun();
    const first = offsets[0];
    const last = offsets[offsets.length - 1];
    lines.push(
      `${partition}: offsets ${first}–${last}, ${inLog} in the log, ${written} written; ` +
        `in the log, not written: ${unwritten.slice(0, 5).join(', ') || 'none'}; ` +
        `written, another record in the log now: ${replaced.length}${replaced.length ? ` (${replaced.slice(0, 3).join(', ')})` : ''}`,
    );
  }
  return lines;
}
