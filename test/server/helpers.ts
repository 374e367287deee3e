/**
 * A game server on an ephemeral port logging through the real transport into a memory:// broker, a
 * subscription that collects what it published, and the checks that the records match the games played.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openBroker } from '../../src/brokers/index.js';
import type { Broker, Subscription } from '../../src/brokers/types.js';
import {
  ensureHeroes,
  GameServer,
  type GameServerOptions,
  type GameStore,
  openGameStore,
} from '../../src/server/index.js';
import { generateRoster, type HeroSpec } from '../../src/simulator/index.js';
import { createSimulatorLogger, QUEUE_CLIENT, QUEUE_GAME, QUEUE_LOBBY } from '../../src/transport/index.js';

export interface LogRecord {
  topic: string;
  name: string;
  level: string;
  log_message: string;
  /** The envelope's time of logging (fixed-width isoformat, so it sorts as text). */
  timestamp: string;
  task?: unknown;
}

/** Everything published on the upstream topics, in order of arrival. */
export class RecordSink {
  readonly records: LogRecord[] = [];
  private readonly loop: Promise<void>;

  private constructor(private readonly sub: Subscription) {
    this.loop = (async () => {
      for await (const batch of sub) {
        for (const d of batch) {
          const env = JSON.parse(Buffer.from(d.value).toString('utf8')) as Omit<LogRecord, 'topic'>;
          this.records.push({ topic: d.topic, ...env });
        }
        await sub.commit(batch);
      }
    })();
  }

  static async open(broker: Broker): Promise<RecordSink> {
    const sub = broker.subscribe({
      topics: [QUEUE_LOBBY, QUEUE_GAME, QUEUE_CLIENT],
      group: `test-${randomBytes(4).toString('hex')}`,
      from: 'earliest',
    });
    await sub.ready();
    return new RecordSink(sub);
  }

  async close(): Promise<void> {
    await this.sub.close();
    await this.loop.catch(() => {});
  }
}

export interface TestServer {
  server: GameServer;
  store: GameStore;
  url: string;
  /** Stops the server, flushes the logger, closes the store (not the broker). */
  close(): Promise<void>;
}

export async function startServer(options: {
  broker: Broker;
  state?: string;
  serverSleepMs?: number;
  lobbyTimeoutMs?: number;
  expirySeconds?: number;
  limits?: Pick<GameServerOptions, 'maxPayloadBytes' | 'maxConnections' | 'loginsPerSecond'>;
}): Promise<TestServer> {
  const store = await openGameStore(options.state ?? 'memory://');
  await ensureHeroes(store, async () => generateRoster());
  const logger = createSimulatorLogger({ loggerModule: 'memory', broker: options.broker, stdout: false });
  const server = new GameServer({
    store,
    logger,
    host: '127.0.0.1',
    port: 0,
    serverSleepMs: options.serverSleepMs ?? 5,
    lobbyTimeoutMs: options.lobbyTimeoutMs ?? 1000,
    expirySeconds: options.expirySeconds,
    ...options.limits,
  });
  const address = await server.listen();
  return {
    server,
    store,
    url: `ws://127.0.0.1:${address.port}`,
    async close() {
      await server.close();
      await logger.close();
      await store.close();
    },
  };
}

export const memoryBroker = () => openBroker(`memory://server-test-${randomBytes(4).toString('hex')}`);

const parse = <T>(task: unknown): T => (typeof task === 'string' ? JSON.parse(task) : task) as T;

interface StartTask {
  PAYLOAD: { GAME_TOKEN: string; PARTICIPANTS: string[]; PARTICIPANTS_HEROS: Record<string, HeroSpec> };
}
interface AttackTask {
  PAYLOAD: { GAME_TOKEN: string; USER_TOKEN: string };
  STATUS: {
    DETAILS: {
      ENEMY_TOKEN: string;
      ENEMY_DAMAGE: number;
      ENEMY_HEALTH_PRIOR: number;
      ENEMY_HEALTH_POST: number;
    };
  };
}

