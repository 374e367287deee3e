/**
 * The rules of one match, free of I/O so that the in-process tournament and the later WebSocket server
 * play by the same code (upstream.md §1.5):
 * - one hero per participant, unique within the game (a random id not yet taken in that game);
 * - turn order = participant tokens sorted lexicographically;
 * - the player at the head of the order attacks one living opponent; damage = the attacker's attack
 *   (uncapped in the record), health is floored at 0;
 * - a player whose health reaches 0 leaves the order; then the order rotates (attacker to the back);
 * - the game ends when one player is left alive: the winner.
 */
import type { Hero } from './heroes.js';
import type { Rng } from './prng.js';
import type { Roster } from './roster.js';

export interface HeroSpec {
  token: string;
  /** null for a token that is not in the game (upstream's answer). */
  id: number | null;
  attack: number;
  health: number;
}

export interface AttackResult {
  attacker: string;
  enemy: string;
  damage: number;
  prior: number;
  post: number;
  killed: boolean;
}

/** Upstream's hero choice: random ids in [1, N] until one is not yet used in this game. */
export function pickHero(roster: Roster, taken: ReadonlySet<number>, rng: Rng): Hero {
  if (taken.size >= roster.heroes.length)
    throw new RangeError('every hero of the roster is taken in this game');
  for (;;) {
    const id = rng.int(1, roster.heroes.length);
    if (!taken.has(id)) return roster.get(id);
  }
}

export class Game {
  readonly token: string;
  /** Participants in join order (upstream's PARTICIPANTS list). */
  readonly participants: string[] = [];
  private readonly heroes = new Map<string, { hero: Hero; health: number }>();
  private readonly heroIds = new Set<number>();
  private order: string[] = [];
  private started = false;
  attacks = 0;

  constructor(
    token: string,
    readonly size: number,
  ) {
    this.token = token;
  }

  get full(): boolean {
    return this.participants.length >= this.size;
  }

  get heroIdsTaken(): ReadonlySet<number> {
    return this.heroIds;
  }

  /** Adds a player with a hero (unique per game); returns the hero. */
  join(userToken: string, hero: Hero): Hero {
    if (this.started) throw new Error(`game ${this.token} has started; ${userToken} cannot join`);
    if (this.heroes.has(userToken)) throw new Error(`${userToken} is already in game ${this.token}`);
    if (this.heroIds.has(hero.id)) throw new Error(`hero ${hero.id} is already taken in game ${this.token}`);
    this.participants.push(userToken);
    this.heroes.set(userToken, { hero, health: hero.health });
    this.heroIds.add(hero.id);
    return hero;
  }

  /** Fixes the turn order; call once the lobby is full. */
  start(): void {
    if (this.participants.length < 2)
      throw new Error(`game ${this.token} needs 2 or more participants to start`);
    this.started = true;
    this.order = [...this.participants].sort();
  }

  heroSpec(userToken: string): HeroSpec {
    const entry = this.heroes.get(userToken);
    // Upstream's /game/hero answer for an unknown player.
    if (!entry) return { token: userToken, id: null, attack: 0, health: 0 };
    return { token: userToken, id: entry.hero.id, attack: entry.hero.attack, health: entry.health };
  }

  /** Whose turn it is, or undefined when the game is over. */
  get current(): string | undefined {
    return this.finished ? undefined : this.order[0];
  }

  get turnOrder(): readonly string[] {
    return this.order;
  }

  get finished(): boolean {
    return this.started && this.order.length <= 1;
  }

  get winner(): string | undefined {
    return this.finished ? this.order[0] : undefined;
  }

  /** Opponents of `userToken` with health > 0 (what the client chooses its enemy from). */
  livingOpponents(userToken: string): string[] {
    return this.participants.filter((t) => t !== userToken && (this.heroes.get(t)?.health ?? 0) > 0);
  }

  attack(attackerToken: string, enemyToken: string): AttackResult {
    if (attackerToken !== this.current)
      throw new Error(`it is not ${attackerToken}'s turn in game ${this.token}`);
    const attacker = this.heroes.get(attackerToken)!;
    const enemy = this.heroes.get(enemyToken);
    if (!enemy || enemyToken === attackerToken)
      throw new Error(`${enemyToken} is not an opponent in game ${this.token}`);
    if (enemy.health <= 0) throw new Error(`${enemyToken} is already dead in game ${this.token}`);
    const damage = attacker.hero.attack;
    const prior = enemy.health;
    const post = Math.max(prior - damage, 0);
    enemy.health = post;
    this.attacks++;
    if (post === 0) this.order = this.order.filter((t) => t !== enemyToken);
    // LMOVE order order LEFT RIGHT: the attacker goes to the back.
    this.order.push(this.order.shift()!);
    return { attacker: attackerToken, enemy: enemyToken, damage, prior, post, killed: post === 0 };
  }

  /** One whole turn as the bot client plays it: attack a random living opponent. */
  playTurn(rng: Rng): AttackResult {
    const attacker = this.current;
    if (attacker === undefined) throw new Error(`game ${this.token} is over`);
    return this.attack(attacker, rng.pick(this.livingOpponents(attacker)));
  }
}
