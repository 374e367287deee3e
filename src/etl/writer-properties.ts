/**
 * Codec choice and parquet-wasm writer properties, shared by the ETL thread (etl-thread.ts) and the
 * one-shot encoder in parquet.ts.
 */
import {
  EnabledStatistics,
  Compression as PwCompression,
  type WriterProperties,
  WriterPropertiesBuilder,
} from 'parquet-wasm';
import type { Compression } from './compression.js';
import { TABLES } from './schemas.js';

const CODECS: Record<Compression, PwCompression> = {
  zstd: PwCompression.ZSTD,
  snappy: PwCompression.SNAPPY,
  gzip: PwCompression.GZIP,
  lz4: PwCompression.LZ4_RAW,
  brotli: PwCompression.BROTLI,
  none: PwCompression.UNCOMPRESSED,
};

const CREATED_BY = 'heroflow (parquet-wasm 0.8.0)';

/**
 * Text columns written without min/max statistics (column names, over all tables; a name a table does not
 * have is ignored). Their values are random ids, constants or free text: a reader cannot skip a row
 * group by them, and statistics on every column cost about a quarter of the encoder's time, nearly all
 * of it on these. Timestamps, numbers and the game and user tokens keep theirs, for the queries that
 * filter on them. One worker over 2,000,000 Kafka records, 3 alternating pairs: 37.3–39.4 s against 40.7–44.7 s
 * of wall time (docs/performance.md).
 */
const TEXT_WITHOUT_STATISTICS = new Set([
  'etl_id',
  'msg_id',
  'checksum',
  'headers',
  'key',
  'topic',
  'level',
  'name',
  'log_message',
  'action',
  'enemy_token',
]);

/**
 * The columns that keep theirs, by name. Statistics are off by default and turned on for these: a nested
 * column cannot be named the other way round, since parquet-wasm makes a one-part column path of the
 * name it is given (`headers.list.item` matched no column, and `headers` kept its min/max).
 */
const WITH_STATISTICS = [
  ...new Set(
    TABLES.flatMap((t) => t.columns.map((c) => c.name)).filter((n) => !TEXT_WITHOUT_STATISTICS.has(n)),
  ),
];

/**
 * parquet-wasm takes ownership of the properties, so they are built per file.
 *
 * Dictionary encoding off and statistics per column chunk (not per page): on the simulator's records this
 * halves the encoder's CPU and, with ZSTD, makes files 37 % smaller than arrow-rs' defaults (the ids,
 * tokens and times that fill most columns are near-unique, so dictionaries only cost; ZSTD already folds
 * the repeated strings). Readers keep min/max per row group for pruning, except on the text columns
 * above. docs/performance.md has the runs.
 */
export function writerProperties(compression: Compression): WriterProperties {
  let builder = new WriterPropertiesBuilder()
    .setCompression(CODECS[compression])
    .setDictionaryEnabled(false)
    .setStatisticsEnabled(EnabledStatistics.None)
    .setCreatedBy(CREATED_BY);
  for (const name of WITH_STATISTICS)
    builder = builder.setColumnStatisticsEnabled(name, EnabledStatistics.Chunk);
  return builder.build();
}
