/**
 * The addon alone in a fresh Node process, for its RSS: what a Node process running the native engine
 * holds, without compare.ts's generated records and JS heap. Plain JS (no tsx) so that the process holds
 * only Node, the addon and one chunk of input. compare.ts runs it; it also runs alone:
 *
 *   node bench/native-etl/addon-alone.mjs ADDON.node RECORDS.ndjson ETL_ID TOPIC BASE_TS SEGMENT_RECORDS PART_RECORDS CHUNK
 *
 * Streams the file in 4 MiB blocks, copies each line into a reused chunk buffer, pushes every CHUNK values
 * (cut at segment ends), finishes each segment and drops its files (their bytes are counted). Prints one
 * JSON line: records, skipped, bytes, wall and CPU ms (reading and splitting included), CPU inside the
 * addon, RSS before the first push and peak RSS (VmHWM), kB.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

const [addonPath, input, etlId, topic, baseTs, segmentArg, partArg, chunkArg] = process.argv.slice(2);
if (chunkArg === undefined) {
  console.error(
    'usage: node addon-alone.mjs ADDON.node RECORDS.ndjson ETL_ID TOPIC BASE_TS SEGMENT_RECORDS PART_RECORDS CHUNK',
  );
  process.exit(2);
}
const SEGMENT = Number(segmentArg);
const CHUNK = Number(chunkArg);

const statusKb = (field) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);

const { Engine } = createRequire(import.meta.url)(addonPath);
const engine = new Engine(etlId, topic, Number(baseTs), Number(partArg));
let chunk = Buffer.alloc(4 << 20);
const ends = new Uint32Array(CHUNK);
let used = 0;
let count = 0;
let records = 0;
let skipped = 0;
let bytes = 0;

function push(segmentEnd) {
  if (count > 0) skipped += engine.push(chunk.subarray(0, used), ends.subarray(0, count)).length;
  used = 0;
  count = 0;
  if (segmentEnd) for (const f of engine.finish()) bytes += f.length;
}

function line(b) {
  if (used + b.length > chunk.length) {
    const bigger = Buffer.alloc(Math.max(chunk.length * 2, used + b.length));
    chunk.copy(bigger, 0, 0, used);
    chunk = bigger;
  }
  b.copy(chunk, used);
  used += b.length;
  ends[count++] = used;
  records++;
  const segmentEnd = records % SEGMENT === 0;
  if (count === CHUNK || segmentEnd) push(segmentEnd);
}

const startRssKb = statusKb('VmRSS');
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
const fd = openSync(input, 'r');
let block = Buffer.alloc(4 << 20);
let filled = 0;
for (;;) {
  if (filled === block.length) block = Buffer.concat([block, Buffer.alloc(block.length)]); // a line longer than the block
  const n = readSync(fd, block, filled, block.length - filled, null);
  filled += n;
  let start = 0;
  for (let nl = block.indexOf(10, start); nl !== -1 && nl < filled; nl = block.indexOf(10, start)) {
    if (nl > start) line(block.subarray(start, nl));
    start = nl + 1;
  }
  if (n === 0) {
    if (start < filled) line(block.subarray(start, filled));
    break;
  }
  block.copy(block, 0, start, filled);
  filled -= start;
}
closeSync(fd);
if (records % SEGMENT !== 0) push(true);
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    records,
    skipped,
    bytes,
    wallMs: performance.now() - wall0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    insideCpuMs: engine.insideCpuMs,
    startRssKb,
    peakRssKb: statusKb('VmHWM'),
  }),
);
