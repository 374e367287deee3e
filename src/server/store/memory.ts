/**
 * `memory://`: the game state in this process. Everything is synchronous under the hood, so each
 * operation is atomic for free; changes are announced in-process (no polling). One server only.
 * Finished games are dropped after the clean routine's expiry, like Redis keys with a TTL.
 */

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { HeroSpec } from '../../simulator/index.js';
import {
  type AttackOutcome,
  type GameStore,
  type GameView,
  type JoinResult,
  OPEN_STATUSES,
  STATUS,
  type StoredHero,
} from './types.js';

interface MemoryGame {
  token: string;
  size: number;
  status: string;
  participants: string[];
  host: string;
  order: string[];
  heroIds: Set<number>;
  heroes: Map<string, HeroSpec>;
  logs: string[];
}

export class MemoryGameStore implements GameStore {
  readonly url = 'memory://';
  readonly shared = false;
  private heroes = new Map<number, StoredHero>();
  private readonly users = new Map<string, string>();
  private readonly games = new Map<string, MemoryGame>();
  /** Open games per size, the only ones a join looks at (upstream scans every game ever made). */
  private readonly open = new Map<number, MemoryGame[]>();
  private readonly changes = new EventEmitter();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor() {
    this.changes.setMaxListeners(0);
  }

  async heroCount(): Promise<number> {
    return this.heroes.size;
  }

  async loadHeroes(heroes: StoredHero[]): Promise<void> {
    this.heroes = new Map(heroes.map((h) => [h.id, h]));
  }

  async login(user: string): Promise<{ token: string; created: boolean }> {
    const known = this.users.get(user);
    if (known) return { token: known, created: false };
    const token = randomUUID();
    this.users.set(user, token);
    return { token, created: true };
  }

  async join(
    userToken: string,
    size: number,
    newToken: string,
    heroCandidates: number[],
    pick: number,
  ): Promise<JoinResult | undefined> {
    const open = (this.open.get(size) ?? []).filter(
      (g) => OPEN_STATUSES.includes(g.status) && g.participants.length < size && !g.heroes.has(userToken),
    );
    let game = open[Math.floor(pick * open.length)];
    const heroId = heroCandidates.find((id) => this.heroes.has(id) && !game?.heroIds.has(id));
    if (heroId === undefined) return undefined;
    const created = game === undefined;
    if (!game) {
      game = {
        token: newToken,
        size,
        status: STATUS.waiting,
        participants: [],
        host: userToken,
        order: [],
        heroIds: new Set(),
        heroes: new Map(),
        logs: [],
      };
      this.games.set(newToken, game);
      this.open.set(size, [...(this.open.get(size) ?? []), game]);
    }
    const stored = this.heroes.get(heroId)!;
    const hero: HeroSpec = { token: userToken, id: heroId, attack: stored.attack, health: stored.health };
    game.participants.push(userToken);
    game.heroes.set(userToken, hero);
    game.heroIds.add(heroId);
    if (game.participants.length >= size) this.close_(game);
    this.emit(game.token);
    return { gameToken: game.token, hero: { ...hero }, created };
  }

  async view(gameToken: string): Promise<GameView | undefined> {
    const g = this.games.get(gameToken);
    if (!g) return undefined;
    const heroes: Record<string, HeroSpec> = {};
    for (const [user, spec] of g.heroes) heroes[user] = { ...spec };
    return {
      token: g.token,
      size: g.size,
      status: g.status,
      joined: g.participants.length,
      participants: [...g.participants],
      host: g.host,
      order: [...g.order],
      heroes,
    };
  }

  async start(gameToken: string): Promise<boolean> {
    const g = this.games.get(gameToken);
    if (!g || g.status !== STATUS.waiting || g.participants.length < g.size) return false;
    g.status = STATUS.starting;
    if (g.order.length === 0) g.order = [...g.participants].sort();
    this.emit(gameToken);
    return true;
  }

  async timeOut(gameToken: string): Promise<boolean> {
    const g = this.games.get(gameToken);
    if (!g || g.status !== STATUS.waiting || g.participants.length >= g.size) return false;
    g.status = STATUS.timedOut;
    this.close_(g);
    this.emit(gameToken);
    return true;
  }

  async setStatus(gameToken: string, status: string, from?: string): Promise<boolean> {
    const g = this.games.get(gameToken);
    if (!g || (from !== undefined && g.status !== from)) return false;
    g.status = status;
    this.emit(gameToken);
    return true;
  }

  async heroSpec(gameToken: string, userToken: string): Promise<HeroSpec> {
    const spec = this.games.get(gameToken)?.heroes.get(userToken);
    return spec ? { ...spec } : { token: userToken, id: null, attack: 0, health: 0 };
  }

  async attack(gameToken: string, attacker: string, enemy: string): Promise<AttackOutcome> {
    const g = this.games.get(gameToken);
    if (!g) return { ok: false, reason: 'no-game' };
    if (g.order[0] !== attacker || g.order.length < 2) return { ok: false, reason: 'not-your-turn' };
    const target = g.heroes.get(enemy);
    if (!target || enemy === attacker) return { ok: false, reason: 'not-an-opponent' };
    if (target.health <= 0) return { ok: false, reason: 'enemy-dead' };
    const damage = g.heroes.get(attacker)!.attack;
    const prior = target.health;
    const post = Math.max(prior - damage, 0);
    target.health = post;
    if (post === 0) g.order = g.order.filter((t) => t !== enemy);
    g.order.push(g.order.shift()!);
    const completed = g.order.length <= 1;
    g.status = completed ? STATUS.completed : STATUS.inProgress;
    this.emit(gameToken);
    return { ok: true, damage, prior, post, killed: post === 0, completed };
  }

  async appendLog(gameToken: string, task: string): Promise<void> {
    this.games.get(gameToken)?.logs.push(task);
  }

  onChange(listener: (gameToken: string) => void): void {
    this.changes.on('change', listener);
  }

  async expireGame(gameToken: string, userToken: string, seconds: number): Promise<void> {
    const g = this.games.get(gameToken);
    if (!g || g.host !== userToken) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.games.delete(gameToken);
      this.close_(g);
    }, seconds * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  /** Games kept (for tests: bounded after the clean routine). */
  get size(): number {
    return this.games.size;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.changes.removeAllListeners();
  }

  /** Takes a game out of the open lists (full, timed out or gone). */
  private close_(game: MemoryGame): void {
    const list = this.open.get(game.size);
    if (!list) return;
    const i = list.indexOf(game);
    if (i >= 0) list.splice(i, 1);
  }

  private emit(gameToken: string): void {
    // Listeners run after the caller's await resolves, as a Redis notification would.
    queueMicrotask(() => this.changes.emit('change', gameToken));
  }
}
