/**
 * ETL throughput: simulator-shaped records → ParquetSink → memory storage, against the Parquet writer alone.
 *
 *   node --import tsx bench/etl.ts [--records 200000] [--compression zstd] [--batch 500] [--writer wasm|hyparquet|both]
 *
 * Prints (a) records/s of the full path (parse → rows → Arrow → Parquet → memory storage), (b) the writer
 * ceiling: encoding the same prebuilt tables only, (c) hyparquet-writer on the same rows (SNAPPY: it cannot
 * write ZSTD on Node 20), and peak RSS. Figures go to docs/parquet.md.
 */
import { parseArgs } from 'node:util';
import type { Table } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Delivery } from '../src/brokers/types.js';
import { type Compression, encodeParquet } from '../src/etl/parquet.js';
import { isRejection, parseRecord } from '../src/etl/record.js';
import { SegmentRows } from '../src/etl/rows.js';
import type { TableSpec } from '../src/etl/schemas.js';
import { ParquetSink } from '../src/etl/sink.js';
import { MemoryStorage } from '../src/storage/memory.js';
import { delivery, pyDumps, simulatorRecords } from '../test/etl/fixtures.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    compression: { type: 'string', default: 'zstd' },
    batch: { type: 'string', default: '500' },
    writer: { type: 'string', default: 'both' },
  },
});
const N = Number(args.records);
const compression = args.compression as Compression;
const BATCH = Number(args.batch);
const PARTITIONS: Record<string, number> = {
  'lib.server.lobby': 2,
  'lib.server.game': 4,
  'client.__main__': 1,
};
const MAX_ROWS = 100_000;

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
    roll: { maxRows: MAX_ROWS, maxBytes: 1 << 30, maxAgeMs: 600_000 },
    memoryBudgetBytes: 4 * 2 ** 30,
    compression,
    onDurable: async () => {},
    onDeadLetter: async () => {},
  });
  const t0 = performance.now();
  for (let i = 0; i < input.length; i += BATCH) await sink.add(input.slice(i, i + BATCH));
  await sink.close();
  return { ms: performance.now() - t0, stats: sink.stats() };
}

/** The same segments as the sink cuts them, built before timing. */
function prebuild(input: Delivery[]): [TableSpec, Table][] {
  const open = new Map<string, { rows: SegmentRows; n: number }>();
  const done: SegmentRows[] = [];
  for (const d of input) {
    const k = `${d.topic}/${d.partition}`;
    let seg = open.get(k);
    if (seg === undefined) {
      seg = { rows: new SegmentRows('bench'), n: 0 };
      open.set(k, seg);
    }
    const v = parseRecord(d);
    if (!isRejection(v)) seg.rows.append(d, -1, v);
    if (++seg.n === MAX_ROWS) {
      done.push(seg.rows);
      open.delete(k);
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

const input = generate(N);
const valueBytes = input.reduce((s, d) => s + d.value.byteLength, 0);
console.log(
  `records: ${N.toLocaleString('en-US')} (${mb(valueBytes)} MB of JSON values), compression ${compression}, batch ${BATCH}`,
);

const full = await fullPath(input);
console.log(
  `(a) full path:      ${rate(N, full.ms)} records/s, ${(valueBytes / 1e6 / (full.ms / 1000)).toFixed(1)} MB/s in, ` +
    `${full.ms.toFixed(0)} ms, ${full.stats.files} files, ${mb(full.stats.bytesWritten)} MB written`,
);
console.log(`    rows: ${JSON.stringify(full.stats.rowsByTable)}`);

const tables = prebuild(input);
const wasm = writerOnly(tables, compression);
console.log(
  `(b) writer ceiling: ${rate(N, wasm.ms)} records/s (parquet-wasm ${compression}, prebuilt Arrow tables), ${wasm.ms.toFixed(0)} ms, ${mb(wasm.bytes)} MB; full path = ${((100 * wasm.ms) / full.ms).toFixed(0)} % of ceiling`,
);
if (args.writer !== 'wasm') {
  const snappy = writerOnly(tables, 'snappy');
  const hyp = hyparquetOnly(tables);
  console.log(
    `(c) same rows, SNAPPY: parquet-wasm ${rate(N, snappy.ms)} records/s ${mb(snappy.bytes)} MB; hyparquet-writer ${rate(N, hyp.ms)} records/s ${mb(hyp.bytes)} MB`,
  );
}
console.log(`peak RSS: ${rssMb()} MB`);
