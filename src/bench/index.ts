/** `heroflow bench`: OMB-style broker runs with a delivery oracle, and the report they make. */
export { type BenchHooks, type BenchReport, type BrokerReport, plannedRuns, runBench } from './bench.js';
export { killOwnChildren } from './children.js';
export { readReport, replaceSection, updateDocs } from './docs-table.js';
export { checkDelivery, type OracleVerdict } from './oracle.js';
export { type OutputFile, readOutputRows } from './output-rows.js';
export { REPORT_FILES, writeReport } from './report.js';
export type { RunResult, RunSpec } from './run.js';
export { brokerTable } from './summary.js';
export { DEFAULT_WORKLOAD, loadWorkload, parseWorkload, type Workload } from './workload.js';
