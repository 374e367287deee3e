/**
 * The record scanner and column builders alone, the ETL thread's largest share after encoding:
 * `transformRecord` over pre-packed simulator records, no Parquet, no threads. Prints CPU µs per record
 * for each pass and their median, the figure to compare across a change (A/B: alternate builds, several
 * runs; this machine's passes scatter by ±20 %).
 *
 *   node --import tsx bench/scan.ts [--records 200000] [--passes 25]
 */
import { ChunkPacker, type PackedChunk } from '../src/etl/packed.js';
import { keySizeOf } from '../src/etl/record.js';
import { SegmentRows } from '../src/etl/rows.js';
import { RecordScanner } from '../src/etl/scan-record.js';
import { transformRecord } from '../src/etl/transform.js';
import { delivery, pyDumps, simulatorRecords } from '../test/etl/fixtures.js';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: npm run bench:scan -- [options]
  --records N   pre-packed simulator records (default 200000)
  --passes N    passes over them; the median is printed (default 25)
  --help        this text`,
  options: {
    records: { type: 'string', default: '200000' },
    passes: { type: 'string', default: '25' },
  },
});
const N = cli.wholeNumber('records');
const PASSES = cli.wholeNumber('passes');
/** Rows per builder before it starts again: the ETL thread's Parquet part (etl-thread.ts CHUNK_ROWS). */
const PART_ROWS = 16_384;

const packer = new ChunkPacker();
const records: { topic: string; chunk: PackedChunk }[] = [];
for (const { topic, record } of simulatorRecords(7)) {
  if (records.length === N) break;
  const offset = BigInt(records.length);
  const d = delivery(pyDumps(record), { topic, partition: 0, offset, timestamp: 1_693_569_600_000 });
  packer.pack(d, keySizeOf(d));
  records.push({ topic, chunk: packer.take() });
}

const scanner = new RecordScanner();
const rowsByTopic = new Map<string, SegmentRows>();
const perRecord: number[] = [];
for (let pass = 0; pass < PASSES; pass++) {
  const before = process.cpuUsage();
  for (const { topic, chunk } of records) {
    let rows = rowsByTopic.get(topic);
    if (rows === undefined) {
      rows = new SegmentRows('bench', topic);
      rowsByTopic.set(topic, rows);
    }
    transformRecord(rows, chunk, 0, scanner);
    if (rows.records >= PART_ROWS) rows.reset();
  }
  const used = process.cpuUsage(before);
  perRecord.push((used.user + used.system) / records.length);
}
const median = [...perRecord].sort((a, b) => a - b)[Math.floor(PASSES / 2)];
console.log(
  `records: ${records.length.toLocaleString('en-US')}, passes: ${PASSES}, Node ${process.versions.node}`,
);
console.log(`CPU µs per record, each pass: ${perRecord.map((t) => t.toFixed(2)).join(' ')}`);
console.log(
  `median: ${median.toFixed(2)} µs per record (= ${Math.round(1e6 / median).toLocaleString('en-US')} records/s on one core)`,
);
