/**
 * Runners that assemble the parts for a job (the demo, a worker process), so that the CLI, the bench,
 * the dashboard and tests call the same code; the CLI only turns settings into a runner and a summary.
 */
export { type ConsumptionWatch, waitForConsumption } from './consumption.js';
export { type DemoOptions, type DemoResult, DemoRun } from './demo-run.js';
export { brokerSimulatorLogger, loggerModuleFor, openSimulatorLogger } from './simulator-logger.js';
export { WorkerRun, type WorkerRunOptions, type WorkerRunResult } from './worker-run.js';
