/**
 * Offset state in a directory: one JSON file per topic holding the seed's two values as text
 * (`{"counts": "...", "last_offset": "..."}`), written with temp + rename so a crash leaves either the
 * old state or the new one, never half of each.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeroflowError } from '../errors.js';
import { decodeCounts, decodeLastOffset, encodeCounts, encodeLastOffset } from './codec.js';
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

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_BROKER_CLOSED', `offset store ${this.url} is closed`);
  }
}
