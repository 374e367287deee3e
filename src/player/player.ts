/**
 * The bot player, upstream's client loop (upstream.md §1.6): per game a fresh login, a find for a game
 * of randint(2, 3) players, then the lobby: on USER'S TURN it queries the other participants' heroes,
 * attacks a random living one; COMPLETE or TIMED OUT ends the game, which counts as played either way
 * (so a fleet's last stragglers time out and stop instead of waiting forever).
 *
 * Differences from upstream, none visible to a server: a login reads frames until USER_TOKEN on one
 * connection (upstream reconnects after USER CREATED and sleeps CLIENT_SLEEP); connection failures
 * retry after CLIENT_SLEEP (upstream: 5 s) and do not count as a game.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ModuleLoggers, QUEUE_CLIENT } from '../transport/index.js';
import { FrameSocket } from './connection.js';

const PATHS = {
  login: '/api/v1/login',
  find: '/api/v1/game/find',
  lobby: '/api/v1/game/lobby',
  hero: '/api/v1/game/hero',
  action: '/api/v1/game/action',
} as const;

export interface PlayerOptions {
  /** ws://host:port */
  url: string;
  games: number;
  /** Upstream: `USER%03d` of randint(0, 999) — names collide across bots and share a token. */
  user?: string;
  /** CLIENT_SLEEP in ms: pause before a retry. */
  clientSleepMs?: number;
  /** Players per game; default randint(2, 3). */
  participants?: () => number;
  /** Logs `Starting Game <k>` on client.__main__ like upstream's client. */
  logger?: ModuleLoggers;
  onGame?: (outcome: GameOutcome) => void;
  signal?: AbortSignal;
}

export interface GameOutcome {
  gameToken: string;
  userToken: string;
  result: 'complete' | 'timed-out';
  attacks: number;
}

export interface PlayerStats {
  games: number;
  completed: number;
  timedOut: number;
  attacks: number;
  retries: number;
}

type Frame = Record<string, unknown>;
const payload = (f: Frame) => (f.PAYLOAD ?? {}) as Record<string, unknown>;
const gameStatus = (f: Frame) => (f.STATUS as { GAME?: string } | undefined)?.GAME;

export class Player {
  readonly stats: PlayerStats = { games: 0, completed: 0, timedOut: 0, attacks: 0, retries: 0 };
  private readonly base: string;

  constructor(private readonly options: PlayerOptions) {
    this.base = options.url.replace(/\/$/, '');
  }

  async run(): Promise<PlayerStats> {
    const { games, signal } = this.options;
    const log = this.options.logger?.forModule(QUEUE_CLIENT);
    while (this.stats.games < games && !signal?.aborted) {
      log?.info({ queue: QUEUE_CLIENT }, `Starting Game ${this.stats.games + 1}`);
      try {
        const outcome = await this.playOne();
        this.stats.games++;
        this.stats[outcome.result === 'complete' ? 'completed' : 'timedOut']++;
        this.options.onGame?.(outcome);
      } catch (err) {
        if (signal?.aborted) break;
        this.stats.retries++;
        if (this.stats.retries > 100 * Math.max(1, games)) throw err;
        await sleep(this.options.clientSleepMs ?? 1000);
      }
    }
    return this.stats;
  }

  private async request(path: string, frame: Frame, until: (f: Frame) => boolean): Promise<Frame> {
    const socket = await FrameSocket.open(this.base + path);
    try {
      socket.send(frame);
      for (;;) {
        const reply = await socket.recv();
        if (until(reply)) return reply;
        if (typeof reply.STATUS === 'string' && reply.STATUS.startsWith('MISSING')) {
          throw new Error(`${path}: ${reply.STATUS}`);
        }
      }
    } finally {
      socket.close();
    }
  }

  async playOne(): Promise<GameOutcome> {
    const user = this.options.user ?? `USER${String(randomInt(0, 1000)).padStart(3, '0')}`;
    const login = await this.request(
      PATHS.login,
      { PAYLOAD: { USER: user } },
      (f) => 'USER_TOKEN' in payload(f),
    );
    const userToken = String(payload(login).USER_TOKEN);
    const size = this.options.participants?.() ?? randomInt(2, 4);
    const found = await this.request(
      PATHS.find,
      { PAYLOAD: { USER_TOKEN: userToken, PARTICIPANTS: size } },
      (f) => 'GAME_TOKEN' in payload(f),
    );
    const gameToken = String(payload(found).GAME_TOKEN);
    return this.lobby(userToken, gameToken);
  }

  private async lobby(userToken: string, gameToken: string): Promise<GameOutcome> {
    const socket = await FrameSocket.open(this.base + PATHS.lobby);
    let others: string[] = [];
    let attacks = 0;
    try {
      socket.send({ PAYLOAD: { GAME_TOKEN: gameToken, USER_TOKEN: userToken } });
      for (;;) {
        const frame = await socket.recv();
        const status = gameStatus(frame);
        if (status === 'START') {
          others = (payload(frame).PARTICIPANTS as string[]).filter((t) => t !== userToken);
        } else if (status === 'COMPLETE' || status === 'TIMED OUT') {
          return { gameToken, userToken, result: status === 'COMPLETE' ? 'complete' : 'timed-out', attacks };
        } else if (status === "USER'S TURN") {
          await this.attack(userToken, gameToken, others);
          attacks++;
          this.stats.attacks++;
        }
      }
    } finally {
      socket.close();
    }
  }

  private async attack(userToken: string, gameToken: string, others: string[]): Promise<void> {
    const living: string[] = [];
    if (others.length > 0) {
      const socket = await FrameSocket.open(this.base + PATHS.hero);
      try {
        for (const other of others) {
          socket.send({ PAYLOAD: { GAME_TOKEN: gameToken, USER_TOKEN: other } });
          const hero = payload(await socket.recv()).HERO as { health?: number } | undefined;
          if (Number(hero?.health) > 0) living.push(other);
        }
      } finally {
        socket.close();
      }
    }
    const enemy = living.length > 0 ? living[randomInt(0, living.length)] : null;
    await this.request(
      PATHS.action,
      { PAYLOAD: { GAME_TOKEN: gameToken, USER_TOKEN: userToken, ENEMY_TOKEN: enemy, ACTION: 'ATTACK' } },
      () => true,
    );
  }
}
