/**
 * The etl part's face: the worker runtime uses ParquetSink and the settings name the codecs and engines.
 * The encoder itself (parquet.ts, table-builder.ts, arrow-schemas.ts) loads apache-arrow and parquet-wasm:
 * only the ETL thread, tests and the bench import it, by its own modules, so a process that runs the sink
 * loads neither (docs/performance.md, "What a worker costs to start").
 */
export { COMPRESSIONS, type Compression, DEFAULT_COMPRESSION } from './compression.js';
export { checkEtlEngine, describeEtlEngine, type EtlEngine, fixMallocThresholds } from './native-engine.js';
export {
  describeRejection,
  isRejection,
  messageId,
  parseRecord,
  type RecordValues,
  type Rejection,
} from './record.js';
export { TABLES, type TableName, type TableSpec } from './schemas.js';
export type { DeliveryRun, WrittenFile } from './segment.js';
export {
  type LogLevel,
  ParquetSink,
  type ParquetSinkOptions,
  type RollPolicy,
  type SinkStats,
} from './sink.js';
