/**
 * Where the requested set of workloads comes from (seed 004 part 4's `WorkloadDiscoveryService`). The
 * manager asks every source at each poll and runs the union; a source that cannot answer (a workloads
 * file mid-edit, unreadable, invalid) throws, and the manager then keeps what runs rather than stopping it.
 */
import type { WorkloadSpec } from './spec.js';

export interface DiscoverySource {
  /** Shown in logs and in the REST answers ("file examples/workloads/x.yaml", "rest"). */
  readonly name: string;
  /** The workloads this source wants running now. An empty list means: none of mine. */
  requested(): Promise<WorkloadSpec[]>;
  /** Called by the manager so that a source can ask for a poll at once (REST changes). */
  onChange?(listener: () => void): void;
  close?(): Promise<void>;
}

/** A set that code changes (upstream `BasicDiscoveryService.setNewWorkloads`): tests and embedders. */
export class StaticDiscovery implements DiscoverySource {
  readonly name = 'static';
  #workloads: WorkloadSpec[];
  #listeners: Array<() => void> = [];

  constructor(workloads: WorkloadSpec[] = []) {
    this.#workloads = workloads;
  }

  set(workloads: WorkloadSpec[]): void {
    this.#workloads = workloads;
    for (const l of this.#listeners) l();
  }

  async requested(): Promise<WorkloadSpec[]> {
    return this.#workloads;
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }
}
