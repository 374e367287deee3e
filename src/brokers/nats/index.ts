/** `nats://host:4222` — NATS JetStream through @nats-io/jetstream (see docs/brokers-queues.md). */
import type { Broker, BrokerOptions } from '../types.js';
import { redactUrl } from '../util/redact-url.js';
import { NatsBroker } from './broker.js';
import { parseNatsUrl } from './url.js';

export { NATS_CAPABILITIES, NatsBroker, subjectFor } from './broker.js';
export { consumerName } from './subscription.js';

export async function open(url: string, options: BrokerOptions = {}): Promise<Broker> {
  const broker = new NatsBroker(redactUrl(url), parseNatsUrl(url), options);
  await broker.connect();
  return broker;
}
