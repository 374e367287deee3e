/** `mqtt://host:1883` — MQTT 5 (Mosquitto 2) through mqtt.js (see docs/brokers-queues.md). */
import type { Broker, BrokerOptions } from '../types.js';
import { redactUrl } from '../util/redact-url.js';
import { MqttBroker } from './broker.js';
import { parseMqttUrl } from './url.js';

export { MQTT_CAPABILITIES, MqttBroker } from './broker.js';

export async function open(url: string, options: BrokerOptions = {}): Promise<Broker> {
  const broker = new MqttBroker(redactUrl(url), parseMqttUrl(url), options);
  await broker.connect();
  return broker;
}
