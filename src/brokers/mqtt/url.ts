/**
 * `mqtt://[user:pass@]host:1883[?receiveMaximum=500&sessionExpiry=86400]`. heroflow's parameters are taken
 * out of the URL; mqtt.js gets host, port and credentials.
 */
import { HeroflowError } from '../../errors.js';
import { redactUrl } from '../util/redact-url.js';

export interface MqttSettings {
  /** URL for mqtt.js, without heroflow's parameters. */
  connectUrl: string;
  /** MQTT 5 Receive Maximum: unacked QoS 1 messages the broker may send one consumer (the prefetch). */
  receiveMaximum: number;
  /** Seconds a consumer's session (subscription + queued and unacked messages) outlives its connection. */
  sessionExpiry: number;
}

function int(u: URL, name: string, fallback: number, min: number, max: number, url: string): number {
  const text = u.searchParams.get(name);
  const n = text === null ? fallback : Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)}: ${name} must be an integer from ${min} to ${max}.`,
    );
  }
  return n;
}

export function parseMqttUrl(url: string): MqttSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new HeroflowError('HF_BROKER_URL', `Broker URL ${redactUrl(url)} is malformed.`, { cause });
  }
  if (!/^mqtts?:$/.test(u.protocol) || !u.hostname) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)} is not mqtt://[user:pass@]host:port (--broker / HEROFLOW_BROKER).`,
    );
  }
  const settings = {
    // Large on purpose: the worker pubacks once per durable file, so this bounds throughput (≈ it / roll age).
    receiveMaximum: int(u, 'receiveMaximum', 20_000, 1, 65535, url),
    sessionExpiry: int(u, 'sessionExpiry', 86_400, 0, 0xffffffff, url),
  };
  u.search = '';
  return { connectUrl: u.toString(), ...settings };
}
