/**
 * `amqp[s]://user:pass@host:5672[/vhost][?prefetch=20000&queueGroup=superhero_sim&heartbeat=10]`.
 * heroflow's own parameters and the TLS ones (util/tls.ts: `amqps://` or `?tls=true`, ca, cert/key or
 * pfx, passphrase, servername) are taken out; amqplib's (heartbeat, frameMax, channelMax, locale) stay in
 * the URL it gets. Anything else is an error.
 */
import { parseTls, TLS_PARAMS, type TlsSettings } from '../util/tls.js';
import { badBrokerUrl, checkParams, intParam, parseBrokerUrl } from '../util/url-params.js';

export interface AmqpSettings {
  /** URL for amqplib, without heroflow's parameters (amqps: when TLS is on). */
  connectUrl: string;
  host: string;
  port: number;
  /** TLS socket options for amqplib; absent for plaintext. */
  tls?: TlsSettings;
  /** Unacked deliveries per consumer (basic.qos): the adapter's prefetch and back-pressure bound. */
  prefetch: number;
  /** The group that consumes upstream's queue `task_<topic>`; other groups get `task_<topic>@<group>`. */
  queueGroup: string;
}

/** Upstream's Kafka group name (py-superhero-pubsub); its workers are heroflow's default group too. */
export const DEFAULT_QUEUE_GROUP = 'superhero_sim';
// The worker acks only when a file is durable (rows, bytes or --roll-age): unacked messages pile up for a whole
// roll, so the prefetch bounds throughput at about prefetch / roll age per topic. 500 capped a demo at 100/s.
export const DEFAULT_PREFETCH = 20_000;

/** Parameters amqplib reads from the URL itself. */
const AMQPLIB_PARAMS = ['heartbeat', 'frameMax', 'channelMax', 'locale'];
const OWN_PARAMS = ['prefetch', 'queueGroup'];

export function parseAmqpUrl(url: string): AmqpSettings {
  const u = parseBrokerUrl(url);
  if (!/^amqps?:$/.test(u.protocol) || !u.hostname) {
    throw badBrokerUrl(url, 'is not amqp://user:pass@host:port[/vhost] (or amqps://)');
  }
  checkParams(u, [...OWN_PARAMS, ...AMQPLIB_PARAMS, ...TLS_PARAMS], url);
  const prefetch = intParam(u, 'prefetch', DEFAULT_PREFETCH, 1, 65535, url);
  intParam(u, 'heartbeat', 10, 0, 65535, url);
  intParam(u, 'frameMax', 0, 0, 0xffffffff, url);
  intParam(u, 'channelMax', 0, 0, 65535, url);
  const queueGroup = u.searchParams.get('queueGroup') ?? DEFAULT_QUEUE_GROUP;
  const tls = parseTls(u, url, u.protocol === 'amqps:');
  for (const name of [...OWN_PARAMS, ...TLS_PARAMS]) u.searchParams.delete(name);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '10');
  // amqplib picks TLS by the scheme: ?tls=true on amqp:// becomes amqps:// (default port 5671 then).
  const port = Number(u.port || (tls ? 5671 : 5672));
  return {
    connectUrl: `${tls ? 'amqps:' : 'amqp:'}${u.href.slice(u.protocol.length)}`,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    ...(tls ? { tls } : {}),
    prefetch,
    queueGroup,
  };
}
