export { BatchLimit, runTriggeredBatches, type TriggeredBatchOptions } from './batch-trigger.js';
export {
  DLQ_SUFFIX,
  DLQ_TRUNCATED_SIZES,
  deadLetterMessage,
  HEADER_DLQ_ORIGINAL_SIZE,
  HEADER_DLQ_POSITION,
  HEADER_DLQ_REASON,
  HEADER_DLQ_SHA256,
  truncatedDeadLetterMessage,
} from './dead-letter.js';
export { mergeWorkerStats } from './stats.js';
export { type LogFn, Worker, type WorkerOptions, type WorkerStats } from './worker.js';
