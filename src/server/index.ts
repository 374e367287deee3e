/** The game server (upstream's WebSocket API) and its game state stores. */
export * from './clean.js';
export * from './heroes.js';
export * from './protocol.js';
export { GameServer, type GameServerOptions, type ServerStats } from './server.js';
export * from './store/index.js';
