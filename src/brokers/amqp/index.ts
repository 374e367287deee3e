/** `amqp://user:pass@host:5672[/vhost]` — RabbitMQ through amqplib (see docs/brokers-queues.md). */
import type { Broker, BrokerOptions } from '../types.js';
import { redactUrl } from '../util/redact-url.js';
import { AmqpBroker } from './broker.js';
import { parseAmqpUrl } from './url.js';

export { AMQP_CAPABILITIES, AmqpBroker } from './broker.js';
export { exchangeFor, queueFor } from './names.js';

export async function open(url: string, options: BrokerOptions = {}): Promise<Broker> {
  const broker = new AmqpBroker(redactUrl(url), parseAmqpUrl(url), options);
  await broker.connect();
  return broker;
}
