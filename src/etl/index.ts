/** The etl part's face: the worker runtime uses ParquetSink; the rest is for tests, the bench and tools. */
export { checkEtlEngine, describeEtlEngine, type EtlEngine, fixMallocThresholds } from './native-engine.js';
export { COMPRESSIONS, type Compression, DEFAULT_COMPRESSION, encodeParquet } from './parquet.js';
export {
  describeRejection,
  isRejection,
  messageId,
  parseRecord,
  type RecordValues,
  type Rejection,
} from './record.js';
export { arrowSchema, TABLES, type TableName, type TableSpec } from './schemas.js';
export type { DeliveryRun, WrittenFile } from './segment.js';
export {
  type LogLevel,
  ParquetSink,
  type ParquetSinkOptions,
  type RollPolicy,
  type SinkStats,
} from './sink.js';
export { TableBuilder } from './table-builder.js';
