/**
 * Workloads requested over HTTP (served by rest-server.ts): a named set that POST and DELETE change. Each
 * change asks the manager for a poll at once, so a POST starts its workload without waiting for the
 * next tick. Kept in memory: a restarted process starts with none (the workloads file is the durable way).
 */
import type { DiscoverySource } from './discovery.js';
import type { WorkloadSpec } from './spec.js';

export class RestDiscovery implements DiscoverySource {
  readonly name = 'rest';
  readonly #workloads = new Map<string, WorkloadSpec>();
  readonly #listeners: Array<() => void> = [];

  async requested(): Promise<WorkloadSpec[]> {
    return [...this.#workloads.values()];
  }

  get(name: string): WorkloadSpec | undefined {
    return this.#workloads.get(name);
  }

  all(): WorkloadSpec[] {
    return [...this.#workloads.values()];
  }

  /** Returns true when the name was new. */
  put(spec: WorkloadSpec): boolean {
    const fresh = !this.#workloads.has(spec.name);
    this.#workloads.set(spec.name, spec);
    this.#changed();
    return fresh;
  }

  delete(name: string): boolean {
    const had = this.#workloads.delete(name);
    if (had) this.#changed();
    return had;
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