export interface GameReplay {
  participants: string[];
  attacks: number;
  winner: string;
}

/**
 * Replays every started game from its records and checks the rules: one `Starting Match` per game, each
 * attack by a living player at a living opponent, damage = the attacker's attack, health prior = the
 * enemy's health so far, post = max(prior − damage, 0), the game ends with exactly one survivor, and one
 * `Cleaning Game Records` per participant. Returns the replayed games by token.
 */
export function replayGames(records: LogRecord[]): Map<string, GameReplay> {
  const games = new Map<string, { heroes: Map<string, HeroSpec>; participants: string[]; attacks: number }>();
  for (const r of records.filter((r) => r.log_message === 'Starting Match')) {
    assert.equal(r.topic, QUEUE_LOBBY);
    assert.equal(r.name, 'memory.lib.server.lobby');
    const t = parse<StartTask>(r.task).PAYLOAD;
    assert.ok(!games.has(t.GAME_TOKEN), `Starting Match logged twice for ${t.GAME_TOKEN}`);
    const heroes = new Map(Object.entries(t.PARTICIPANTS_HEROS).map(([u, h]) => [u, { ...h }]));
    assert.deepEqual([...heroes.keys()].sort(), [...t.PARTICIPANTS].sort());
    assert.equal(new Set([...heroes.values()].map((h) => h.id)).size, heroes.size, 'heroes unique per game');
    games.set(t.GAME_TOKEN, { heroes, participants: t.PARTICIPANTS, attacks: 0 });
  }
  // Unkeyed records spread over the game topic's partitions, so arrival order interleaves partitions
  // differently from run to run; a game's attacks are a round trip apart, so their log time orders them.
  const attacks = records
    .filter((r) => r.log_message === 'Attack Completed')
    .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  for (const r of attacks) {
    assert.equal(r.topic, QUEUE_GAME);
    const t = parse<AttackTask>(r.task);
    const game = games.get(t.PAYLOAD.GAME_TOKEN);
    assert.ok(game, `attack in a game that never started: ${t.PAYLOAD.GAME_TOKEN}`);
    const attacker = game.heroes.get(t.PAYLOAD.USER_TOKEN)!;
    const d = t.STATUS.DETAILS;
    const enemy = game.heroes.get(d.ENEMY_TOKEN);
    assert.ok(attacker && attacker.health > 0, 'the attacker is a living participant');
    assert.ok(
      enemy && enemy.health > 0 && d.ENEMY_TOKEN !== t.PAYLOAD.USER_TOKEN,
      'the enemy is a living opponent',
    );
    assert.equal(d.ENEMY_DAMAGE, attacker.attack);
    assert.equal(d.ENEMY_HEALTH_PRIOR, enemy.health);
    assert.equal(d.ENEMY_HEALTH_POST, Math.max(enemy.health - attacker.attack, 0));
    enemy.health = d.ENEMY_HEALTH_POST;
    game.attacks++;
  }
  const cleaned = new Map<string, string[]>();
  for (const r of records.filter((r) => r.log_message === 'Cleaning Game Records')) {
    const t = r.task as { game_token: string; user_token: string };
    cleaned.set(t.game_token, [...(cleaned.get(t.game_token) ?? []), t.user_token]);
  }
  const out = new Map<string, GameReplay>();
  for (const [token, game] of games) {
    const alive = [...game.heroes.values()].filter((h) => h.health > 0);
    assert.equal(alive.length, 1, `game ${token} ends with one survivor`);
    assert.deepEqual(
      (cleaned.get(token) ?? []).sort(),
      [...game.participants].sort(),
      'cleaning per participant',
    );
    out.set(token, { participants: game.participants, attacks: game.attacks, winner: alive[0].token });
  }
  return out;
}

/** Waits until `done()` or the deadline (then the caller's assertions say what is missing). */
export async function waitFor(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
