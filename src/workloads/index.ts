/** The workload manager (seed 004): the part's face for the CLI, the worker and users' own processors. */
export { type DiscoverySource, StaticDiscovery } from './discovery.js';
export { FileDiscovery, readWorkloadsFile } from './discovery-file.js';
export { RestDiscovery } from './discovery-rest.js';
export { KeyLanes } from './key-lanes.js';
export { Limiter } from './limiter.js';
export { type ManagerOptions, type ReconcileReport, WorkloadManager } from './manager.js';
export { registerWorkloadMetrics } from './metrics.js';
export {
  PermitPool,
  type PermitPoolOptions,
  type PoolCounters,
  type TaskHandle,
  UPSTREAM_POOL,
} from './permit-pool.js';
export { isLoopback, type RestServer, serveWorkloadsRest } from './rest-server.js';
export {
  type LogFn,
  type Processor,
  type RunnerEvent,
  type TaskContext,
  WorkloadRunner,
  type WorkloadState,
  type WorkloadStats,
} from './runner.js';
export {
  createSeedProcessors,
  encodePayload,
  type SeedProcessors,
  type TestPayload,
} from './seed-processors.js';
export { type ShutdownStep, type StepReport, shutdownInOrder } from './shutdown.js';
export {
  groupOf,
  type ProcessorSettings,
  parseWorkload,
  parseWorkloads,
  sameWorkload,
  type WorkloadInput,
  type WorkloadSpec,
  workloadSpecSchema,
} from './spec.js';
