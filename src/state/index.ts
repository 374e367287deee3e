/** Offset state stores chosen by URL: redis://host:6379/0, file:///dir, memory://[name]. */
import { HeroflowError } from '../errors.js';
import { FileOffsetStore } from './file-store.js';
import { MemoryOffsetStore } from './memory-store.js';
import { RedisOffsetStore } from './redis-store.js';
import type { OffsetStore } from './types.js';

export { recordProcessed, startPositions } from './positions.js';
export { countsKey, lastOffsetKey } from './redis-store.js';
export { ALL_PARTITIONS, emptyState, type OffsetState, type OffsetStore } from './types.js';

export function openOffsetStore(url: string, options: { connectTimeoutMs?: number } = {}): OffsetStore {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch (err) {
    throw new HeroflowError('HF_STATE_URL', `state store URL ${JSON.stringify(url)} is not a URL`, {
      cause: err,
    });
  }
  switch (scheme) {
    case 'redis:':
    case 'rediss:':
      return new RedisOffsetStore(url, options);
    case 'file:':
      return new FileOffsetStore(url);
    case 'memory:':
      return new MemoryOffsetStore(url);
    default:
      throw new HeroflowError(
        'HF_STATE_URL',
        `state store URL ${JSON.stringify(url)} has scheme ${scheme}; use redis://, file:// or memory://`,
      );
  }
}
