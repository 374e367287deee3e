/**
 * Real servers for tests. URLs come from the environment (scripts/services.sh prints them; the defaults
 * are what it starts). A suite whose server is absent is skipped with a visible reason, unless
 * HEROFLOW_REQUIRE_SERVICES=1 (set by .ci/run), which turns that skip into a failure.
 */
import net from 'node:net';
import { skipIfMissing } from './skip.js';

export const SERVICE_URLS = {
  redis: process.env.HEROFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
  rabbitmq: process.env.HEROFLOW_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  nats: process.env.HEROFLOW_NATS_URL ?? 'nats://127.0.0.1:4222',
  mqtt: process.env.HEROFLOW_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
  kafka: process.env.HEROFLOW_KAFKA_URL ?? 'kafka://127.0.0.1:9092',
  // Not in the default `services.sh up`: `scripts/services.sh up pulsar` (docs/pulsar.md).
  pulsar: process.env.HEROFLOW_PULSAR_URL ?? 'pulsar+ws://127.0.0.1:8080',
  // TLS / authentication servers (docs/security.md); test/security/ adds credentials and certificates.
  'redis-tls': 'rediss://127.0.0.1:6390/0',
  'rabbitmq-tls': 'amqps://127.0.0.1:5671',
  'nats-tls': 'nats://127.0.0.1:4223',
  'nats-token': 'nats://127.0.0.1:4224',
  'mosquitto-tls': 'mqtts://127.0.0.1:8883',
  'kafka-tls': 'kafka://127.0.0.1:9094',
} as const;

export type ServiceName = keyof typeof SERVICE_URLS;

export { servicesRequired } from './skip.js';

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url.split(',')[0]);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port) };
}

function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * `false` when the service answers; otherwise the skip reason for node:test (`{ skip: reason }`).
 * Throws when services are required, so a missing server fails the suite instead of hiding it.
 */
export async function skipUnlessService(name: ServiceName): Promise<false | string> {
  const url = SERVICE_URLS[name];
  const { host, port } = hostPort(url);
  if (await portOpen(host, port)) return false;
  return skipIfMissing(`${name} is not reachable at ${url}; start it with: scripts/services.sh up ${name}`);
}
