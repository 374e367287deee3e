/**
 * An in-process tournament: `players` bots each play `gamesPerPlayer` games against each other through
 * the lobby, and every server-side event is logged through pino exactly as upstream logs it
 * (upstream.md §1.8). Nothing sleeps; simulated time goes to the clock (see clock.ts).
 *
 * Scheduling is sequential and deterministic: ready players take turns joining a game of 2 or 3
 * (`randint(2, 3)` like upstream's client); a game that fills is played to the end at once, and its
 * players queue up again. When nobody is ready but lobbies are still waiting, the oldest waiting game
 * times out after LOBBY_TIMEOUT, as upstream's lobby does; a timed-out game counts as played, as in
 * upstream's client loop.
 *
 * Deliberate differences from upstream:
 * - `Starting Match` and `Game Timed Out` are logged once per game. Upstream logs them once per
 *   participant (every lobby connection runs the same wait loop), so its lobby topic carries N copies;
 *   heroflow's worker still accepts those copies.
 * - `Cleaning Game Records` is logged once per participant, like upstream (one per lobby connection).
 * - Each player has its own token (upstream's random `USER%03d` names can collide and share one).
 */
import { type ModuleLoggers, QUEUE_CLIENT, QUEUE_GAME, QUEUE_LOBBY } from '../transport/index.js';
import { type Clock, virtualClock, wallClock } from './clock.js';
import { attackFrame, type CleaningTask, startFrame, taskString, timedOutFrame } from './frames.js';
import type { Game } from './game.js';
import { Lobby } from './lobby.js';
import { createRng, randomSeed } from './prng.js';
import type { Roster } from './roster.js';

export interface TournamentOptions {
  players: number;
  gamesPerPlayer: number;
  /** Same seed (and roster, clock) → same games and records. Random when absent (reported back). */
  seed?: number | string;
  roster: Roster;
  logger: ModuleLoggers;
  /**
   * Where frame TIMESTAMPs come from; give the logger the same clock (createSimulatorLogger's `clock`)
   * so that record times agree. Default: a virtual clock when a seed is given, else the wall clock.
   */
  clock?: Clock;
  /** Simulated time per turn (upstream SERVER_SLEEP; compose sets 0.2 s). */
  serverSleepMs?: number;
  /** Simulated wait before an unfilled lobby times out (upstream LOBBY_TIMEOUT = 5 s). */
  lobbyTimeoutMs?: number;
  /** Called after every game (played or timed out). Throttle in the callback if needed. */
  onProgress?: (progress: TournamentProgress) => void;
}

export interface TournamentProgress {
  /** Games finished or timed out so far. */
  games: number;
  attacks: number;
  /** Player-games done / to do (players × gamesPerPlayer). */
  slotsDone: number;
  slotsTotal: number;
}

export interface GameResult {
  gameToken: string;
  /** Join order (upstream's PARTICIPANTS). */
  participants: string[];
  heroIds: number[];
  /** Undefined for a timed-out game. */
  winner?: string;
  attacks: number;
  timedOut: boolean;
}

export interface TournamentSummary {
  seed: number | string;
  players: number;
  gamesPerPlayer: number;
  /** Games that started (a match was played). */
  games: number;
  timedOut: number;
  attacks: number;
  /** Sum of participants over started games (= lobby rows the ETL derives from `Starting Match`). */
  participants: number;
  /** Records logged with a `queue`, per topic: what a broker should receive at LOG_LEVEL ≤ INFO. */
  messages: Record<string, number>;
  /** Most attacks in one game. */
  longestGame: number;
  /** Simulated (virtual clock) or real milliseconds from first to last record. */
  durationMs: number;
  results: GameResult[];
}

const YIELD_EVERY_RECORDS = 2000;

