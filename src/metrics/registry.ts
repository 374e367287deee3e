/**
 * A prom-client registry per process (never the global one, so that tests and several components in one
 * process do not collide), with the process metrics every heroflow command exposes: CPU seconds, resident
 * memory, heap, event-loop lag, under the `heroflow_` prefix.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export const PREFIX = 'heroflow_';

export function createRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  return registry;
}
