/**
 * `amqp://user:pass@host:5672[/vhost][?prefetch=500&queueGroup=superhero_sim&heartbeat=10]`.
 * heroflow's own parameters are taken out; the rest (heartbeat, frameMax, vhost) goes to amqplib as is.
 */
import { HeroflowError } from '../../errors.js';
import { redactUrl } from '../util/redact-url.js';

export interface AmqpSettings {
  /** URL for amqplib, without heroflow's parameters. */
  connectUrl: string;
  /** Unacked deliveries per consumer (basic.qos): the adapter's prefetch and back-pressure bound. */
  prefetch: number;
  /** The group that consumes upstream's queue `task_<topic>`; other groups get `task_<topic>@<group>`. */
  queueGroup: string;
}

/** Upstream's Kafka group name (py-superhero-pubsub); its workers are heroflow's default group too. */
export const DEFAULT_QUEUE_GROUP = 'superhero_sim';
// The worker acks only when a file is durable (rows, bytes or --roll-age): unacked messages pile up for a whole
// roll, so the prefetch bounds throughput at about prefetch / roll age per topic. 500 capped a demo at 100/s.
export const DEFAULT_PREFETCH = 20_000;

export function parseAmqpUrl(url: string): AmqpSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new HeroflowError('HF_BROKER_URL', `Broker URL ${redactUrl(url)} is malformed.`, { cause });
  }
  if (!/^amqps?:$/.test(u.protocol) || !u.hostname) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)} is not amqp://user:pass@host:port[/vhost] (--broker / HEROFLOW_BROKER).`,
    );
  }
  const prefetchText = u.searchParams.get('prefetch');
  const prefetch = prefetchText === null ? DEFAULT_PREFETCH : Number(prefetchText);
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)}: prefetch must be an integer from 1 to 65535, got '${prefetchText}'.`,
    );
  }
  const queueGroup = u.searchParams.get('queueGroup') ?? DEFAULT_QUEUE_GROUP;
  u.searchParams.delete('prefetch');
  u.searchParams.delete('queueGroup');
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '10');
  return { connectUrl: u.toString(), prefetch, queueGroup };
}
