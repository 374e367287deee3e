/**
 * Connected ioredis clients for the Redis adapters, within the bounded connect retry: HF_BROKER_UNREACHABLE
 * naming URL and cause, HF_BROKER_AUTH / HF_BROKER_TLS at once (util/connect-errors.ts). Afterwards ioredis
 * rides out restarts itself; a command waits through ~60 reconnect attempts (≈2 min) before it fails, so a
 * publish survives a Redis restart instead of erroring at once.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { BrokerOptions } from '../types.js';
import type { ConnectionLog } from '../util/connection-log.js';
import { connectWithRetry } from '../util/retry.js';
import { watchRedisClient } from './connection-log.js';
import { preflight, sniName } from './preflight.js';
import type { RedisConfig } from './url.js';

/** Reconnect back-off: 100 ms doubling to 2 s, for as long as the client lives. */
const backoff = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

/** The preflight's verdict per config: one check per broker, however many clients it opens. */
const checked = new WeakMap<RedisConfig, RedisConfig>();

function clientOptions(cfg: RedisConfig, options: BrokerOptions): RedisOptions {
  return {
    host: cfg.host,
    port: cfg.port,
    db: cfg.db,
    ...(cfg.username ? { username: cfg.username } : {}),
    ...(cfg.password ? { password: cfg.password } : {}),
    ...(cfg.tls ? { tls: { ...cfg.tls, servername: cfg.tls.servername ?? sniName(cfg.host) } } : {}),
    lazyConnect: true,
    connectionName: options.clientId ?? 'heroflow',
    retryStrategy: backoff,
    maxRetriesPerRequest: 60,
  };
}

export async function connectRedis(
  cfg: RedisConfig,
  options: BrokerOptions,
  role: string,
  connection: ConnectionLog,
  extra: RedisOptions = {},
): Promise<Redis> {
  const client = await connectWithRetry(
    async () => {
      let use = checked.get(cfg);
      if (!use) {
        use = await preflight(cfg, options);
        checked.set(cfg, use);
      }
      let lastError: unknown;
      const c = new Redis({ ...clientOptions(use, options), ...extra });
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
    {
      url: cfg.url,
      timeoutMs: options.connectTimeoutMs ?? 10_000,
      log: options.log,
      endpoint: { host: cfg.host, port: cfg.port, tls: !!cfg.tls },
    },
  );
  watchRedisClient(connection, client, role);
  return client;
}
