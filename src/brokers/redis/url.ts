/**
 * Redis broker URLs, shared by the three Redis adapters:
 *
 *   redis://[user:pass@]host:6379/0[?prefix=redis.&envelope=heroflow|upstream]           Pub/Sub
 *   redis+fanout://[user:pass@]host:6379/0[?prefix=…&envelope=…]                        Pub/Sub via narrowcast
 *   redis+streams://[user:pass@]host:6379/0[?prefix=…&maxlen=1000000&claimIdleMs=30000]  Streams, consumer groups
 *
 * TLS: `rediss://…` or `?tls=true` on any of them, with the common TLS parameters (util/tls.ts). A user
 * name is a Redis 6 ACL user; a password alone authenticates the `default` user.
 *
 * `prefix` is prepended to every topic to form the channel / stream key, so `?prefix=redis.` gives the
 * seed's `redis.lib.server.lobby` while deliveries still carry the topic `lib.server.lobby`.
 */
import { redactUrl } from '../util/redact-url.js';
import { parseTls, TLS_PARAMS, type TlsSettings } from '../util/tls.js';
import {
  badBrokerUrl,
  checkParams,
  choiceParam,
  credentials,
  intParam,
  parseBrokerUrl,
} from '../util/url-params.js';

export type RedisKind = 'pubsub' | 'fanout' | 'streams';

export interface RedisConfig {
  kind: RedisKind;
  /** The URL given, credentials redacted. */
  url: string;
  host: string;
  port: number;
  db: number;
  /** ACL user (Redis 6+); absent: the `default` user. */
  username?: string;
  password?: string;
  tls?: TlsSettings;
  prefix: string;
  /** Pub/Sub wire format: heroflow's envelope (key, headers, id) or upstream's double-encoded JSON only. */
  envelope: 'heroflow' | 'upstream';
  /** Streams: approximate length bound of each stream (XADD MAXLEN ~). */
  maxlen: number;
  /** Streams: a pending entry idle this long belongs to a dead consumer and is reclaimed. */
  claimIdleMs: number;
}

const PARAMS: Record<RedisKind, readonly string[]> = {
  pubsub: ['prefix', 'envelope', ...TLS_PARAMS],
  fanout: ['prefix', 'envelope', ...TLS_PARAMS],
  streams: ['prefix', 'maxlen', 'claimIdleMs', ...TLS_PARAMS],
};

const KINDS: Record<string, RedisKind> = {
  redis: 'pubsub',
  rediss: 'pubsub',
  'redis+fanout': 'fanout',
  'redis+streams': 'streams',
};

/** SELECT takes a 32-bit index; the server's `databases` setting (16 by default) is checked on connect. */
const MAX_DB = 2 ** 31 - 1;

export function parseRedisUrl(url: string): RedisConfig {
  const parsed = parseBrokerUrl(url);
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  const kind = KINDS[scheme];
  if (!kind || !parsed.hostname) {
    throw badBrokerUrl(
      url,
      'is not a redis://, rediss://, redis+fanout:// or redis+streams:// URL with a host',
    );
  }
  const dbText = /^\/?(\d*)\/?$/.exec(parsed.pathname)?.[1];
  if (dbText === undefined) throw badBrokerUrl(url, 'has a path that is not a database number');
  const db = dbText === '' ? 0 : Number(dbText);
  if (db > MAX_DB) throw badBrokerUrl(url, `has database ${dbText}; a database number is 0 to ${MAX_DB}`);
  checkParams(parsed, PARAMS[kind], url);
  const { user, password } = credentials(parsed);
  if (user && !password) {
    throw badBrokerUrl(
      url,
      `names the user '${user}' without a password; add :password or set HEROFLOW_BROKER_PASSWORD`,
    );
  }
  const tls = parseTls(parsed, url, scheme === 'rediss');
  return {
    kind,
    url: redactUrl(url),
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number(parsed.port || 6379),
    db,
    ...(user ? { username: user } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls } : {}),
    prefix: parsed.searchParams.get('prefix') ?? '',
    envelope: choiceParam(parsed, 'envelope', ['heroflow', 'upstream'] as const, 'heroflow', url),
    maxlen: intParam(parsed, 'maxlen', 1_000_000, 1, Number.MAX_SAFE_INTEGER, url),
    claimIdleMs: intParam(parsed, 'claimIdleMs', 30_000, 1, Number.MAX_SAFE_INTEGER, url),
  };
}
