/**
 * `pulsar+ws://host:8080[?tenant=public&namespace=default&subscription=Shared&receiverQueueSize=1000&nackDelayMs=100]`:
 * Pulsar through the WebSocket API its broker serves on the web service port (8080), next to the admin
 * REST API the adapter also uses (topics, subscriptions). `pulsar://host:6650`, the binary protocol, is
 * refused with a message that says which URL to use: heroflow does not speak it (docs/pulsar.md, "Clients").
 */
import { badBrokerUrl, checkParams, choiceParam, intParam, parseBrokerUrl } from '../util/url-params.js';

/** Pulsar's subscription types, spelled as its API spells them. */
export const SUBSCRIPTION_TYPES = ['Shared', 'Key_Shared', 'Failover', 'Exclusive'] as const;
export type SubscriptionType = (typeof SUBSCRIPTION_TYPES)[number];

export interface PulsarSettings {
  /** `http://host:port`: admin REST base; the WebSocket API is the same origin with ws:. */
  http: string;
  ws: string;
  host: string;
  port: number;
  tenant: string;
  namespace: string;
  /** Type of a group's subscription (subscribe mode `shared`). */
  subscription: SubscriptionType;
  /**
   * Messages the broker's WebSocket service hands a consumer before some are acked (its own cap is 1000):
   * the subscription's window per topic.
   */
  receiverQueueSize: number;
  /** The consumer's negativeAckRedeliveryDelay: how long after a nack Pulsar redelivers. */
  nackDelayMs: number;
}

const PARAMS = ['tenant', 'namespace', 'subscription', 'receiverQueueSize', 'nackDelayMs'];
/** Pulsar's tenant and namespace names: letters, digits, `-`, `_`, `=`, `:`, `.`. */
const NAME = /^[A-Za-z0-9_=:.-]+$/;

export function parsePulsarUrl(url: string): PulsarSettings {
  const u = parseBrokerUrl(url);
  if (u.protocol === 'pulsar:' || u.protocol === 'pulsar+ssl:') {
    throw badBrokerUrl(
      url,
      "uses Pulsar's binary protocol, which heroflow does not speak; give the broker's web service " +
        'port with pulsar+ws://host:8080 (the WebSocket API, docs/pulsar.md)',
    );
  }
  if (u.protocol !== 'pulsar+ws:' || !u.hostname || (u.pathname !== '' && u.pathname !== '/')) {
    throw badBrokerUrl(url, 'is not pulsar+ws://host:port[?tenant=public&namespace=default]');
  }
  checkParams(u, PARAMS, url);
  const tenant = u.searchParams.get('tenant') ?? 'public';
  const namespace = u.searchParams.get('namespace') ?? 'default';
  for (const [name, value] of [
    ['tenant', tenant],
    ['namespace', namespace],
  ] as const) {
    if (!NAME.test(value)) {
      throw badBrokerUrl(url, `has ${name}=${value}; use letters, digits and - _ = : . only`);
    }
  }
  const port = Number(u.port || 8080);
  const origin = `${u.hostname}:${port}`;
  return {
    http: `http://${origin}`,
    ws: `ws://${origin}`,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    tenant,
    namespace,
    subscription: choiceParam(u, 'subscription', SUBSCRIPTION_TYPES, 'Shared', url),
    receiverQueueSize: intParam(u, 'receiverQueueSize', 1000, 1, 1000, url),
    nackDelayMs: intParam(u, 'nackDelayMs', 100, 1, 3_600_000, url),
  };
}
