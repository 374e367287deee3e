/**
 * Local directory storage. `write` is atomic and durable: the bytes go to a temp file in the target's
 * directory, are fsync'd, renamed over the target (atomic within one file system), and the directory is
 * fsync'd so the rename itself survives a crash. Readers see the old file or the new one, never a part.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HeroflowError } from '../errors.js';
import { checkPath } from './paths.js';
import type { Storage, WriteOptions } from './types.js';

/**
 * Temp files start with this; `list` hides them (a crash can leave one behind). The rest of the name says
 * whose it is, `<host>.<pid>-<random>`, so that prepare() removes only those of writers that are gone.
 */
const TEMP_PREFIX = '.tmp-';
const OWNER = `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}.${process.pid}`;
/** A temp file of another host is only removed when this old: its writer cannot still be writing it. */
const FOREIGN_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

/** Whether a temp file's writer is certainly gone (this host, process not running; or very old). */
function abandoned(name: string, mtimeMs: number): boolean {
  const m = /^\.tmp-(.+)\.(\d+)-[0-9a-f]+$/.exec(name);
  const host = OWNER.slice(0, OWNER.lastIndexOf('.'));
  if (!m || m[1] !== host) return Date.now() - mtimeMs > FOREIGN_TEMP_AGE_MS;
  const pid = Number(m[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function ioError(what: string, err: unknown): HeroflowError {
  const detail = err instanceof Error ? err.message : String(err);
  return new HeroflowError('HF_STORAGE_IO', `${what}: ${detail}`, { cause: err });
}

/**
 * `mkdir -p` one level at a time. Node 20's `mkdir(dir, { recursive: true })` never settles for a path
 * under /proc (it retries ENOENT for good): a worker with `--out /proc/x` hung and ignored SIGTERM.
 */
async function makeDirs(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    await makeDirs(parent);
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
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
    const temp = join(dir, `${TEMP_PREFIX}${OWNER}-${randomBytes(6).toString('hex')}`);
    try {
      await makeDirs(dir);
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

  /**
   * Creates the directory and writes a probe file there (an unwritable --out fails now, in one line, not
   * after the first segment), then removes the temp files crashed writers left (a kill -9 mid-write).
   */
  async prepare(): Promise<{ removed: number }> {
    const probe = join(this.root, `${TEMP_PREFIX}${OWNER}-probe`);
    try {
      await makeDirs(this.root);
      await writeFile(probe, '');
      await rm(probe);
    } catch (err) {
      throw ioError(`Cannot write to the output directory ${this.root} (--out / OUTPUT_DIR)`, err);
    }
    let removed = 0;
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    for (const e of entries) {
      if (!e.isFile() || !e.name.startsWith(TEMP_PREFIX)) continue;
      const path = join(e.parentPath, e.name);
      const info = await stat(path).catch(() => undefined);
      if (info && abandoned(e.name, info.mtimeMs)) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return { removed };
  }

  async close(): Promise<void> {}
}
