/**
 * heroflow's JS ETL against its native (Rust) engine (native/), same records, same job, one thread each:
 * what does each cost per record? (native/README.md describes the engine.)
 *
 *   node --import tsx bench/native-etl/compare.ts [--records 200000] [--runs 3] [--warmup 30000] [--keep DIR]
 *
 * 1. N simulator records (test/etl/fixtures.ts, seed 7) as newline-delimited JSON in a temp file, one
 *    message value per line. The broker side is synthetic and the same for both engines: line i has
 *    offset i, partition 0, timestamp BASE + i, no key, one header `heroflow-msg-id=<msgId(i)>`.
 * 2. JS, in this process on this thread, timed: the ETL thread's work (src/etl/etl-thread.ts) driven
 *    directly: `transformRecord` per record into `SegmentRows` (fast path, generic fallback), a Parquet
 *    part per table every 16,384 records (`writeTable`: parquet-wasm, ZSTD by Node's zlib where it has
 *    it), and at each 100,000-record segment end the parts joined (`mergeParquet`) and the seconds schema
 *    put back (`replaceArrowSchema`). The records are packed (`ChunkPacker`, the main thread's job in a
 *    worker) before timing; a warm-up pass over the first records runs before the timed pass.
 * 3. Rust: native/target/release/native-etl on the same file (its own getrusage figures).
 * 3b. Rust addon (in-process), when built (npm run build:native): the engine as heroflow's ETL thread loads
 *    it, fed the same packed chunks as the JS ETL, one `finish()` per segment; timed with this process's
 *    CPU (all threads and the main thread) and its peak RSS (VmHWM, reset before the run). Its files are
 *    compared with the binary's: same rows per table, same bytes before the footer.
 * 4. Checks: rows per table equal; sampled rows (first, last, around row-group edges) of every file of
 *    every table equal when read back with hyparquet; the Parquet schema (types, logical types) and the
 *    ARROW:schema of every file equal; the writer layout (row groups, codec, statistics) compared.
 * Prints one table of medians over --runs: records/s on one thread, µs CPU a record, peak RSS, output
 * bytes per table, JS ÷ Rust (and JS ÷ addon). Exits 1 when a check fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { type FileMetaData, parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { HEADER_MSG_ID } from '../../src/brokers/types.js';
import { PIPELINE_DEFAULTS } from '../../src/config/index.js';
import { replaceArrowSchema } from '../../src/etl/arrow-schema-footer.js';
import { NATIVE_TABLES, nativeAddon } from '../../src/etl/native-engine.js';
import { NATIVE_ZSTD } from '../../src/etl/native-zstd.js';
import { ChunkPacker, F_VALUE, F_VALUE_END, type PackedChunk, STRIDE } from '../../src/etl/packed.js';
import { footerSchema, writeTable } from '../../src/etl/parquet.js';
import { mergeParquet } from '../../src/etl/parquet-merge.js';
import { keySizeOf } from '../../src/etl/record.js';
import { SegmentRows } from '../../src/etl/rows.js';
import { RecordScanner } from '../../src/etl/scan-record.js';
import type { TableName } from '../../src/etl/schemas.js';
import { transformRecord } from '../../src/etl/transform.js';
import { delivery, pyDumps, simulatorRecords } from '../../test/etl/fixtures.js';
import { benchArgs } from '../cli-args.js';
import { mainThreadCpuMs, processCpuMs } from '../cpu-time.js';

const cli = benchArgs({
  usage: `usage: node --import tsx bench/native-etl/compare.ts [options]
  --records N   simulator records (default 200000)
  --runs N      timed runs of each engine; medians are printed (default 3)
  --warmup N    records of an untimed JS pass before the timed ones (default 30000; 0: none)
  --keep DIR    keep the NDJSON file and the engines' Parquet files of the last run in DIR
                (default: a temp dir, removed)
  --help        this text
Needs the Rust binary: run \`cargo build --release\` in native/ first.
Also runs the engine in-process as heroflow's ETL thread loads it ("Rust addon (in-process)") when
npm install built it (npm run build:native); without it, that engine is skipped with a note.`,
  options: {
    records: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '30000' },
    keep: { type: 'string' },
  },
});
const N = cli.wholeNumber('records');
const RUNS = cli.wholeNumber('runs');
const WARMUP = cli.wholeNumber('warmup', 0);
const KEEP = cli.values.keep;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CRATE = path.join(HERE, '..', '..', 'native');
const BINARY = path.join(CRATE, 'target', 'release', 'native-etl');
if (!existsSync(BINARY)) {
  console.error(
    `compare: the Rust binary ${path.relative(process.cwd(), BINARY)} is missing: run \`cargo build --release\` in native/ first`,
  );
  process.exit(1);
}

/** The addon (src/etl/native-engine.ts), or undefined when it is not built (then skipped, not an error). */
const loaded = nativeAddon();
const addon = typeof loaded === 'string' ? undefined : loaded;

