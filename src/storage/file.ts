/**
 * Local directory storage. `write` is atomic and durable: the bytes go to a temp file in the target's
 * directory, are fsync'd, renamed over the target (atomic within one file system), and the directory is
 * fsync'd so the rename itself survives a crash. Readers see the old file or the new one, never a part.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HeroflowError } from '../errors.js';
import { checkPath } from './paths.js';
import type { Storage, WriteOptions } from './types.js';

/** Temp files start with this; `list` hides them (a crash can leave one behind). */
const TEMP_PREFIX = '.tmp-';

function ioError(what: string, err: unknown): HeroflowError {
  const detail = err instanceof Error ? err.message : String(err);
  return new HeroflowError('HF_STORAGE_IO', `${what}: ${detail}`, { cause: err });
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FileStorage implements Storage {
  readonly url: string;

  /** `root` must be absolute; openStorage resolves plain paths. */
  /** Test hook, not a setting: runs after the temp file is durable and before the rename publishes it. */
  beforeCommit?: (path: string) => Promise<void> | void;

  constructor(readonly root: string) {
    this.url = pathToFileURL(root).href;
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const target = join(this.root, checkPath(path));
    const dir = dirname(target);
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.beforeCommit?.(path);
      if (options.ifAbsent) {
        // link() refuses an existing target atomically (EEXIST): a conditional create.
        await link(temp, target);
        await rm(temp);
      } else {
        await rename(temp, target);
      }
      await fsyncDir(dir);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && options.ifAbsent) {
        throw new HeroflowError(
          'HF_STORAGE_EXISTS',
          `${target} already exists (conditional create refused the write).`,
        );
      }
      throw ioError(`Could not write ${target}`, err);
    }
  }

  async read(path: string): Promise<Uint8Array> {
    const target = join(this.root, checkPath(path));
    try {
      return new Uint8Array(await readFile(target));
    } catch (err) {
      throw ioError(`Could not read ${target}`, err);
    }
  }

  async list(prefix = ''): Promise<string[]> {
    try {
      const entries = await readdir(this.root, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile() && !e.name.startsWith(TEMP_PREFIX))
        .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'))
        .filter((p) => p.startsWith(prefix))
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(`Could not list ${this.root}`, err);
    }
  }

  async close(): Promise<void> {}
}
