/** In-process storage (`memory://`): the embedded default for demos, tests and the bench. */
import { HeroflowError } from '../errors.js';
import { checkPath } from './paths.js';
import type { Storage, WriteOptions } from './types.js';

export class MemoryStorage implements Storage {
  readonly url = 'memory://';
  private readonly objects = new Map<string, Uint8Array>();

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    if (options.ifAbsent && this.objects.has(checkPath(path))) {
      throw new HeroflowError(
        'HF_STORAGE_EXISTS',
        `${this.url}${path} already exists (conditional create refused the write).`,
      );
    }
    // A copy, so that a caller reusing its buffer cannot change what was "durably" written.
    this.objects.set(checkPath(path), data.slice());
  }

  async read(path: string): Promise<Uint8Array> {
    const data = this.objects.get(checkPath(path));
    if (data === undefined) throw new HeroflowError('HF_STORAGE_IO', `No object at ${path} in ${this.url}.`);
    return data;
  }

  async list(prefix = ''): Promise<string[]> {
    return [...this.objects.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  async close(): Promise<void> {}
}
