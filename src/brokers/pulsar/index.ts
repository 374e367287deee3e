/** `pulsar+ws://host:8080` — Apache Pulsar through its WebSocket API (see docs/pulsar.md). */
import type { Broker, BrokerOptions } from '../types.js';
import { redactUrl } from '../util/redact-url.js';
import { PulsarBroker } from './broker.js';
import { parsePulsarUrl } from './url.js';

export { checkTopic, PULSAR_CAPABILITIES, PulsarBroker } from './broker.js';
export { decodeMessageId } from './message-id.js';
export { parsePulsarUrl, SUBSCRIPTION_TYPES, type SubscriptionType } from './url.js';

export async function open(url: string, options: BrokerOptions = {}): Promise<Broker> {
  const broker = new PulsarBroker(redactUrl(url), parsePulsarUrl(url), options);
  await broker.connect();
  return broker;
}
