/**
 * Encode and write latency of the Parquet files a worker makes durable, as histograms (DESIGN.md: base
 * units, so seconds). Unlike the pipeline counters these are observed as files land, not read on scrape:
 * a latency distribution cannot be rebuilt from totals.
 */
import { Histogram, type Registry } from 'prom-client';
import { PREFIX } from './registry.js';

/** What a file's timings look like to the metrics (the ETL's WrittenFile has this shape). */
export interface FileTimings {
  table: string;
  encodeMs: number;
  writeMs: number;
}

/** From 1 ms to ~30 s: a tiny etl_meta file to a 100k-row table on a slow object store. */
const BUCKETS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30];

/** Registers the two histograms; returns the function to call for every durable file. */
export function registerFileTimings(registry: Registry): (file: FileTimings) => void {
  const histogram = (name: string, help: string) =>
    new Histogram({
      name: `${PREFIX}${name}`,
      help,
      labelNames: ['table'],
      buckets: BUCKETS,
      registers: [registry],
    });
  const encode = histogram(
    'file_encode_seconds',
    'Time to encode one Parquet file on the ETL thread, per table.',
  );
  const write = histogram(
    'file_write_seconds',
    'Time to make one Parquet file durable (local fsync + rename, or the object-store upload), per table.',
  );
  return (file) => {
    encode.observe({ table: file.table }, file.encodeMs / 1000);
    write.observe({ table: file.table }, file.writeMs / 1000);
  };
}
