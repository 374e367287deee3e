/**
 * `nats://[user:pass@|token@]host:4222[?stream=HEROFLOW&prefix=heroflow&ackWaitMs=30000&maxAckPending=20000&maxAgeMs=0]`.
 * One stream holds every topic: subject `<prefix>.<topic>` (topic dots become subject tokens).
 */
import { HeroflowError } from '../../errors.js';
import { redactUrl } from '../util/redact-url.js';

export interface NatsSettings {
  servers: string;
  user?: string;
  pass?: string;
  token?: string;
  stream: string;
  prefix: string;
  /** Unacked messages come back after this long (a crashed member's batch). */
  ackWaitMs: number;
  /** Unacked messages the server hands out per group: the back-pressure bound. */
  maxAckPending: number;
  /** Stream retention by age; 0 keeps everything (limits-based stream). */
  maxAgeMs: number;
}

function int(u: URL, name: string, fallback: number, min: number, url: string): number {
  const text = u.searchParams.get(name);
  const n = text === null ? fallback : Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)}: ${name} must be an integer ≥ ${min}.`,
    );
  }
  return n;
}

export function parseNatsUrl(url: string): NatsSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new HeroflowError('HF_BROKER_URL', `Broker URL ${redactUrl(url)} is malformed.`, { cause });
  }
  const stream = u.searchParams.get('stream') ?? 'HEROFLOW';
  const prefix = u.searchParams.get('prefix') ?? 'heroflow';
  if (
    u.protocol !== 'nats:' ||
    !u.hostname ||
    !/^[A-Za-z0-9_-]+$/.test(stream) ||
    !/^[^\s*>]+$/.test(prefix)
  ) {
    throw new HeroflowError(
      'HF_BROKER_URL',
      `Broker URL ${redactUrl(url)} is not nats://host:port[?stream=NAME&prefix=subject.prefix] (--broker / HEROFLOW_BROKER).`,
    );
  }
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  return {
    servers: `${u.hostname}:${u.port || '4222'}`,
    ...(user && pass ? { user, pass } : user ? { token: user } : {}),
    stream,
    prefix,
    ackWaitMs: int(u, 'ackWaitMs', 30_000, 100, url),
    // Large on purpose: the worker acks once per durable file, so this bounds throughput (≈ it / roll age).
    maxAckPending: int(u, 'maxAckPending', 20_000, 1, url),
    maxAgeMs: int(u, 'maxAgeMs', 0, 0, url),
  };
}
