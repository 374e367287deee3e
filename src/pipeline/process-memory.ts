/**
 * Two process-wide settings a worker (and the demo) makes when it opens, which keep its peak RSS some
 * 110 MB lower at the same speed (one Kafka worker, 1 M records: 401 → 276–284 MB median, CPU within
 * 3 %; docs/performance.md, session 16):
 *
 * - glibc's mmap and trim thresholds, fixed at their starting values (etl/native-engine.ts): freed
 *   1–2 MiB buffers go back to the system instead of staying in the heap arenas (−70 MB).
 * - V8's old generation grows to 2× what survived its last full collection (`--heap-growing-percent=100`)
 *   instead of V8's own factor, which settled at ~2.7× on the main thread: the messages kafkajs decodes
 *   live long enough to be promoted and die soon after, so most of the old generation at its peak was
 *   garbage (a mid-run heap snapshot: 40 MB live of 100 MB) (−45 MB).
 *
 * Both are process-wide: an embedding program gets them too when it opens a WorkerRun or a DemoRun. A
 * growing percent given on node's command line is left as it is.
 */
import v8 from 'node:v8';
import { fixMallocThresholds } from '../etl/index.js';

const HEAP_GROWING_PERCENT = 100;

export function holdProcessMemory(): void {
  fixMallocThresholds();
  if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent')))
    v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
