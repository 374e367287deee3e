/**
 * URL → broker adapter. Adapters load lazily, so `memory://` never pulls in kafkajs or amqplib.
 * Adding an adapter is one line in ADAPTERS: its module exports `open(url, options): Promise<Broker>`.
 */
import { HeroflowError } from '../errors.js';
import type { Broker, BrokerKind, BrokerOptions } from './types.js';
import { redactUrl } from './util/redact-url.js';

export type OpenBroker = (url: string, options: BrokerOptions) => Promise<Broker>;
type AdapterModule = { open: OpenBroker };

/** Scheme (without ':') → adapter module. */
const ADAPTERS: Record<string, () => Promise<AdapterModule>> = {
  memory: () => import('./memory/index.js'),
  kafka: () => import('./kafka/index.js'),
  redis: () => import('./redis/index.js'),
  'redis+fanout': async () => ({ open: (await import('./redis/index.js')).openFanout }),
  'redis+streams': async () => ({ open: (await import('./redis/index.js')).openStreams }),
  amqp: () => import('./amqp/index.js'),
  nats: () => import('./nats/index.js'),
  mqtt: () => import('./mqtt/index.js'),
  // Pulsar's WebSocket API; `pulsar://` (binary protocol) opens the same module, which says what to use.
  'pulsar+ws': () => import('./pulsar/index.js'),
  pulsar: () => import('./pulsar/index.js'),
  // TLS schemes (docs/security.md): the same adapters with TLS on; `?tls=true` does it on any scheme.
  rediss: () => import('./redis/index.js'),
  amqps: () => import('./amqp/index.js'),
  mqtts: () => import('./mqtt/index.js'),
};

/** Schemes with an adapter, for messages and `--help`. */
export function brokerSchemes(): string[] {
  // `pulsar:` is there only to say which URL to use instead: not a scheme to offer.
  return Object.keys(ADAPTERS)
    .filter((s) => s !== 'pulsar')
    .sort();
}

function urlError(url: string, problem: string, cause?: unknown): HeroflowError {
  return new HeroflowError(
    'HF_BROKER_URL',
    `Broker URL '${redactUrl(url)}' ${problem}. Set --broker / HEROFLOW_BROKER to a URL with one of the ` +
      `schemes ${brokerSchemes()
        .map((s) => `${s}://`)
        .join(', ')} (e.g. memory:// or redis://127.0.0.1:6379/0).`,
    { cause },
  );
}

/** Scheme → the adapter it selects, where the two differ (TLS schemes). */
const KIND_OF_SCHEME: Record<string, BrokerKind> = {
  rediss: 'redis',
  amqps: 'amqp',
  mqtts: 'mqtt',
  'pulsar+ws': 'pulsar',
};

function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim());
  if (!match) throw urlError(url, 'has no scheme');
  const scheme = match[1].toLowerCase();
  if (!Object.hasOwn(ADAPTERS, scheme))
    throw urlError(url, `has the scheme '${scheme}:', which no adapter handles`);
  return scheme;
}

/**
 * The kind of broker a URL opens, without opening it (a process that hands the URL to another part, such
 * as the transport's thread, still needs to know). Throws HF_BROKER_URL like openBroker.
 */
export function brokerKind(url: string): BrokerKind {
  const scheme = schemeOf(url);
  return KIND_OF_SCHEME[scheme] ?? (scheme as BrokerKind);
}

/** Open a broker by URL. Throws HF_BROKER_URL for an unknown scheme or a malformed URL. */
export async function openBroker(url: string, options: BrokerOptions = {}): Promise<Broker> {
  const load = ADAPTERS[schemeOf(url)];
  try {
    // Kafka-style multi-host lists (h1:9092,h2:9092) are not one URL; the first host stands for the syntax.
    new URL(url.trim().split(',')[0]);
  } catch (cause) {
    throw urlError(url, 'is malformed', cause);
  }
  const adapter = await load();
  return adapter.open(url.trim(), options);
}
