/** `kafka://host:9092[,host2:9092]` → the seed broker list kafkajs wants. */
import { HeroflowError } from '../../errors.js';
import { redactUrl } from '../util/redact-url.js';

export function parseKafkaUrl(url: string): string[] {
  const m = /^kafka:\/\/([^/?#]+)\/?$/i.exec(url.trim());
  const hosts = m ? m[1].split(',').map((h) => h.trim()) : [];
  if (
    hosts.length === 0 ||
    hosts.some((h) => !/^[^\s:]+:\d{1,5}$/.test(h) && !/^\[[^\]]+\]:\d{1,5}$/.test(h))
  ) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)} is not kafka://host:port[,host:port…] (--broker / HEROFLOW_BROKER).`,
    );
  }
  return hosts;
}
