/**
 * Offset state in Redis under the seed's keys:
 *   kafka.partitions.<topic>.state.counts       JSON partition → count
 *   kafka.partitions.<topic>.state.last_offset  JSON partition → last offset, or a plain -1
 */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { HeroflowError } from '../errors.js';
import { decodeCounts, decodeLastOffset, encodeCounts, encodeLastOffset } from './codec.js';
import { ADVANCE_SCRIPT } from './redis-advance.js';
import type { OffsetState, OffsetStore } from './types.js';

export const countsKey = (topic: string): string => `kafka.partitions.${topic}.state.counts`;
export const lastOffsetKey = (topic: string): string => `kafka.partitions.${topic}.state.last_offset`;

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export class RedisOffsetStore implements OffsetStore {
  readonly url: string;
  readonly #redis: Redis;
  #closed = false;

  constructor(url: string, options: { connectTimeoutMs?: number } = {}) {
    this.url = redact(url);
    // ioredis is loaded by the first store, not by importing the state part: a streaming worker has
    // none, and skips its load (docs/performance.md, "What a worker costs to start").
    const { Redis } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    // A state store that cannot be reached must fail the command, not queue writes forever.
    this.#redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      maxRetriesPerRequest: 3,
      enableOfflineQueue: true,
    });
    // Errors surface through the commands that fail; without a listener ioredis would print each retry.
    this.#redis.on('error', () => {});
  }

  async load(topic: string): Promise<OffsetState> {
    this.#check();
    const [counts, last] = await this.#run(() => this.#redis.mget(countsKey(topic), lastOffsetKey(topic)));
    return { counts: decodeCounts(counts), lastOffset: decodeLastOffset(last) };
  }

  async save(topic: string, state: OffsetState): Promise<void> {
    this.#check();
    // MULTI/EXEC: a reader never sees counts of one save with the last offsets of another.
    const result = await this.#run(() =>
      this.#redis
        .multi()
        .set(countsKey(topic), encodeCounts(state.counts))
        .set(lastOffsetKey(topic), encodeLastOffset(state.lastOffset))
        .exec(),
    );
    const failed = result?.find(([err]) => err);
    if (!result || failed) {
      throw new HeroflowError('HF_STATE_INVALID', `saving offset state of ${topic} to ${this.url} failed`, {
        cause: failed?.[0],
      });
    }
  }

  async advance(topic: string, partition: number, count: number, lastOffset: bigint): Promise<void> {
    this.#check();
    try {
      await this.#run(() =>
        this.#redis.eval(
          ADVANCE_SCRIPT,
          2,
          countsKey(topic),
          lastOffsetKey(topic),
          String(partition),
          String(count),
          lastOffset.toString(),
        ),
      );
    } catch (err) {
      // The script refuses a garbled key with a reply naming the code; keep that code for the caller.
      const cause = (err as HeroflowError).cause as Error | undefined;
      if (cause && /HF_STATE_INVALID/.test(cause.message)) {
        throw new HeroflowError(
          'HF_STATE_INVALID',
          `${cause.message.replace(/^.*HF_STATE_INVALID /, '')} (${this.url}); reset it (SET … counts "{\\"\\": 0}" / SET … last_offset -1) or fix the value`,
          { cause },
        );
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#redis.disconnect();
  }

  async #run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof HeroflowError) throw err;
      throw new HeroflowError(
        'HF_SERVICE_MISSING',
        `offset store ${this.url} failed: ${(err as Error).message}; is Redis running?`,
        { cause: err },
      );
    }
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_CLOSED', `offset store ${this.url} is closed`);
  }
}
