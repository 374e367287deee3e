/** Opt-in /metrics for long-running commands: nothing runs unless --metrics-port was given. */
import type { Registry } from 'prom-client';
import { createRegistry, type MetricsServer, serveMetrics } from '../metrics/index.js';

export async function maybeServeMetrics(
  port: number | undefined,
  host: string,
  register: (registry: Registry) => void,
): Promise<MetricsServer | undefined> {
  if (port === undefined) return undefined;
  const registry = createRegistry();
  register(registry);
  const server = await serveMetrics(registry, { host, port });
  console.error(`metrics on ${server.url}`);
  return server;
}
