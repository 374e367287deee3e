/**
 * `kafka://[user:pass@]host:9092[,host2:9092…][?tls=true&ca=…&cert=…&key=…|pfx=…&passphrase=…&sasl=…]`
 * → what kafkajs wants: the seed broker list, `ssl` (util/tls.ts parameters; PKCS#12 keystores such as
 * seed 003's kafka.keystore.pkcs12 go to tls.connect as `pfx`) and `sasl` (PLAIN, SCRAM-SHA-256,
 * SCRAM-SHA-512; a user in the URL without `sasl=` means scram-sha-512).
 */
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { HeroflowError } from '../../errors.js';
import { redactUrl } from '../util/redact-url.js';
import { parseTls, TLS_PARAMS } from '../util/tls.js';
import { badBrokerUrl, checkParams, choiceParam, credentials } from '../util/url-params.js';

export interface KafkaSettings {
  brokers: string[];
  /** What kafkajs' client takes besides the brokers: TLS and SASL. */
  security: Pick<KafkaConfig, 'ssl' | 'sasl'>;
}

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

export function parseKafkaSettings(url: string): KafkaSettings {
  const m = /^kafka:\/\/(?:([^@/?#]*)@)?([^/?#@]+)\/?(?:\?([^#]*))?$/i.exec(url.trim());
  const hosts = m ? m[2].split(',').map((h) => h.trim()) : [];
  if (
    !m ||
    hosts.length === 0 ||
    hosts.some((h) => !/^[^\s:]+:\d{1,5}$/.test(h) && !/^\[[^\]]+\]:\d{1,5}$/.test(h))
  ) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)} is not kafka://[user:pass@]host:port[,host:port…][?tls=true&sasl=…] (--broker / HEROFLOW_BROKER).`,
    );
  }
  // The host list is not one URL; user info and parameters parse against the first host.
  const u = new URL(`kafka://${m[1] ? `${m[1]}@` : ''}${hosts[0]}${m[3] ? `?${m[3]}` : ''}`);
  checkParams(u, ['sasl', ...TLS_PARAMS], url);
  const ssl = parseTls(u, url, false);
  const { user, password } = credentials(u);
  const wanted = u.searchParams.has('sasl');
  if (wanted && !user) throw badBrokerUrl(url, 'has sasl= without user:pass@');
  if (user && !password) {
    throw badBrokerUrl(
      url,
      `names the user '${user}' without a password; add :password or set HEROFLOW_BROKER_PASSWORD`,
    );
  }
  const mechanism = choiceParam(u, 'sasl', MECHANISMS, 'scram-sha-512', url);
  return {
    brokers: hosts,
    security: {
      ...(ssl ? { ssl } : {}),
      ...(user ? { sasl: { mechanism, username: user, password } as SASLOptions } : {}),
    },
  };
}

/** The seed broker list alone. */
export function parseKafkaUrl(url: string): string[] {
  return parseKafkaSettings(url).brokers;
}
