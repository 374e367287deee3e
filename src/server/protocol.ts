/**
 * Upstream's WebSocket protocol (upstream.md §1.4): the paths, the status strings with their spellings,
 * and the missing-field checks. Shared by the server and the bot so that both speak exactly this.
 */

export const PATHS = {
  login: '/api/v1/login',
  find: '/api/v1/game/find',
  lobby: '/api/v1/game/lobby',
  hero: '/api/v1/game/hero',
  action: '/api/v1/game/action',
} as const;

export const ERRORS = {
  payload: 'MISSING PAYLOAD IN MESSAGE',
  user: 'MISSING USER IN PAYLOAD',
  noHeroes: 'LIST OF SUPERHEROS NOT AVAILABLE',
  userToken: 'MISSING USER TOKEN IN PAYLOAD',
  participants: 'MISSING PARTICIPANTS IN PAYLOAD',
  gameToken: 'MISSING GAME TOKEN IN PAYLOAD',
  enemyToken: 'MISSING ENEMY TOKEN IN PAYLOAD',
  action: 'MISSING ACTION IN PAYLOAD',
} as const;

/**
 * heroflow's own error strings, for requests upstream accepted and then misbehaved on (a game of 0
 * players, an attack out of turn). Same frame shape as upstream's errors.
 */
export const HEROFLOW_ERRORS = {
  participants: 'INVALID PARTICIPANTS IN PAYLOAD',
  turn: "NOT USER'S TURN",
  enemy: 'INVALID ENEMY TOKEN IN PAYLOAD',
  action: 'INVALID ACTION IN PAYLOAD',
} as const;

export const USER_CREATED = 'USER CREATED';
/** Upstream's spelling. */
export const JOINED_SUCCESS = 'SUCESS';
export const GAME_STATUS = {
  start: 'START',
  turn: "USER'S TURN",
  complete: 'COMPLETE',
  timedOut: 'TIMED OUT',
  heroSpec: 'HERO SPEC',
} as const;

export interface ErrorFrame {
  PAYLOAD: Record<string, never>;
  STATUS: string;
}

export function errorFrame(status: string): ErrorFrame {
  return { PAYLOAD: {}, STATUS: status };
}

/** The payload fields each path requires, in the order they are checked, with upstream's error. */
export const REQUIRED: Record<keyof typeof PATHS, Array<[field: string, error: string]>> = {
  login: [['USER', ERRORS.user]],
  find: [
    ['USER_TOKEN', ERRORS.userToken],
    ['PARTICIPANTS', ERRORS.participants],
  ],
  lobby: [
    ['GAME_TOKEN', ERRORS.gameToken],
    ['USER_TOKEN', ERRORS.userToken],
  ],
  hero: [
    ['GAME_TOKEN', ERRORS.gameToken],
    ['USER_TOKEN', ERRORS.userToken],
  ],
  action: [
    ['GAME_TOKEN', ERRORS.gameToken],
    ['USER_TOKEN', ERRORS.userToken],
    ['ENEMY_TOKEN', ERRORS.enemyToken],
    ['ACTION', ERRORS.action],
  ],
};

/**
 * The payload of a decoded frame, or the error status to answer with. A field counts as missing when
 * its key is absent; ENEMY_TOKEN may be null (upstream's client sends null when no opponent is alive).
 */
export function checkPayload(
  route: keyof typeof PATHS,
  message: unknown,
): { payload: Record<string, unknown> } | { error: string } {
  const payload =
    typeof message === 'object' && message !== null ? (message as { PAYLOAD?: unknown }).PAYLOAD : undefined;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { error: ERRORS.payload };
  const p = payload as Record<string, unknown>;
  for (const [field, error] of REQUIRED[route]) {
    if (!(field in p) || (p[field] === null && field !== 'ENEMY_TOKEN')) return { error };
  }
  return { payload: p };
}
