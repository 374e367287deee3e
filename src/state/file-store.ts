/**
 * Offset state in a directory: one JSON file per topic holding the seed's two values as text
 * (`{"counts": "...", "last_offset": "..."}`), written with temp + rename so a crash leaves either the
 * old state or the new one, never half of each. `advance` holds a lock directory (`<topic>.json.lock`,
 * mkdir is atomic) across its load-modify-save so that workers on one host do not lose each other's updates.
 */

/** A lock older than this belongs to a process that died holding it. */
const STALE_LOCK_MS = 10_000;

import { mkdir, readFile, rename, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeroflowError } from '../errors.js';
import { decodeCounts, decodeLastOffset, encodeCounts, encodeLastOffset } from './codec.js';
import { advanceState } from './positions.js';
import type { OffsetState, OffsetStore } from './types.js';

export class FileOffsetStore implements OffsetStore {
  readonly url: string;
  readonly #dir: string;
  #closed = false;

  constructor(url: string) {
    this.url = url;
    this.#dir = fileURLToPath(url);
  }

  #file(topic: string): string {
    // Topic names are [a-zA-Z0-9._-] in Kafka; anything else is escaped so it cannot leave the directory.
    return path.join(this.#dir, `${encodeURIComponent(topic)}.json`);
  }

  async load(topic: string): Promise<OffsetState> {
    this.#check();
    let text: string;
    try {
      text = await readFile(this.#file(topic), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { counts: {}, lastOffset: {} };
      throw err;
    }
    let doc: { counts?: unknown; last_offset?: unknown };
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new HeroflowError('HF_STATE_INVALID', `${this.#file(topic)} is not JSON; delete it to reset`, {
        cause: err,
      });
    }
    return {
      counts: decodeCounts(doc.counts === undefined ? undefined : String(doc.counts)),
      lastOffset: decodeLastOffset(doc.last_offset === undefined ? undefined : String(doc.last_offset)),
    };
  }

  async save(topic: string, state: OffsetState): Promise<void> {
    this.#check();
    await mkdir(this.#dir, { recursive: true });
    const file = this.#file(topic);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    const doc = { counts: encodeCounts(state.counts), last_offset: encodeLastOffset(state.lastOffset) };
    await writeFile(tmp, `${JSON.stringify(doc)}\n`);
    await rename(tmp, file);
  }

  async advance(topic: string, partition: number, count: number, lastOffset: bigint): Promise<void> {
    this.#check();
    await mkdir(this.#dir, { recursive: true });
    const lock = `${this.#file(topic)}.lock`;
    await this.#lock(lock);
    try {
      const state = await this.load(topic);
      advanceState(state, partition, count, lastOffset);
      await this.save(topic, state);
    } finally {
      await rmdir(lock).catch(() => {});
    }
  }

  async #lock(lock: string): Promise<void> {
    for (;;) {
      try {
        await mkdir(lock);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = await stat(lock).then(
          (st) => Date.now() - st.mtimeMs,
          () => 0,
        );
        if (age > STALE_LOCK_MS) await rmdir(lock).catch(() => {});
        else await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_CLOSED', `offset store ${this.url} is closed`);
  }
}
