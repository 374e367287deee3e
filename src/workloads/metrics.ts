/**
 * Prometheus metrics of the pool and of every workload, read from their counters at scrape time:
 *   heroflow_workload_pool_tasks{state="running|queued|offered"}   the global pool now
 *   heroflow_workload_pool_rejected_total                          submits refused by a full queue
 *   heroflow_workload_in_flight{workload}                          held messages (≤ processingParallelism)
 *   heroflow_workload_tasks_total{workload,result="succeeded|failed|rejected"}
 *   heroflow_workload_settled_total{workload,kind="ack|nack"}
 *   heroflow_workload_key_lanes{workload}                          keys with a message in flight
 * Workload names are label values: they are few and chosen by the operator, not ids.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { PREFIX } from '../metrics/registry.js';
import type { WorkloadManager } from './manager.js';
import type { PermitPool } from './permit-pool.js';

export function registerWorkloadMetrics(
  registry: Registry,
  pool: PermitPool,
  manager: WorkloadManager,
): void {
  new Gauge({
    name: `${PREFIX}workload_pool_tasks`,
    help: 'Tasks in the global permit pool by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const c = pool.counters();
      this.set({ state: 'running' }, c.running);
      this.set({ state: 'queued' }, c.queued);
      this.set({ state: 'offered' }, c.offered);
    },
  });
  new Counter({
    name: `${PREFIX}workload_pool_rejected_total`,
    help: 'Submits refused because the global queue and its waiting offers were full',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(pool.counters().rejected);
    },
  });
  new Gauge({
    name: `${PREFIX}workload_in_flight`,
    help: 'Messages a workload holds (taken, not yet acked or nacked)',
    labelNames: ['workload'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of manager.list()) this.set({ workload: s.name }, s.held);
    },
  });
  new Gauge({
    name: `${PREFIX}workload_key_lanes`,
    help: 'Keys with a message in flight (ordered workloads)',
    labelNames: ['workload'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of manager.list()) this.set({ workload: s.name }, s.keyLanes);
    },
  });
  new Counter({
    name: `${PREFIX}workload_tasks_total`,
    help: 'Tasks of a workload by result (since the workload started)',
    labelNames: ['workload', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of manager.list()) {
        this.inc({ workload: s.name, result: 'succeeded' }, s.succeeded);
        this.inc({ workload: s.name, result: 'failed' }, s.failed);
        this.inc({ workload: s.name, result: 'rejected' }, s.rejected);
      }
    },
  });
  new Counter({
    name: `${PREFIX}workload_settled_total`,
    help: 'Acks and nacks of a workload (since the workload started)',
    labelNames: ['workload', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of manager.list()) {
        this.inc({ workload: s.name, kind: 'ack' }, s.acked);
        this.inc({ workload: s.name, kind: 'nack' }, s.nacked);
      }
    },
  });
}
