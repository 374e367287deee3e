/**
 * ETL throughput: simulator-shaped records → ParquetSink → memory storage, against the Parquet writer alone.
 *
 *   node --import tsx bench/etl.ts [--records 200000] [--runs 3] [--compression zstd] [--batch 1000] [--writer wasm|both]
 *     [--etl-threads 1]
 *
 * Prints per run and as the median of `--runs`: (a) records/s of the full path (deliveries in → parse →
 * rows → Arrow → Parquet → files durable in memory storage, `onDurable` called), with the sink configured
 * as the worker's defaults (PIPELINE_DEFAULTS: 100k rows / 64 MiB / 10 s, 64 MiB budget, zstd, batches
 * of the worker's default maxBatch 1000); (b) the writer ceiling: encoding the same rows, cut into the same
 * segments, from prebuilt Arrow tables on this thread; (c) with `--writer both`, hyparquet-writer on the
 * same rows (SNAPPY: it cannot write ZSTD on Node 20). Then peak RSS. Figures go to docs/parquet.md.
 */
import type { Table } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Delivery } from '../src/brokers/types.js';
import { PIPELINE_DEFAULTS } from '../src/config/index.js';
import type { Compression } from '../src/etl/compression.js';
import { COMPRESSIONS } from '../src/etl/compression.js';
import { ChunkPacker } from '../src/etl/packed.js';
import { encodeParquet } from '../src/etl/parquet.js';
import { keySizeOf } from '../src/etl/record.js';
import { SegmentRows } from '../src/etl/rows.js';
import { RecordScanner } from '../src/etl/scan-record.js';
import type { TableSpec } from '../src/etl/schemas.js';
import { deliveryBytes } from '../src/etl/segment.js';
import { ParquetSink } from '../src/etl/sink.js';
import { transformRecord } from '../src/etl/transform.js';
import { MemoryStorage } from '../src/storage/memory.js';
import { delivery, pyDumps, simulatorRecords } from '../test/etl/fixtures.js';
import { benchArgs } from './cli-args.js';
import { mainThreadCpuMs, processCpuMs } from './cpu-time.js';

const ETL_THREADS = String(PIPELINE_DEFAULTS.etlThreads);
const cli = benchArgs({
  usage: `usage: npm run bench:etl -- [options]
  --records N         simulator records (default 200000)
  --runs N            runs; the median is printed (default 3)
  --compression C     ${COMPRESSIONS.join(', ')} (default zstd)
  --batch N           deliveries per sink.add, the worker's maxBatch (default 1000)
  --writer W          wasm, or both: hyparquet-writer too, SNAPPY (default wasm)
  --etl-threads N     the sink's ETL threads (default ${ETL_THREADS}, the worker's)
  --help              this text`,
  options: {
    records: { type: 'string', default: '200000' },
    compression: { type: 'string', default: 'zstd' },
    batch: { type: 'string', default: '1000' },
    writer: { type: 'string', default: 'wasm' },
    runs: { type: 'string', default: '3' },
    'etl-threads': { type: 'string', default: ETL_THREADS },
  },
});
const args = cli.values;
const N = cli.wholeNumber('records');
const compression: Compression = cli.oneOf('compression', COMPRESSIONS);
const BATCH = cli.wholeNumber('batch');
cli.oneOf('writer', ['wasm', 'both']);
const RUNS = cli.wholeNumber('runs');
const ETL_THREAD_COUNT = cli.wholeNumber('etl-threads');
const PARTITIONS: Record<string, number> = {
  'lib.server.lobby': 2,
  'lib.server.game': 4,
  'client.__main__': 1,
};

