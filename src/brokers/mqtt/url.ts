/**
 * `mqtt[s]://[user:pass@]host:1883[?receiveMaximum=20000&sessionExpiry=86400]`. heroflow's parameters and
 * the TLS ones (util/tls.ts: `mqtts://` or `?tls=true`, ca, cert/key or pfx, passphrase, servername) are
 * taken out of the URL; mqtt.js gets host, port and credentials, and the TLS settings as client options.
 */
import { parseTls, TLS_PARAMS, type TlsSettings } from '../util/tls.js';
import { badBrokerUrl, checkParams, intParam, parseBrokerUrl } from '../util/url-params.js';

export interface MqttSettings {
  /** URL for mqtt.js, without heroflow's parameters (mqtts: when TLS is on). */
  connectUrl: string;
  host: string;
  port: number;
  /** TLS options for mqtt.js (passed to tls.connect); absent for plaintext. */
  tls?: TlsSettings;
  /** MQTT 5 Receive Maximum: unacked QoS 1 messages the broker may send one consumer (the prefetch). */
  receiveMaximum: number;
  /** Seconds a consumer's session (subscription + queued and unacked messages) outlives its connection. */
  sessionExpiry: number;
}

export function parseMqttUrl(url: string): MqttSettings {
  const u = parseBrokerUrl(url);
  if (!/^mqtts?:$/.test(u.protocol) || !u.hostname) {
    throw badBrokerUrl(url, 'is not mqtt://[user:pass@]host:port (or mqtts://)');
  }
  checkParams(u, ['receiveMaximum', 'sessionExpiry', ...TLS_PARAMS], url);
  const settings = {
    // Large on purpose: the worker pubacks once per durable file, so this bounds throughput (≈ it / roll age).
    receiveMaximum: intParam(u, 'receiveMaximum', 20_000, 1, 65535, url),
    sessionExpiry: intParam(u, 'sessionExpiry', 86_400, 0, 0xffffffff, url),
  };
  const tls = parseTls(u, url, u.protocol === 'mqtts:');
  u.search = '';
  const port = Number(u.port || (tls ? 8883 : 1883));
  return {
    connectUrl: `${tls ? 'mqtts:' : 'mqtt:'}${u.href.slice(u.protocol.length)}`,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    ...(tls ? { tls } : {}),
    ...settings,
  };
}
