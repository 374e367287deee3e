/** Helpers shared by broker adapters. */
export { BatchQueue, type BatchQueueOptions } from './batch-queue.js';
export { murmur2, partitionForKey } from './murmur2.js';
export { CommitTracker, OffsetTracker } from './offset-tracker.js';
export { redactUrl } from './redact-url.js';
export { connectWithRetry, type RetryOptions } from './retry.js';
export { Signal } from './signal.js';
