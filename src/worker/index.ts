export { BatchLimit, runTriggeredBatches, type TriggeredBatchOptions } from './batch-trigger.js';
export { DLQ_SUFFIX, deadLetterMessage, HEADER_DLQ_POSITION, HEADER_DLQ_REASON } from './dead-letter.js';
export { mergeWorkerStats } from './stats.js';
export { type LogFn, Worker, type WorkerOptions, type WorkerStats } from './worker.js';
