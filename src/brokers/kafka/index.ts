/** `kafka://[user:pass@]host:9092[,host2:9092][?tls=true&sasl=…]` — Apache Kafka through kafkajs (docs/kafka.md, docs/security.md). */
import type { Broker, BrokerOptions } from '../types.js';
import { redactUrl } from '../util/redact-url.js';
import { KafkaBroker } from './broker.js';
import { parseKafkaSettings } from './url.js';

export { KAFKA_CAPABILITIES, KafkaBroker } from './broker.js';

export async function open(url: string, options: BrokerOptions = {}): Promise<Broker> {
  const { brokers, security } = parseKafkaSettings(url);
  const broker = new KafkaBroker(redactUrl(url), brokers, options, security);
  await broker.connect();
  return broker;
}
