/**
 * `redis://host:6379/0`: game state in Redis under upstream's keys (upstream.md §1.7), so that several
 * server processes — and upstream's own tools (build_db, the clean worker) — share the same games.
 * Racy steps are Lua scripts (redis-scripts.ts); changes are announced on one Pub/Sub channel that a
 * single subscriber connection per process listens to.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { HeroflowError } from '../../errors.js';
import type { HeroSpec } from '../../simulator/index.js';
import * as lua from './redis-scripts.js';
import type { AttackOutcome, GameStore, GameView, JoinResult, StoredHero } from './types.js';

type ScriptFn = (...args: Array<string | number>) => Promise<unknown>;
const SCRIPTS = {
  hfJoin: lua.JOIN,
  hfView: lua.VIEW,
  hfStart: lua.START,
  hfTimeOut: lua.TIME_OUT,
  hfSetStatus: lua.SET_STATUS,
  hfAttack: lua.ATTACK,
  hfExpireGame: lua.EXPIRE_GAME,
} as const;

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export class RedisGameStore implements GameStore {
  readonly url: string;
  readonly shared = true;
  readonly redis: Redis;
  private subscriber?: Redis;
  private subscribed?: Promise<unknown>;
  private readonly listeners: Array<(game: string) => void> = [];
  private closed = false;

  constructor(url: string) {
    this.url = redact(url);
    this.redis = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 3 });
    // Failures surface through the commands; without a listener ioredis prints every reconnect attempt.
    this.redis.on('error', () => {});
    for (const [name, script] of Object.entries(SCRIPTS)) {
      this.redis.defineCommand(name, { numberOfKeys: 0, lua: script });
    }
  }

  /** Connects (bounded), so that a wrong URL fails the command at start, not at the first player. */
  async connect(): Promise<this> {
    try {
      await this.redis.connect();
    } catch (cause) {
      // ioredis would go on reconnecting, and keep the process that reports the failure alive.
      this.redis.disconnect();
      throw new HeroflowError(
        'HF_SERVICE_MISSING',
        `game state ${this.url} is unreachable (${(cause as Error).message}); start Redis (scripts/services.sh up redis) or use --state memory://.`,
        { cause },
      );
    }
    return this;
  }

  private run(name: keyof typeof SCRIPTS, ...args: Array<string | number>): Promise<unknown> {
    return (this.redis as unknown as Record<string, ScriptFn>)[name](...args);
  }

  heroCount(): Promise<number> {
    return this.redis.hlen('superheros');
  }

  async loadHeroes(heroes: StoredHero[]): Promise<void> {
    const multi = this.redis.multi().del('superheros');
    for (let i = 0; i < heroes.length; i += 500) {
      const chunk = heroes.slice(i, i + 500).flatMap((h) => [String(h.id), JSON.stringify(h.doc)]);
      multi.hset('superheros', ...chunk);
    }
    await multi.exec();
  }

  async login(user: string): Promise<{ token: string; created: boolean }> {
    // HSETNX: two logins with one name at once still get one token.
    const [[, created], [, token]] = (await this.redis
      .multi()
      .hsetnx('users', user, randomUUID())
      .hget('users', user)
      .exec()) as [[null, number], [null, string]];
    return { token, created: created === 1 };
  }

  async join(
    userToken: string,
    size: number,
    newToken: string,
    heroCandidates: number[],
    pick: number,
  ): Promise<JoinResult | undefined> {
    const r = (await this.run('hfJoin', userToken, size, newToken, pick, ...heroCandidates)) as
      | [string, number, number, number, number]
      | null;
    if (!r) return undefined;
    return {
      gameToken: r[0],
      hero: { token: userToken, id: r[1], attack: r[2], health: r[3] },
      created: r[4] === 1,
    };
  }

  async view(gameToken: string): Promise<GameView | undefined> {
    const r = (await this.run('hfView', gameToken)) as
      | [string, string, string, string, string[], string[], Array<[string, string, string, string]>]
      | null;
    if (!r) return undefined;
    const heroes: Record<string, HeroSpec> = {};
    for (const [user, id, attack, health] of r[6]) {
      heroes[user] = {
        token: user,
        id: id === '' ? null : Number(id),
        attack: Number(attack),
        health: Number(health),
      };
    }
    return {
      token: gameToken,
      status: r[0],
      size: Number(r[1]),
      joined: Number(r[2]),
      host: r[3],
      participants: r[4],
      order: r[5],
      heroes,
    };
  }

  async start(gameToken: string): Promise<boolean> {
    return (await this.run('hfStart', gameToken)) === 1;
  }

  async timeOut(gameToken: string): Promise<boolean> {
    return (await this.run('hfTimeOut', gameToken)) === 1;
  }

  async setStatus(gameToken: string, status: string, from?: string): Promise<boolean> {
    return (await this.run('hfSetStatus', gameToken, status, from ?? '')) === 1;
  }

  async heroSpec(gameToken: string, userToken: string): Promise<HeroSpec> {
    const [id, attack, health] = await this.redis.hmget(
      `games:${gameToken}:superheros:${userToken}`,
      'id',
      'attack',
      'health',
    );
    if (id === null) return { token: userToken, id: null, attack: 0, health: 0 };
    return { token: userToken, id: Number(id), attack: Number(attack), health: Number(health) };
  }

  async attack(gameToken: string, attacker: string, enemy: string): Promise<AttackOutcome> {
    const r = (await this.run('hfAttack', gameToken, attacker, enemy)) as
      | [number, number, number, number]
      | Extract<AttackOutcome, { ok: false }>['reason'];
    if (!Array.isArray(r)) return { ok: false, reason: r };
    const [damage, prior, post, completed] = r;
    return { ok: true, damage, prior, post, killed: post === 0, completed: completed === 1 };
  }

  async appendLog(gameToken: string, task: string): Promise<void> {
    await this.redis.rpush(`games:${gameToken}:logs`, task);
  }

  onChange(listener: (gameToken: string) => void): void {
    this.listeners.push(listener);
    if (this.subscriber) return;
    // A connection in subscriber mode can do nothing else, hence a second one.
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('error', () => {});
    this.subscriber.on('message', (_channel: string, game: string) => {
      for (const l of this.listeners) l(game);
    });
    this.subscribed = this.subscriber.subscribe(lua.CHANGES_CHANNEL);
    this.subscribed.catch(() => {});
  }

  /** Resolves once change notifications are live (joins published before would be missed). */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  async expireGame(gameToken: string, userToken: string, seconds: number): Promise<void> {
    await this.run('hfExpireGame', gameToken, userToken, seconds);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriber?.disconnect();
    this.redis.disconnect();
  }
}
