/**
 * The frames upstream's server sends and logs as `task` (upstream.md §1.4 and §1.8), with their key
 * order. `task` strings are written the way Python's `json.dumps` writes them (see transport/py-json).
 *
 * TIMESTAMP is `%Y-%m-%dT%H:%M:%SZ` (UTC, whole seconds) on every frame: the py-superhero snapshot of
 * 2023-09-01 that the upstream dataflow worker parses. (py-superhero moved the game frame to
 * `%Y-%m-%dT%H:%M:%S.%f` in 2024-01; heroflow's worker should accept both.)
 * Hero values in PARTICIPANTS_HEROS are numbers; the upstream ETL casts them to uint16/uint64 anyway.
 */
import { pyJsonDumps } from '../transport/index.js';
import { frameTimestamp } from './clock.js';
import type { AttackResult, Game, HeroSpec } from './game.js';

export interface StartFrame {
  TIMESTAMP: string;
  PAYLOAD: { GAME_TOKEN: string; PARTICIPANTS: string[]; PARTICIPANTS_HEROS: Record<string, HeroSpec> };
  STATUS: { GAME: 'START' };
}

export interface AttackFrame {
  TIMESTAMP: string;
  PAYLOAD: { GAME_TOKEN: string; USER_TOKEN: string };
  STATUS: {
    ACTION: 'ATTACK';
    DETAILS: {
      ENEMY_TOKEN: string;
      ENEMY_DAMAGE: number;
      ENEMY_HEALTH_PRIOR: number;
      ENEMY_HEALTH_POST: number;
    };
  };
}

export interface TimedOutFrame {
  TIMESTAMP: string;
  PAYLOAD: { GAME_TOKEN: string };
  STATUS: { GAME: 'TIMED OUT' };
}

/** The task of `Cleaning Game Records`: a dict, not a JSON string (upstream.md §6.3). */
export interface CleaningTask {
  game_token: string;
  user_token: string;
}

export function startFrame(game: Game, nowMs: number): StartFrame {
  const heroes: Record<string, HeroSpec> = {};
  for (const token of game.participants) heroes[token] = game.heroSpec(token);
  return {
    TIMESTAMP: frameTimestamp(nowMs),
    PAYLOAD: { GAME_TOKEN: game.token, PARTICIPANTS: [...game.participants], PARTICIPANTS_HEROS: heroes },
    STATUS: { GAME: 'START' },
  };
}

export function attackFrame(gameToken: string, result: AttackResult, nowMs: number): AttackFrame {
  return {
    TIMESTAMP: frameTimestamp(nowMs),
    PAYLOAD: { GAME_TOKEN: gameToken, USER_TOKEN: result.attacker },
    STATUS: {
      ACTION: 'ATTACK',
      DETAILS: {
        ENEMY_TOKEN: result.enemy,
        ENEMY_DAMAGE: result.damage,
        ENEMY_HEALTH_PRIOR: result.prior,
        ENEMY_HEALTH_POST: result.post,
      },
    },
  };
}

export function timedOutFrame(gameToken: string, nowMs: number): TimedOutFrame {
  return {
    TIMESTAMP: frameTimestamp(nowMs),
    PAYLOAD: { GAME_TOKEN: gameToken },
    STATUS: { GAME: 'TIMED OUT' },
  };
}

/** A frame as the `task` string upstream logs (`json.dumps(frame)`). */
export function taskString(frame: StartFrame | AttackFrame | TimedOutFrame): string {
  return pyJsonDumps(frame);
}
