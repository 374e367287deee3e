/** `kafka://host:9092[,host2:9092]` — Apache Kafka through kafkajs (see docs/kafka.md). */
import type { Broker, BrokerOptions } from '../types.js';
import { redactUrl } from '../util/redact-url.js';
import { KafkaBroker } from './broker.js';
import { parseKafkaUrl } from './url.js';

export { KAFKA_CAPABILITIES, KafkaBroker } from './broker.js';

export async function open(url: string, options: BrokerOptions = {}): Promise<Broker> {
  const broker = new KafkaBroker(redactUrl(url), parseKafkaUrl(url), options);
  await broker.connect();
  return broker;
}