export async function runTournament(options: TournamentOptions): Promise<TournamentSummary> {
  const { players, gamesPerPlayer, roster, logger } = options;
  if (!Number.isInteger(players) || players < 1) throw new RangeError('players must be a positive integer');
  if (!Number.isInteger(gamesPerPlayer) || gamesPerPlayer < 0) {
    throw new RangeError('gamesPerPlayer must be a non-negative integer');
  }
  if (roster.heroes.length < 3) throw new RangeError('the roster needs at least 3 heroes (3-player games)');
  const seed = options.seed ?? randomSeed();
  const clock = options.clock ?? (options.seed === undefined ? wallClock() : virtualClock());
  const serverSleepMs = options.serverSleepMs ?? 200;
  const lobbyTimeoutMs = options.lobbyTimeoutMs ?? 5000;
  const rng = createRng(seed);
  const lobby = new Lobby(roster, rng);
  const lobbyLog = logger.forModule(QUEUE_LOBBY);
  const gameLog = logger.forModule(QUEUE_GAME);
  const clientLog = logger.forModule(QUEUE_CLIENT);

  const messages: Record<string, number> = { [QUEUE_LOBBY]: 0, [QUEUE_GAME]: 0, [QUEUE_CLIENT]: 0 };
  const results: GameResult[] = [];
  const played = new Map<string, number>();
  const ready: string[] = [];
  for (let i = 0; i < players; i++) {
    const token = rng.uuid();
    played.set(token, 0);
    if (gamesPerPlayer > 0) ready.push(token);
  }
  const summary = { games: 0, timedOut: 0, attacks: 0, participants: 0, longestGame: 0 };
  const slotsTotal = players * gamesPerPlayer;
  let slotsDone = 0;
  let sinceYield = 0;
  const startMs = clock.now();

  const count = (queue: string) => {
    messages[queue]++;
    sinceYield++;
  };
  const cleaning = (game: Game) => {
    clock.advance(serverSleepMs * 3);
    for (const user of game.participants) {
      const task: CleaningTask = { game_token: game.token, user_token: user };
      lobbyLog.info({ queue: QUEUE_LOBBY, task }, 'Cleaning Game Records');
      count(QUEUE_LOBBY);
    }
  };
  const finish = (game: Game, timedOut: boolean) => {
    results.push({
      gameToken: game.token,
      participants: [...game.participants],
      heroIds: game.participants.map((t) => game.heroSpec(t).id as number),
      winner: game.winner,
      attacks: game.attacks,
      timedOut,
    });
    for (const user of game.participants) {
      const n = played.get(user)! + 1;
      played.set(user, n);
      slotsDone++;
      if (n < gamesPerPlayer) ready.push(user);
    }
    options.onProgress?.({ games: results.length, attacks: summary.attacks, slotsDone, slotsTotal });
  };

  while (ready.length > 0 || lobby.openGames > 0) {
    if (ready.length === 0) {
      // Nobody else can join: the oldest waiting lobby runs out its LOBBY_TIMEOUT.
      const game = lobby.takeOldest()!;
      clock.advance(lobbyTimeoutMs);
      lobbyLog.info(
        { queue: QUEUE_LOBBY, task: taskString(timedOutFrame(game.token, clock.now())) },
        'Game Timed Out',
      );
      count(QUEUE_LOBBY);
      cleaning(game);
      summary.timedOut++;
      finish(game, true);
      continue;
    }
    const user = ready.shift()!;
    clientLog.info({ queue: QUEUE_CLIENT }, `Starting Game ${played.get(user)! + 1}`);
    count(QUEUE_CLIENT);
    clock.advance(1);
    const { game } = lobby.join(user, rng.int(2, 3));
    if (!game.full) continue;

    game.start();
    clock.advance(serverSleepMs);
    lobbyLog.info({ queue: QUEUE_LOBBY, task: taskString(startFrame(game, clock.now())) }, 'Starting Match');
    count(QUEUE_LOBBY);
    while (!game.finished) {
      clock.advance(serverSleepMs);
      const result = game.playTurn(rng);
      gameLog.info(
        { queue: QUEUE_GAME, task: taskString(attackFrame(game.token, result, clock.now())) },
        'Attack Completed',
      );
      count(QUEUE_GAME);
    }
    cleaning(game);
    summary.games++;
    summary.attacks += game.attacks;
    summary.participants += game.participants.length;
    summary.longestGame = Math.max(summary.longestGame, game.attacks);
    finish(game, false);

    if (sinceYield >= YIELD_EVERY_RECORDS) {
      sinceYield = 0;
      // Let the transport publish (it runs on this event loop for memory://) and apply its back-pressure.
      await (logger.drain?.() ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  return {
    seed,
    players,
    gamesPerPlayer,
    ...summary,
    messages,
    durationMs: clock.now() - startMs,
    results,
  };
}
