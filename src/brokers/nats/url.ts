/**
 * `nats://[user:pass@|token@]host:4222[?stream=HEROFLOW&prefix=heroflow&ackWaitMs=30000&maxAckPending=20000&maxAgeMs=0]`.
 * One stream holds every topic: subject `<prefix>.<topic>` (topic dots become subject tokens).
 *
 * Authentication: user:pass@, token@ (a user part alone), `nkey=PATH` (a user NKey seed file, `SU…`) or
 * `creds=PATH` (a `.creds` file: user JWT + seed, for servers in operator mode). TLS: `?tls=true` and the
 * common TLS parameters (util/tls.ts); a server that requires TLS gets it even without them (nats.js
 * upgrades), and then its certificate must be trusted.
 */
import { readFileSync } from 'node:fs';
import { parseTls, TLS_PARAMS, type TlsSettings } from '../util/tls.js';
import { badBrokerUrl, checkParams, credentials, intParam, parseBrokerUrl } from '../util/url-params.js';

export interface NatsSettings {
  servers: string;
  host: string;
  port: number;
  user?: string;
  pass?: string;
  token?: string;
  /** A user NKey seed (nkey=PATH), signed into the CONNECT nonce. */
  nkeySeed?: Uint8Array;
  /** A .creds file's content (creds=PATH): user JWT and seed. */
  creds?: Uint8Array;
  tls?: TlsSettings;
  stream: string;
  prefix: string;
  /** Unacked messages come back after this long (a crashed member's batch). */
  ackWaitMs: number;
  /** Unacked messages the server hands out per group: the back-pressure bound. */
  maxAckPending: number;
  /** Stream retention by age; 0 keeps everything (limits-based stream). */
  maxAgeMs: number;
}

const OWN_PARAMS = ['stream', 'prefix', 'ackWaitMs', 'maxAckPending', 'maxAgeMs', 'nkey', 'creds'];
const MAX = Number.MAX_SAFE_INTEGER;

function readAuthFile(
  u: URL,
  name: 'nkey' | 'creds',
  url: string,
  looksRight: RegExp,
): Uint8Array | undefined {
  const path = u.searchParams.get(name);
  if (path === null) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw badBrokerUrl(url, `has ${name}=${path}, which cannot be read (${(e as Error).message})`);
  }
  if (!looksRight.test(text)) {
    throw badBrokerUrl(
      url,
      name === 'nkey'
        ? `has nkey=${path}, which does not hold a user NKey seed (a line starting SU)`
        : `has creds=${path}, which is not a NATS .creds file (a user JWT and an NKey seed)`,
    );
  }
  return new TextEncoder().encode(name === 'nkey' ? text.trim() : text);
}

export function parseNatsUrl(url: string): NatsSettings {
  const u = parseBrokerUrl(url);
  const stream = u.searchParams.get('stream') ?? 'HEROFLOW';
  const prefix = u.searchParams.get('prefix') ?? 'heroflow';
  if (
    u.protocol !== 'nats:' ||
    !u.hostname ||
    !/^[A-Za-z0-9_-]+$/.test(stream) ||
    !/^[^\s*>]+$/.test(prefix)
  ) {
    throw badBrokerUrl(url, 'is not nats://host:port[?stream=NAME&prefix=subject.prefix]');
  }
  checkParams(u, [...OWN_PARAMS, ...TLS_PARAMS], url);
  const { user, password } = credentials(u);
  const nkeySeed = readAuthFile(u, 'nkey', url, /^\s*SU[A-Z2-7]{50,}\s*$/);
  const creds = readAuthFile(u, 'creds', url, /BEGIN NATS USER JWT[\s\S]*BEGIN USER NKEY SEED/);
  if ([user, nkeySeed, creds].filter(Boolean).length > 1) {
    throw badBrokerUrl(url, 'gives more than one of user:pass@/token@, nkey= and creds=; give one');
  }
  const tls = parseTls(u, url, false);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 4222);
  return {
    servers: `${u.hostname}:${port}`,
    host,
    port,
    ...(user && password ? { user, pass: password } : user ? { token: user } : {}),
    ...(nkeySeed ? { nkeySeed } : {}),
    ...(creds ? { creds } : {}),
    ...(tls ? { tls } : {}),
    stream,
    prefix,
    ackWaitMs: intParam(u, 'ackWaitMs', 30_000, 100, MAX, url),
    // Large on purpose: the worker acks once per durable file, so this bounds throughput (≈ it / roll age).
    maxAckPending: intParam(u, 'maxAckPending', 20_000, 1, MAX, url),
    maxAgeMs: intParam(u, 'maxAgeMs', 0, 0, MAX, url),
  };
}
