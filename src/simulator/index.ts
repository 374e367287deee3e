/** The simulator: heroes, match rules, lobby, and the in-process tournament that logs like upstream. */
export { type Clock, frameTimestamp, VIRTUAL_EPOCH_MS, virtualClock, wallClock } from './clock.js';
export * from './frames.js';
export { type AttackResult, Game, type HeroSpec, pickHero } from './game.js';
export {
  DEFAULT_ROSTER_SEED,
  GENERATED_ROSTER_SIZE,
  generateHeroes,
  generateRoster,
} from './generated-roster.js';
export * from './heroes.js';
export { Lobby } from './lobby.js';
export { createRng, type Rng, randomSeed } from './prng.js';
export { loadRoster, loadRosterFile, parseRoster, type Roster, rosterFromHeroes } from './roster.js';
export * from './tournament.js';
