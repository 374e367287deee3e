/**
 * Offset state in process memory. Stores opened with the same URL share their state, so a test (or an
 * embedded demo) can "restart" a consumer by closing one store and opening another.
 */
import { HeroflowError } from '../errors.js';
import { advanceState } from './positions.js';
import type { OffsetState, OffsetStore } from './types.js';

const shared = new Map<string, Map<string, OffsetState>>();

function copy(state: OffsetState): OffsetState {
  return { counts: { ...state.counts }, lastOffset: { ...state.lastOffset } };
}

export class MemoryOffsetStore implements OffsetStore {
  readonly url: string;
  readonly #topics: Map<string, OffsetState>;
  #closed = false;

  constructor(url = 'memory://') {
    this.url = url;
    let topics = shared.get(url);
    if (!topics) {
      topics = new Map();
      shared.set(url, topics);
    }
    this.#topics = topics;
  }

  async load(topic: string): Promise<OffsetState> {
    this.#check();
    const state = this.#topics.get(topic);
    return state ? copy(state) : { counts: {}, lastOffset: {} };
  }

  async save(topic: string, state: OffsetState): Promise<void> {
    this.#check();
    this.#topics.set(topic, copy(state));
  }

  async advance(topic: string, partition: number, count: number, lastOffset: bigint): Promise<void> {
    this.#check();
    // Synchronous between the read and the write: atomic within the one process that can see this state.
    const state = this.#topics.get(topic) ?? { counts: {}, lastOffset: {} };
    advanceState(state, partition, count, lastOffset);
    this.#topics.set(topic, state);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_CLOSED', `offset store ${this.url} is closed`);
  }
}