/** Records per Parquet part (one row group): etl-thread.ts CHUNK_ROWS (not exported there). */
const CHUNK_ROWS = 16_384;
/** Records per segment: the worker's roll (100,000). */
const SEGMENT_RECORDS = PIPELINE_DEFAULTS.roll.maxRows;
/** Deliveries per packed chunk: the worker's default batch. */
const BATCH = 1000;
const ETL_ID = '6f1d2c3b-4a59-4e68-8d7c-0b1a2f3e4d5c';
const TOPIC = 'lib.server.game';
const BASE_TIMESTAMP = Date.UTC(2023, 8, 1);
// The engine's tables, in the order of its per-table files.
const TABLES: readonly TableName[] = NATIVE_TABLES;

function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The synthetic msg_id of line i: 128 hashed bits shaped as a v4 UUID (the Rust binary's `msg_id`). */
function msgId(i: number): string {
  let hex = '';
  for (let k = 0; k < 4; k++)
    hex += fmix32((i * 4 + k + 0x9e3779b9) >>> 0)
      .toString(16)
      .padStart(8, '0');
  const n = hex.split('');
  n[12] = '4';
  n[16] = (8 | (Number.parseInt(n[16], 16) & 3)).toString(16);
  const s = n.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

// ---- 1. the records ----
const dir = KEEP ?? mkdtempSync(path.join(os.tmpdir(), 'heroflow-native-etl-'));
mkdirSync(dir, { recursive: true });
const ndjson = path.join(dir, 'records.ndjson');
const lines: string[] = [];
for (const { record } of simulatorRecords(7)) {
  if (lines.length === N) break;
  const line = pyDumps(record);
  if (line.includes('\n')) throw new Error('a record with a raw newline cannot be a line');
  lines.push(line);
}
writeFileSync(ndjson, `${lines.join('\n')}\n`);
const chunks: PackedChunk[] = [];
{
  const packer = new ChunkPacker();
  for (let i = 0; i < lines.length; i++) {
    const d = delivery(lines[i], {
      topic: TOPIC,
      partition: 0,
      offset: BigInt(i),
      timestamp: BASE_TIMESTAMP + i,
      headers: { [HEADER_MSG_ID]: msgId(i) },
    });
    packer.pack(d, keySizeOf(d));
    if (packer.count === BATCH || i === lines.length - 1) chunks.push(packer.take());
  }
}
const inputBytes = lines.reduce((s, l) => s + Buffer.byteLength(l), 0);
lines.length = 0;

/** Records the JS fast path does not read (they go to JSON.parse): counted once, untimed. */
function fastPathMisses(): number {
  const scanner = new RecordScanner();
  let misses = 0;
  for (const c of chunks)
    for (let i = 0; i < c.count; i++) {
      const m = c.meta;
      if (!scanner.scan(c.bytes, m[i * STRIDE + F_VALUE] | 0, m[i * STRIDE + F_VALUE_END] | 0)) misses++;
    }
  return misses;
}

// ---- 2. heroflow's JS ETL on this thread ----
interface JsFile {
  table: TableName;
  segment: number;
  bytes: Uint8Array;
}

/** What both engines that run in this process report. */
interface InProcessRun {
  wallMs: number;
  cpuMs: number;
  mainCpuMs: number;
  rows: Record<string, number>;
  bytes: Record<string, number>;
  files: JsFile[];
}

interface JsRun extends InProcessRun {
  buildMs: number;
  encodeMs: number;
  joinMs: number;
  rejected: number;
}

function jsEtl(limit: number): JsRun {
  const scanner = new RecordScanner();
  const run: JsRun = {
    wallMs: 0,
    cpuMs: 0,
    mainCpuMs: 0,
    buildMs: 0,
    encodeMs: 0,
    joinMs: 0,
    rejected: 0,
    rows: {},
    bytes: {},
    files: [],
  };
  for (const t of TABLES) {
    run.rows[t] = 0;
    run.bytes[t] = 0;
  }
  let rows: SegmentRows | undefined;
  let parts = new Map<TableName, Uint8Array[]>();
  let lines = 0;
  let segment = 0;
  // etl-thread.ts ThreadSegment.ship.
  const ship = (r: SegmentRows) => {
    for (const [spec, builder] of r.tables()) {
      if (builder.rows === 0) continue;
      run.rows[spec.name] += builder.rows;
      const t0 = performance.now();
      const table = builder.finish();
      const t1 = performance.now();
      const part = writeTable(table, 'zstd');
      run.buildMs += t1 - t0;
      run.encodeMs += performance.now() - t1;
      let list = parts.get(spec.name);
      if (list === undefined) {
        list = [];
        parts.set(spec.name, list);
      }
      list.push(part);
    }
    r.reset();
  };
  // ThreadSegment.finish: the parts joined, the seed's schema put back where seconds columns are.
  const finish = (r: SegmentRows) => {
    ship(r);
    const t0 = performance.now();
    for (const [spec] of r.tables()) {
      const list = parts.get(spec.name);
      if (list === undefined) continue;
      const merged = mergeParquet(list);
      const schema = footerSchema(spec);
      const bytes = schema === undefined ? merged : replaceArrowSchema(merged, schema);
      run.bytes[spec.name] += bytes.byteLength;
      run.files.push({ table: spec.name, segment, bytes });
    }
    run.joinMs += performance.now() - t0;
    parts = new Map();
    segment++;
  };
  const wall0 = performance.now();
  const main0 = mainThreadCpuMs();
  const cpu0 = processCpuMs();
  let done = 0;
  outer: for (const c of chunks) {
    for (let i = 0; i < c.count; i++) {
      if (done === limit) break outer;
      done++;
      rows ??= new SegmentRows(ETL_ID, TOPIC);
      if (typeof transformRecord(rows, c, i, scanner) === 'string') run.rejected++;
      lines++;
      if (rows.records >= CHUNK_ROWS) ship(rows);
      if (lines === SEGMENT_RECORDS) {
        finish(rows);
        rows = undefined;
        lines = 0;
      }
    }
  }
  if (rows !== undefined) finish(rows);
  run.cpuMs = processCpuMs() - cpu0;
  run.mainCpuMs = mainThreadCpuMs() - main0;
  run.wallMs = performance.now() - wall0;
  return run;
}

// ---- 3. the Rust engine ----
interface RustRun {
  records: number;
  skipped: number;
  oversized: number;
  segments: number;
  files: number;
  rows: Record<string, number>;
  bytes: Record<string, number>;
  wall_ms: number;
  cpu_ms: number;
  us_cpu_per_record: number;
  peak_rss_kb: number;
  read_cpu_ms: number;
  scan_build_cpu_ms: number;
  batch_finish_cpu_ms: number;
  encode_cpu_ms: number;
  footer_cpu_ms: number;
  write_cpu_ms: number;
}

function rustEtl(out: string): RustRun {
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(
    BINARY,
    [
      ndjson,
      out,
      '--json',
      '--etl-id',
      ETL_ID,
      '--topic',
      TOPIC,
      '--base-timestamp',
      String(BASE_TIMESTAMP),
      '--segment-records',
      String(SEGMENT_RECORDS),
      '--part-records',
      String(CHUNK_ROWS),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`native-etl exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RustRun;
}

// ---- 3b. the Rust engine in this process (N-API addon) ----
interface AddonRun extends InProcessRun {
  insideCpuMs: number;
  skipped: number;
  /** RSS when the run started and the peak during it (VmHWM reset at the start where Linux allows), MB. */
  startRssMb: number;
  peakRssMb: number;
  rssReset: boolean;
}

/** A `kB` line of /proc/self/status, in MB. */
function procStatusMb(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

/** Resets this process's VmHWM to its current RSS (Linux ≥ 4.0: `5` to clear_refs); false where refused. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function addonEtl(engines: NonNullable<typeof addon>): AddonRun {
  const rssReset = resetPeakRss();
  const startRssMb = procStatusMb('VmRSS');
  const files: JsFile[] = [];
  const wall0 = performance.now();
  const main0 = mainThreadCpuMs();
  const cpu0 = processCpuMs();
  let engine = new engines.Engine(ETL_ID, TOPIC, [...TABLES], CHUNK_ROWS);
  let insideCpuMs = 0;
  let skipped = 0;
  let segment = 0;
  let records = 0;
  // BATCH divides SEGMENT_RECORDS: a chunk never spans two segments.
  for (const [k, c] of chunks.entries()) {
    skipped += engine.push(c.meta, c.bytes, c.count).length;
    records += c.count;
    if (records % SEGMENT_RECORDS !== 0 && k < chunks.length - 1) continue;
    engine.finish().forEach((bytes: Buffer, t: number) => {
      if (bytes.length > 0) files.push({ table: TABLES[t], segment, bytes });
    });
    insideCpuMs += engine.cpuMs;
    engine = new engines.Engine(ETL_ID, TOPIC, [...TABLES], CHUNK_ROWS);
    segment++;
  }
  const cpuMs = processCpuMs() - cpu0;
  const mainCpuMs = mainThreadCpuMs() - main0;
  const wallMs = performance.now() - wall0;
  const run: AddonRun = {
    wallMs,
    cpuMs,
    mainCpuMs,
    insideCpuMs,
    skipped,
    startRssMb,
    peakRssMb: procStatusMb('VmHWM'),
    rssReset,
    rows: Object.fromEntries(TABLES.map((t) => [t, 0])),
    bytes: Object.fromEntries(TABLES.map((t) => [t, 0])),
    files,
  };
  // Counted after the clock stopped: rows from each footer.
  for (const f of files) {
    run.rows[f.table] += Number(parquetMetadata(arrayBuffer(f.bytes)).num_rows);
    run.bytes[f.table] += f.bytes.byteLength;
  }
  return run;
}

// ---- 4. checks ----
const failures: string[] = [];
const notes: string[] = [];

const arrayBuffer = (b: Uint8Array) =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** A value as text that compares across readers: bigint, Date and typed arrays spelled out. */
function norm(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(norm);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, norm(x)]));
  return v;
}

/** The ARROW:schema of a footer as `name: type (nullable)` lines, decoded by apache-arrow. */
function arrowSchemaLines(meta: FileMetaData): string[] {
  const b64 = meta.key_value_metadata?.find((kv) => kv.key === 'ARROW:schema')?.value;
  if (b64 === undefined) return ['(no ARROW:schema)'];
  const message = Buffer.from(b64, 'base64');
  const stream = new Uint8Array(message.length + 8);
  stream.set(message);
  stream.set([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], message.length);
  return tableFromIPC(stream).schema.fields.map((f) => `${f.name}: ${f.type} (nullable ${f.nullable})`);
}

const schemaLines = (meta: FileMetaData) =>
  meta.schema.map((e) =>
    JSON.stringify(
      norm({
        name: e.name,
        type: e.type,
        repetition: e.repetition_type,
        converted: e.converted_type,
        logical: e.logical_type,
        children: e.num_children,
      }),
    ),
  );

/** Per column chunk of row group 0: codec, encodings and which statistics fields are set. */
const layoutLines = (meta: FileMetaData) => [
  `row groups: ${meta.row_groups.map((g) => g.num_rows).join(',')}`,
  ...(meta.row_groups[0]?.columns ?? []).map((c) => {
    const m = c.meta_data;
    const s = m?.statistics ?? {};
    const stats = Object.entries(s)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k)
      .sort();
    return `${m?.path_in_schema.join('.')}: ${m?.codec} [${[...(m?.encodings ?? [])].sort().join(',')}] stats {${stats.join(',')}} page index ${c.offset_index_offset !== undefined || c.column_index_offset !== undefined}`;
  }),
];

function diffLines(what: string, js: string[], rust: string[], into: string[]): void {
  const n = Math.max(js.length, rust.length);
  for (let i = 0; i < n; i++)
    if (js[i] !== rust[i]) into.push(`${what}: JS ${js[i] ?? '(none)'} | Rust ${rust[i] ?? '(none)'}`);
}

async function compareFiles(js: JsRun, rustDir: string): Promise<number> {
  let sampled = 0;
  const layoutNotes = new Set<string>();
  for (const f of js.files) {
    const name = `${f.table}-${String(f.segment).padStart(3, '0')}.parquet`;
    const rustPath = path.join(rustDir, name);
    if (!existsSync(rustPath)) {
      failures.push(`${name}: JS wrote it, Rust did not`);
      continue;
    }
    const jsFile = arrayBuffer(f.bytes);
    const rustFile = arrayBuffer(readFileSync(rustPath));
    const jm = parquetMetadata(jsFile);
    const rm = parquetMetadata(rustFile);
    diffLines(`${name} Parquet schema`, schemaLines(jm), schemaLines(rm), failures);
    diffLines(`${name} ARROW:schema`, arrowSchemaLines(jm), arrowSchemaLines(rm), failures);
    const layout: string[] = [];
    diffLines(f.table, layoutLines(jm), layoutLines(rm), layout);
    for (const l of layout) layoutNotes.add(l);
    const rows = Number(jm.num_rows);
    if (rows !== Number(rm.num_rows)) {
      failures.push(`${name}: ${rows} rows from JS, ${rm.num_rows} from Rust`);
      continue;
    }
    const firstGroup = Number(jm.row_groups[0]?.num_rows ?? rows);
    const at = [...new Set([0, 1, firstGroup - 1, firstGroup, Math.floor(rows / 2), rows - 1])].filter(
      (r) => r >= 0 && r < rows,
    );
    for (const r of at) {
      const read = (file: ArrayBuffer) =>
        parquetReadObjects({ file, compressors, rowStart: r, rowEnd: r + 1 }).then((x) => norm(x[0]));
      const [a, b] = await Promise.all([read(jsFile), read(rustFile)]);
      sampled++;
      if (JSON.stringify(a) !== JSON.stringify(b))
        failures.push(`${name} row ${r}: JS ${JSON.stringify(a)} | Rust ${JSON.stringify(b)}`);
    }
  }
  notes.push(...layoutNotes);
  return sampled;
}

/** The byte length of a Parquet file before its footer (footer length: the 4 bytes before `PAR1`). */
function beforeFooter(b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return b.byteLength - 8 - view.getUint32(b.byteLength - 8, true);
}

/**
 * The addon's files against the binary's: the same set, the same rows, the same bytes before the footer
 * (the same engine: the footers should match too; counted apart). Returns files whole-identical.
 */
function compareAddonFiles(run: AddonRun, rustDir: string, binaryFiles: number): number {
  let identical = 0;
  if (run.files.length !== binaryFiles)
    failures.push(`files: ${binaryFiles} from the binary, ${run.files.length} from the addon`);
  for (const f of run.files) {
    const name = `${f.table}-${String(f.segment).padStart(3, '0')}.parquet`;
    const rustPath = path.join(rustDir, name);
    if (!existsSync(rustPath)) {
      failures.push(`${name}: the addon wrote it, the binary did not`);
      continue;
    }
    const bin = readFileSync(rustPath);
    const rowsA = Number(parquetMetadata(arrayBuffer(f.bytes)).num_rows);
    const rowsB = Number(parquetMetadata(arrayBuffer(bin)).num_rows);
    if (rowsA !== rowsB) failures.push(`${name}: ${rowsB} rows from the binary, ${rowsA} from the addon`);
    const cut = beforeFooter(bin);
    if (beforeFooter(f.bytes) !== cut || Buffer.compare(bin.subarray(0, cut), f.bytes.subarray(0, cut)) !== 0)
      failures.push(`${name}: the addon's bytes before the footer differ from the binary's`);
    else if (Buffer.compare(bin, f.bytes) === 0) identical++;
  }
  return identical;
}

// ---- runs ----
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

console.log(
  `records: ${fmt(chunks.reduce((s, c) => s + c.count, 0))} (${fmt(inputBytes / 1e6, 1)} MB of values) in ${ndjson}; ` +
    `Node ${process.versions.node}, ZSTD by ${NATIVE_ZSTD ? "Node's zlib" : 'parquet-wasm (this Node has no native ZSTD)'}; ` +
    `runs ${RUNS}, JS warm-up ${fmt(Math.min(WARMUP, N))} records`,
);
const misses = fastPathMisses();
console.log(`JS fast-path misses (records read by JSON.parse instead): ${misses}`);
if (WARMUP > 0) jsEtl(Math.min(WARMUP, N));

const jsRuns: JsRun[] = [];
const rustRuns: RustRun[] = [];
const addonRuns: AddonRun[] = [];
/** Peak RSS of this process up to the end of each JS run, MB (VmHWM; the whole life without the addon). */
let jsPeakRssMb = 0;
const rustDir = path.join(dir, 'rust');
if (addon === undefined) console.log(`Rust addon (in-process): skipped: ${loaded}`);
for (let run = 1; run <= RUNS; run++) {
  const js = jsEtl(N);
  // Read now: the addon's run resets VmHWM (and with it getrusage's maxRSS) to measure its own peak.
  jsPeakRssMb = Math.max(jsPeakRssMb, procStatusMb('VmHWM'));
  const rust = rustEtl(rustDir);
  jsRuns.push(js);
  rustRuns.push(rust);
  if (addon !== undefined) addonRuns.push(addonEtl(addon));
  console.log(
    `run ${run}: JS ${fmt(N / (js.wallMs / 1000))} rec/s, ${fmt((js.cpuMs * 1000) / N, 2)} µs CPU/rec ` +
      `(main thread ${fmt((js.mainCpuMs * 1000) / N, 2)}; wall split: scan+build ${fmt(js.wallMs - js.buildMs - js.encodeMs - js.joinMs)} ms, ` +
      `Arrow finish ${fmt(js.buildMs)} ms, encode+ZSTD ${fmt(js.encodeMs)} ms, join ${fmt(js.joinMs)} ms) | ` +
      `Rust ${fmt(rust.records / (rust.wall_ms / 1000))} rec/s, ${fmt(rust.us_cpu_per_record, 2)} µs CPU/rec ` +
      `(CPU split: read ${fmt(rust.read_cpu_ms)} ms, scan+build ${fmt(rust.scan_build_cpu_ms)} ms incl. batch finish ${fmt(rust.batch_finish_cpu_ms)}, ` +
      `encode+ZSTD ${fmt(rust.encode_cpu_ms)} ms incl. footers ${fmt(rust.footer_cpu_ms)}, file write ${fmt(rust.write_cpu_ms)} ms), ` +
      `RSS ${fmt(rust.peak_rss_kb / 1024, 1)} MB`,
  );
  const a = addonRuns[addonRuns.length - 1];
  if (a !== undefined && addonRuns.length === run)
    console.log(
      `run ${run}: Rust addon ${fmt(N / (a.wallMs / 1000))} rec/s, ${fmt((a.cpuMs * 1000) / N, 2)} µs CPU/rec ` +
        `(main thread ${fmt((a.mainCpuMs * 1000) / N, 2)}; inside push/finish ${fmt((a.insideCpuMs * 1000) / N, 2)}), ` +
        `RSS ${fmt(a.startRssMb, 1)} MB at start, peak ${fmt(a.peakRssMb, 1)} MB` +
        (a.rssReset ? '' : ' (VmHWM could not be reset: the peak is the whole process life)'),
    );
}

const js = jsRuns[jsRuns.length - 1];
const rust = rustRuns[rustRuns.length - 1];
if (KEEP !== undefined) {
  mkdirSync(path.join(dir, 'js'), { recursive: true });
  for (const f of js.files)
    writeFileSync(path.join(dir, 'js', `${f.table}-${String(f.segment).padStart(3, '0')}.parquet`), f.bytes);
  const lastAddon = addonRuns[addonRuns.length - 1];
  if (lastAddon !== undefined) {
    mkdirSync(path.join(dir, 'addon'), { recursive: true });
    for (const f of lastAddon.files)
      writeFileSync(
        path.join(dir, 'addon', `${f.table}-${String(f.segment).padStart(3, '0')}.parquet`),
        f.bytes,
      );
  }
}

// Row counts: every table, every run (the engines are deterministic on one file).
for (const t of TABLES)
  if (js.rows[t] !== rust.rows[t])
    failures.push(`${t}: ${js.rows[t]} rows from JS, ${rust.rows[t]} from Rust`);
if (rust.skipped > 0)
  failures.push(
    `Rust skipped ${rust.skipped} records its fast path cannot read (JS read them with JSON.parse)`,
  );
if (js.rejected > 0) notes.push(`JS rejected ${js.rejected} records (dead letters in a worker)`);
if (rust.files !== js.files.length)
  failures.push(`files: ${js.files.length} from JS, ${rust.files} from Rust`);
const sampled = await compareFiles(js, rustDir);
const addonRun = addonRuns[addonRuns.length - 1];
const addonIdentical = addonRun === undefined ? 0 : compareAddonFiles(addonRun, rustDir, rust.files);
if (addonRun !== undefined && addonRun.skipped !== rust.skipped)
  failures.push(`skipped: ${rust.skipped} by the binary, ${addonRun.skipped} by the addon`);

// ---- the table ----
const jsRate = median(jsRuns.map((r) => N / (r.wallMs / 1000)));
const rustRate = median(rustRuns.map((r) => r.records / (r.wall_ms / 1000)));
const jsUs = median(jsRuns.map((r) => (r.cpuMs * 1000) / N));
const rustUs = median(rustRuns.map((r) => r.us_cpu_per_record));
const rustRss = median(rustRuns.map((r) => r.peak_rss_kb / 1024));
const jsRss = jsPeakRssMb;
const kb = (n: number) => `${fmt(n / 1024)} KiB`;
const header = ['engine', 'records/s (1 thread)', 'µs CPU/record', 'peak RSS', ...TABLES];
const table = [
  [
    `heroflow JS (Node ${process.versions.node})`,
    fmt(jsRate),
    fmt(jsUs, 2),
    `${fmt(jsRss)} MB*`,
    ...TABLES.map((t) => kb(js.bytes[t])),
  ],
  [
    'native Rust',
    fmt(rustRate),
    fmt(rustUs, 2),
    `${fmt(rustRss, 1)} MB`,
    ...TABLES.map((t) => kb(rust.bytes[t])),
  ],
  [
    'JS ÷ Rust',
    fmt(jsRate / rustRate, 2),
    fmt(jsUs / rustUs, 2),
    '',
    ...TABLES.map((t) => fmt(js.bytes[t] / rust.bytes[t], 3)),
  ],
];
if (addonRun !== undefined) {
  const addonRate = median(addonRuns.map((r) => N / (r.wallMs / 1000)));
  const addonUs = median(addonRuns.map((r) => (r.cpuMs * 1000) / N));
  const addonRss = median(addonRuns.map((r) => r.peakRssMb));
  table.push(
    [
      'Rust addon (in-process)',
      fmt(addonRate),
      fmt(addonUs, 2),
      `${fmt(addonRss)} MB here†`,
      ...TABLES.map((t) => kb(addonRun.bytes[t])),
    ],
    [
      'JS ÷ addon',
      fmt(jsRate / addonRate, 2),
      fmt(jsUs / addonUs, 2),
      '',
      ...TABLES.map((t) => fmt(js.bytes[t] / addonRun.bytes[t], 3)),
    ],
  );
}
console.log(`\nmedians of ${RUNS} run(s), ${fmt(N)} records:`);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of table) console.log(`| ${row.join(' | ')} |`);
console.log(
  `* the JS process also holds the generated records and their packed copy: its RSS is not the engine’s alone`,
);
if (addonRun !== undefined) {
  const start = median(addonRuns.map((r) => r.startRssMb));
  console.log(
    `† here: peak RSS of this Node process during the addon run (VmHWM${addonRun.rssReset ? ' reset at its start' : ', not resettable here: the whole process life'}; median RSS at the start ${fmt(start)} MB, held mostly by the generated records and the JS engine's heap)`,
  );
  console.log(
    `addon CPU inside push/finish (median): ${fmt(median(addonRuns.map((r) => (r.insideCpuMs * 1000) / N)), 2)} µs/record; ` +
      `the rest of the main thread's ${fmt(median(addonRuns.map((r) => (r.mainCpuMs * 1000) / N)), 2)} µs is the N-API calls, argument and result conversion and the loop (main-thread CPU counts in 10 ms ticks)`,
  );
  console.log(
    `addon files: ${addonRun.files.length}, ${addonIdentical} byte-identical to the binary's, the rest checked identical before the footer`,
  );
}
console.log(`rows: ${TABLES.map((t) => `${t} ${fmt(rust.rows[t])}`).join(', ')}`);
console.log(`checked: ${js.files.length} files, ${sampled} sampled rows, schemas and ARROW:schema of each`);
for (const n of notes) console.log(`note: ${n}`);
if (KEEP === undefined) rmSync(dir, { recursive: true, force: true });
if (failures.length > 0) {
  for (const f of failures) console.log(`MISMATCH: ${f}`);
  process.exit(1);
}
console.log('all checks passed: same rows per table, same sampled values, same column types');
