/** The bot player (upstream's client) and fleets of them. */
export { FrameSocket } from './connection.js';
export { type FleetOptions, runFleet } from './fleet.js';
export { type GameOutcome, Player, type PlayerOptions, type PlayerStats } from './player.js';