function generate(n: number): Delivery[] {
  const offsets = new Map<string, bigint>();
  const out: Delivery[] = [];
  let i = 0;
  for (const { topic, record } of simulatorRecords(7)) {
    if (i === n) break;
    const partition = i % PARTITIONS[topic];
    const key = `${topic}/${partition}`;
    const offset = offsets.get(key) ?? 0n;
    offsets.set(key, offset + 1n);
    out.push(delivery(pyDumps(record), { topic, partition, offset, timestamp: Date.UTC(2023, 8, 1) + i }));
    i++;
  }
  return out;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString('en-US');
const rssMb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

async function fullPath(input: Delivery[]) {
  const storage = new MemoryStorage();
  const sink = new ParquetSink({
    storage,
    service: 'memory',
    mode: 'Streaming',
    // The worker's defaults (the settings table's).
    roll: PIPELINE_DEFAULTS.roll,
    memoryBudgetBytes: PIPELINE_DEFAULTS.memoryBudgetBytes,
    etlThreads: ETL_THREAD_COUNT,
    compression,
    onDurable: async () => {},
    onDeadLetter: async () => {},
  });
  const t0 = performance.now();
  const main0 = mainThreadCpuMs();
  const cpu0 = processCpuMs();
  for (let i = 0; i < input.length; i += BATCH) await sink.add(input.slice(i, i + BATCH));
  await sink.close();
  return {
    ms: performance.now() - t0,
    mainCpuMs: mainThreadCpuMs() - main0,
    cpuMs: processCpuMs() - cpu0,
    stats: sink.stats(),
  };
}

/**
 * The same segments as the sink cuts them by rows, bytes and the memory budget (over it, the largest open
 * segment rolls), built before timing.
 */
function prebuild(input: Delivery[]): [TableSpec, Table][] {
  const open = new Map<string, { rows: SegmentRows; n: number; bytes: number }>();
  const done: SegmentRows[] = [];
  let openBytes = 0;
  const scanner = new RecordScanner();
  const packer = new ChunkPacker();
  for (const d of input) {
    const k = `${d.topic}/${d.partition}`;
    let seg = open.get(k);
    if (seg === undefined) {
      seg = { rows: new SegmentRows('bench', d.topic), n: 0, bytes: 0 };
      open.set(k, seg);
    }
    packer.pack(d, keySizeOf(d));
    transformRecord(seg.rows, packer.take(), 0, scanner);
    const bytes = deliveryBytes(d, -1, false);
    seg.bytes += bytes;
    openBytes += bytes;
    if (++seg.n >= PIPELINE_DEFAULTS.roll.maxRows || seg.bytes >= PIPELINE_DEFAULTS.roll.maxBytes) {
      done.push(seg.rows);
      open.delete(k);
      openBytes -= seg.bytes;
    }
    if (openBytes > PIPELINE_DEFAULTS.memoryBudgetBytes) {
      const [largestKey, largest] = [...open].reduce((a, b) => (b[1].bytes > a[1].bytes ? b : a));
      done.push(largest.rows);
      open.delete(largestKey);
      openBytes -= largest.bytes;
    }
  }
  for (const seg of open.values()) done.push(seg.rows);
  return done.flatMap((rows) =>
    rows
      .tables()
      .filter(([, b]) => b.rows > 0)
      .map(([spec, b]): [TableSpec, Table] => [spec, b.finish()]),
  );
}

function writerOnly(tables: [TableSpec, Table][], codec: Compression) {
  const t0 = performance.now();
  let bytes = 0;
  for (const [spec, table] of tables) bytes += encodeParquet(spec, table, codec).byteLength;
  return { ms: performance.now() - t0, bytes };
}

function hyparquetType(type: string): 'STRING' | 'INT32' | 'INT64' | 'BOOLEAN' | 'TIMESTAMP' | undefined {
  if (type === 'utf8') return 'STRING';
  if (type === 'uint8' || type === 'uint16' || type === 'int16') return 'INT32';
  if (type === 'uint64') return 'INT64';
  if (type === 'bool') return 'BOOLEAN';
  if (type.startsWith('timestamp')) return 'TIMESTAMP';
  return undefined; // list<utf8>: guessed from the data
}

function hyparquetOnly(tables: [TableSpec, Table][]) {
  // Columns as plain arrays (what hyparquet-writer takes), converted before timing.
  const inputs = tables.map(([spec, table]) =>
    spec.columns.map((c, i) => {
      const vector = table.getChildAt(i)!;
      let data: unknown[] = vector.toArray() as unknown[];
      if (c.type === 'utf8' || c.type === 'list<utf8>')
        data = [...vector].map((x) => (x?.toArray ? x.toArray() : x));
      if (c.type.startsWith('timestamp'))
        data = [...vector].map((x) => (x === null ? null : new Date(Number(x))));
      if (c.type === 'uint64') data = [...vector];
      return { name: c.name, data: [...data], type: hyparquetType(c.type) };
    }),
  );
  const t0 = performance.now();
  let bytes = 0;
  for (const columnData of inputs)
    bytes += parquetWriteBuffer({ columnData: columnData as never }).byteLength;
  return { ms: performance.now() - t0, bytes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const input = generate(N);
const valueBytes = input.reduce((s, d) => s + d.value.byteLength, 0);
console.log(
  `records: ${N.toLocaleString('en-US')} (${mb(valueBytes)} MB of JSON values), compression ${compression}, batch ${BATCH}, runs ${RUNS}, ETL threads ${args['etl-threads']}`,
);

const tables = prebuild(input);
const fullMs: number[] = [];
const wasmMs: number[] = [];
const mainMs: number[] = [];
const cpuMs: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const full = await fullPath(input);
  const wasm = writerOnly(tables, compression);
  fullMs.push(full.ms);
  wasmMs.push(wasm.ms);
  mainMs.push(full.mainCpuMs);
  cpuMs.push(full.cpuMs);
  console.log(
    `run ${run}: (a) full path ${rate(N, full.ms)} records/s (${full.ms.toFixed(0)} ms, ${full.stats.files} files, ` +
      `${mb(full.stats.bytesWritten)} MB; CPU ${full.cpuMs.toFixed(0)} ms, main thread ${full.mainCpuMs.toFixed(0)} ms)  ` +
      `(b) writer ceiling ${rate(N, wasm.ms)} records/s (${wasm.ms.toFixed(0)} ms, ${mb(wasm.bytes)} MB)`,
  );
  if (run === 1) console.log(`       rows: ${JSON.stringify(full.stats.rowsByTable)}`);
}
const fm = median(fullMs);
const wm = median(wasmMs);
console.log(
  `median: (a) full path ${rate(N, fm)} records/s, ${(valueBytes / 1e6 / (fm / 1000)).toFixed(1)} MB/s in; ` +
    `(b) writer ceiling ${rate(N, wm)} records/s; full path = ${((100 * wm) / fm).toFixed(0)} % of ceiling`,
);
console.log(
  `median CPU of the full path: ${median(cpuMs).toFixed(0)} ms in all threads, ${median(mainMs).toFixed(0)} ms on the main thread ` +
    `(= ${rate(N, median(mainMs))} records/s if the main thread had a core to itself)`,
);
if (args.writer === 'both') {
  const snappy = writerOnly(tables, 'snappy');
  const hyp = hyparquetOnly(tables);
  console.log(
    `(c) same rows, SNAPPY: parquet-wasm ${rate(N, snappy.ms)} records/s ${mb(snappy.bytes)} MB; hyparquet-writer ${rate(N, hyp.ms)} records/s ${mb(hyp.bytes)} MB`,
  );
}
console.log(`peak RSS: ${rssMb()} MB`);
