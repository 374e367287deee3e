/**
 * Game state behind one interface, so that the server plays the same whether the state lives in this
 * process (`memory://`) or in Redis under upstream's key layout (`redis://…`, shared by several server
 * processes). Every operation that two players or two servers could race on is one atomic step here:
 * join (never over-fills a game), start (exactly one caller wins), time-out, attack.
 */
import type { HeroSpec } from '../../simulator/index.js';

/** Upstream's status strings (upstream.md §1.5 step 6). */
export const STATUS = {
  waiting: 'Waiting Lobby',
  starting: 'Starting',
  inProgress: 'In-Progress',
  waitingPlayer: 'Waiting Player',
  completed: 'Completed',
  timedOut: 'Timed Out',
} as const;

/** Statuses upstream's find_open_games accepts (`Initializing`, `Time Out` never occur, kept for parity). */
export const OPEN_STATUSES: readonly string[] = ['Initializing', STATUS.waiting, 'Time Out'];

/**
 * A hero as `superheros` holds it: upstream build_db stores the API entry minus `response` and `id`, with
 * the powerstats as integers plus the derived `health` and `attack`.
 */
export interface StoredHero {
  id: number;
  attack: number;
  health: number;
  /** The JSON document stored under the id. */
  doc: { name: string; powerstats: Record<string, number> } & Record<string, unknown>;
}

export interface JoinResult {
  gameToken: string;
  hero: HeroSpec;
  /** This join opened the game (the joiner is its host). */
  created: boolean;
}

/** One consistent read of a game (one round trip on Redis). */
export interface GameView {
  token: string;
  /** Participants asked for (`games:<g>:participants`). */
  size: number;
  status: string;
  /** Joined count (`games:participants` score). */
  joined: number;
  /** User tokens (`games:<g>`; join order in memory, set order in Redis). */
  participants: string[];
  host: string;
  /** Turn order (`games:<g>:order`); empty before start. */
  order: string[];
  heroes: Record<string, HeroSpec>;
}

export type AttackOutcome =
  | { ok: true; damage: number; prior: number; post: number; killed: boolean; completed: boolean }
  | { ok: false; reason: 'not-your-turn' | 'not-an-opponent' | 'enemy-dead' | 'no-game' };

export interface GameStore {
  /** Redacted URL. */
  readonly url: string;
  /** Whether other processes may share this state (Redis) — then the memory of a single server is not the truth. */
  readonly shared: boolean;

  /** HLEN superheros. */
  heroCount(): Promise<number>;
  /** Replaces the roster (upstream build_db: DEL superheros, HSET each). */
  loadHeroes(heroes: StoredHero[]): Promise<void>;

  /** The user's token, created (uuid4) when the name is new. */
  login(user: string): Promise<{ token: string; created: boolean }>;

  /**
   * Joins an open game of `size` (a random one) or opens one with `newToken`; picks the hero from
   * `heroCandidates` (random ids; the first not yet taken in that game). Atomic: a game never takes more
   * than `size` players, and a player never joins the same game twice.
   * Returns undefined when every candidate hero was taken (call again with fresh candidates).
   */
  join(
    userToken: string,
    size: number,
    newToken: string,
    heroCandidates: number[],
    pick: number,
  ): Promise<JoinResult | undefined>;

  view(gameToken: string): Promise<GameView | undefined>;

  /** Waiting Lobby → Starting with the turn order fixed, if the game is full; true for the one caller that did it. */
  start(gameToken: string): Promise<boolean>;
  /** Waiting Lobby → Timed Out if the game is still not full; true for the one caller that did it. */
  timeOut(gameToken: string): Promise<boolean>;
  /** Sets the status when it currently is `from` (any status when `from` is undefined). */
  setStatus(gameToken: string, status: string, from?: string): Promise<boolean>;

  heroSpec(gameToken: string, userToken: string): Promise<HeroSpec>;

  /**
   * One attack, atomically: the attacker must be at the head of the turn order, the enemy a living
   * opponent. Writes the enemy's health, drops a killed enemy from the order, rotates the order, and sets
   * Completed when one player is left (else In-Progress, so that the next turn can be announced).
   */
  attack(gameToken: string, attacker: string, enemy: string): Promise<AttackOutcome>;
  /** RPUSH games:<g>:logs (the `Attack Completed` task string). */
  appendLog(gameToken: string, task: string): Promise<void>;

  /** Calls `listener(gameToken)` whenever a game changes (in any process sharing the state). */
  onChange(listener: (gameToken: string) => void): void;

  /** The clean routine for one participant (upstream worker.py, keys fixed): expire the game's keys. */
  expireGame(gameToken: string, userToken: string, seconds: number): Promise<void>;

  /** Resolves once change notifications from other processes are live (no-op in memory). */
  ready?(): Promise<void>;

  close(): Promise<void>;
}
