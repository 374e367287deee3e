/**
 * Upstream-shaped log records (reference/upstream.md §1.4, §1.8, §2.2) wrapped as Deliveries.
 * Envelopes are serialised the way Python's `json.dumps` does it (", " and ": " separators), since that
 * is what the original handlers put on the wire. Also used by bench/etl.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Delivery } from '../../src/brokers/types.js';

/** `json.dumps` with Python's default separators (ASCII-only input here, so no \u escaping differences). */
export function pyDumps(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v)}`)
    .join(', ')}}`;
}

export interface Hero {
  token: string;
  id: number | null;
  attack: number;
  health: number;
}

/** The START frame logged with `Starting Match` (task is a JSON string). */
export function startFrame(time: string, gameToken: string, heroes: Hero[]) {
  return {
    TIMESTAMP: time,
    PAYLOAD: {
      GAME_TOKEN: gameToken,
      PARTICIPANTS: heroes.map((h) => h.token),
      PARTICIPANTS_HEROS: Object.fromEntries(heroes.map((h) => [h.token, h])),
    },
    STATUS: { GAME: 'START' },
  };
}

/** The task logged with `Attack Completed`. */
export function attackFrame(
  time: string,
  gameToken: string,
  user: string,
  enemy: string,
  damage: number,
  prior: number,
) {
  return {
    TIMESTAMP: time,
    PAYLOAD: { GAME_TOKEN: gameToken, USER_TOKEN: user },
    STATUS: {
      ACTION: 'ATTACK',
      DETAILS: {
        ENEMY_TOKEN: enemy,
        ENEMY_DAMAGE: damage,
        ENEMY_HEALTH_PRIOR: prior,
        ENEMY_HEALTH_POST: Math.max(prior - damage, 0),
      },
    },
  };
}

export function envelope(name: string, logMessage: string, timestamp: string, task?: unknown) {
  const e: Record<string, unknown> = { level: 'INFO', timestamp, name, log_message: logMessage };
  if (task !== undefined) e.task = task;
  return e;
}

/** An upstream `Attack Completed` record (envelope with its task) at a fixed time: `user` hit `e`. */
export function attackRecord(game: string, user: string, damage = 10) {
  return envelope(
    'kafka.lib.server.game',
    'Attack Completed',
    '2023-09-01T12:00:00.000001',
    pyDumps(attackFrame('2023-09-01T12:00:00Z', game, user, 'e', damage, 100)),
  );
}

export interface DeliveryInit {
  topic?: string;
  partition?: number;
  offset?: bigint;
  key?: string;
  headers?: Record<string, string>;
  timestamp?: number;
  id?: string;
}

const encoder = new TextEncoder();

export function delivery(value: string | Uint8Array, init: DeliveryInit = {}): Delivery {
  const topic = init.topic ?? 'lib.server.game';
  const partition = init.partition ?? 0;
  return {
    topic,
    partition,
    offset: init.offset,
    key: init.key,
    headers: init.headers,
    timestamp: init.timestamp ?? Date.UTC(2023, 8, 1, 12, 0, 0),
    id: init.id ?? (init.offset === undefined ? randomUUID() : `${topic}/${partition}@${init.offset}`),
    value: typeof value === 'string' ? encoder.encode(value) : value,
    redelivered: false,
    ack: async () => {},
    nack: async () => {},
  };
}

/** A sequence of offsets on one partition, each value serialised with pyDumps. */
export function deliveries(records: unknown[], init: DeliveryInit & { from?: bigint } = {}): Delivery[] {
  const from = init.from ?? 0n;
  return records.map((r, i) =>
    delivery(typeof r === 'string' ? r : pyDumps(r), { ...init, offset: from + BigInt(i) }),
  );
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `%Y-%m-%dT%H:%M:%SZ` and the envelope's `isoformat()` (µs, no zone). */
export function stamps(ms: number) {
  const d = new Date(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return {
    z: `${base}Z`,
    iso: `${base}.${pad(d.getUTCMilliseconds(), 3)}123`,
    micro: `${base}.${pad(d.getUTCMilliseconds(), 3)}456`,
  };
}

/**
 * Records as the simulator emits them: per game, `Starting Match` once per participant (upstream logs it
 * from every participant's lobby connection), attacks until one hero stands, `Cleaning Game Records` per
 * participant (task as an object), and now and then a `client.__main__` line without a task.
 */
export function* simulatorRecords(seed = 1): Generator<{ topic: string; record: Record<string, unknown> }> {
  let state = seed;
  const rand = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  let clock = Date.UTC(2023, 8, 1, 12, 0, 0);
  for (;;) {
    const game = randomUUID();
    const n = rand() < 0.5 ? 2 : 3;
    const heroes: Hero[] = Array.from({ length: n }, () => ({
      token: randomUUID(),
      id: 1 + Math.floor(rand() * 732),
      attack: 1000 + Math.floor(rand() * 200_000),
      health: 100_000 + Math.floor(rand() * 2_000_000),
    }));
    const t0 = stamps(clock);
    yield { topic: 'client.__main__', record: envelope('kafka.client.__main__', 'Starting Game 1', t0.iso) };
    for (let i = 0; i < n; i++) {
      const task = pyDumps(startFrame(t0.z, game, heroes));
      yield {
        topic: 'lib.server.lobby',
        record: envelope('kafka.lib.server.lobby', 'Starting Match', t0.iso, task),
      };
    }
    const health = heroes.map((h) => h.health);
    let turn = 0;
    while (health.filter((h) => h > 0).length > 1) {
      clock += 250;
      const a = turn % n;
      turn++;
      if (health[a] <= 0) continue;
      let e = (a + 1) % n;
      while (health[e] <= 0) e = (e + 1) % n;
      const prior = health[e];
      health[e] = Math.max(prior - heroes[a].attack, 0);
      const t = stamps(clock);
      const task = pyDumps(attackFrame(t.z, game, heroes[a].token, heroes[e].token, heroes[a].attack, prior));
      yield {
        topic: 'lib.server.game',
        record: envelope('kafka.lib.server.game', 'Attack Completed', t.iso, task),
      };
    }
    const t1 = stamps(clock);
    for (const h of heroes) {
      const task = { game_token: game, user_token: h.token };
      yield {
        topic: 'lib.server.lobby',
        record: envelope('kafka.lib.server.lobby', 'Cleaning Game Records', t1.iso, task),
      };
    }
    clock += 1000;
  }
}
