/** Game state stores by URL: `memory://` (default) or `redis://host:port/db`. */
import { HeroflowError } from '../../errors.js';
import { MemoryGameStore } from './memory.js';
import { RedisGameStore } from './redis.js';
import type { GameStore } from './types.js';

export { MemoryGameStore } from './memory.js';
export { RedisGameStore } from './redis.js';
export * from './types.js';

export async function openGameStore(url = 'memory://'): Promise<GameStore & { ready?(): Promise<void> }> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'memory') return new MemoryGameStore();
  if (scheme === 'redis' || scheme === 'rediss') return new RedisGameStore(url).connect();
  throw new HeroflowError(
    'HF_STATE_URL',
    `game state URL ${JSON.stringify(url)} has no store; use memory:// or redis://host:6379/0 (--state).`,
  );
}
