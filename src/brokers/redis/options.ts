/**
 * Redis broker URLs and connections shared by the three Redis adapters:
 *
 *   redis://[:pass@]host:6379/0[?prefix=redis.&envelope=heroflow|upstream]           Pub/Sub
 *   redis+fanout://[:pass@]host:6379/0[?prefix=…&envelope=…]                        Pub/Sub via narrowcast
 *   redis+streams://[:pass@]host:6379/0[?prefix=…&maxlen=1000000&claimIdleMs=30000]  Streams, consumer groups
 *
 * `prefix` is prepended to every topic to form the channel / stream key, so `?prefix=redis.` gives the
 * seed's `redis.lib.server.lobby` while deliveries still carry the topic `lib.server.lobby`.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { HeroflowError } from '../../errors.js';
import type { BrokerOptions } from '../types.js';
import { redactUrl } from '../util/redact-url.js';
import { connectWithRetry } from '../util/retry.js';

export type RedisKind = 'pubsub' | 'fanout' | 'streams';

export interface RedisConfig {
  kind: RedisKind;
  /** The URL given, credentials redacted. */
  url: string;
  /** The same server as a plain redis:// URL, for ioredis. */
  redisUrl: string;
  prefix: string;
  /** Pub/Sub wire format: heroflow's envelope (key, headers, id) or upstream's double-encoded JSON only. */
  envelope: 'heroflow' | 'upstream';
  /** Streams: approximate length bound of each stream (XADD MAXLEN ~). */
  maxlen: number;
  /** Streams: a pending entry idle this long belongs to a dead consumer and is reclaimed. */
  claimIdleMs: number;
}

const PARAMS: Record<RedisKind, string[]> = {
  pubsub: ['prefix', 'envelope'],
  fanout: ['prefix', 'envelope'],
  streams: ['prefix', 'maxlen', 'claimIdleMs'],
};

const KINDS: Record<string, RedisKind> = {
  redis: 'pubsub',
  'redis+fanout': 'fanout',
  'redis+streams': 'streams',
};

function bad(url: string, problem: string): HeroflowError {
  return new HeroflowError(
    'HF_BROKER_URL',
    `Broker URL ${redactUrl(url)} ${problem} (--broker / HEROFLOW_BROKER).`,
  );
}

function positiveInt(url: string, name: string, raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw bad(url, `has ${name}=${raw}; it must be a positive integer`);
  return n;
}

export function parseRedisUrl(url: string): RedisConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new HeroflowError('HF_BROKER_URL', `Broker URL ${redactUrl(url)} is malformed.`, { cause });
  }
  const kind = KINDS[parsed.protocol.slice(0, -1).toLowerCase()];
  if (!kind) throw bad(url, 'is not a redis://, redis+fanout:// or redis+streams:// URL');
  if (!/^\/?\d*\/?$/.test(parsed.pathname)) throw bad(url, 'has a path that is not a database number');
  for (const key of parsed.searchParams.keys()) {
    if (!PARAMS[kind].includes(key)) {
      throw bad(url, `has an unknown parameter '${key}'; this scheme accepts ${PARAMS[kind].join(', ')}`);
    }
  }
  const envelope = parsed.searchParams.get('envelope') ?? 'heroflow';
  if (envelope !== 'heroflow' && envelope !== 'upstream') {
    throw bad(url, `has envelope=${envelope}; use heroflow or upstream`);
  }
  const plain = new URL(url);
  plain.search = '';
  const redisUrl = `redis:${plain.href.slice(plain.protocol.length)}`;
  return {
    kind,
    url: redactUrl(url),
    redisUrl,
    prefix: parsed.searchParams.get('prefix') ?? '',
    envelope,
    maxlen: positiveInt(url, 'maxlen', parsed.searchParams.get('maxlen'), 1_000_000),
    claimIdleMs: positiveInt(url, 'claimIdleMs', parsed.searchParams.get('claimIdleMs'), 30_000),
  };
}

/**
 * One line when the connection goes away and one when every connection of the broker is back (ioredis
 * reconnects with the bounded back-off below, re-subscribes Pub/Sub channels and re-sends what was in
 * flight; stream reads resume in the subscription's loop); repeats are swallowed.
 */
export class ConnectionLog {
  readonly #down = new Set<Redis>();

  constructor(
    private readonly url: string,
    private readonly log: BrokerOptions['log'],
  ) {}

  watch(client: Redis, role: string): void {
    client.on('reconnecting', () => {
      if (this.#down.has(client)) return;
      if (this.#down.size === 0) {
        this.log?.('warn', 'redis connection lost, reconnecting', { url: this.url, client: role });
      }
      this.#down.add(client);
    });
    const back = (resumed: boolean) => {
      if (!this.#down.delete(client) || this.#down.size > 0 || !resumed) return;
      this.log?.('info', 'redis reconnected; subscriptions and reads resumed', { url: this.url });
    };
    client.on('ready', () => back(true));
    // A client closed on purpose while Redis was away must not keep the broker "down" forever.
    client.on('end', () => back(false));
  }
}

/** Reconnect back-off: 100 ms doubling to 2 s, for as long as the client lives. */
const backoff = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

/**
 * A connected client within the bounded connect retry (HF_BROKER_UNREACHABLE naming URL and cause).
 * Afterwards ioredis rides out restarts itself; a command waits through ~60 reconnect attempts (≈2 min)
 * before it fails, so a publish survives a Redis restart instead of erroring at once.
 */
export async function connectRedis(
  cfg: RedisConfig,
  options: BrokerOptions,
  role: string,
  connection: ConnectionLog,
  extra: RedisOptions = {},
): Promise<Redis> {
  const client = await connectWithRetry(
    async () => {
      let lastError: unknown;
      const c = new Redis(cfg.redisUrl, {
        lazyConnect: true,
        connectionName: options.clientId ?? 'heroflow',
        retryStrategy: backoff,
        maxRetriesPerRequest: 60,
        ...extra,
      });
      c.on('error', (err) => {
        lastError = err;
      });
      try {
        await c.connect();
        return c;
      } catch (err) {
        c.disconnect();
        // ioredis rejects with "Connection is closed."; the socket error says why (ECONNREFUSED…).
        throw lastError ?? err;
      }
    },
    { url: cfg.url, timeoutMs: options.connectTimeoutMs ?? 10_000, log: options.log },
  );
  connection.watch(client, role);
  return client;
}

export function closedError(what: string): HeroflowError {
  return new HeroflowError('HF_BROKER_CLOSED', `${what} is closed`);
}

/** Consumer names become part of channel names and XREADGROUP arguments: keep them short and printable. */
export function randomConsumerId(): string {
  return `c-${Math.random().toString(36).slice(2, 10)}`;
}
