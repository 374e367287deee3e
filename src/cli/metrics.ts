/**
 * Opt-in /metrics for long-running commands: nothing runs, and prom-client is not even loaded, unless
 * --metrics-port was given.
 */
import type { Registry } from 'prom-client';
import type { MetricsServer } from '../metrics/index.js';

export async function maybeServeMetrics(
  port: number | undefined,
  host: string,
  register: (registry: Registry) => void | Promise<void>,
): Promise<MetricsServer | undefined> {
  if (port === undefined) return undefined;
  const { createRegistry, serveMetrics } = await import('../metrics/index.js');
  const registry = createRegistry();
  await register(registry);
  const server = await serveMetrics(registry, { host, port });
  console.error(`metrics on ${server.url}`);
  return server;
}
