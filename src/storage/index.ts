/**
 * The storage part's face: `openStorage(url)` turns the output setting (OUTPUT_FS / --out) into a Storage.
 *   file:///abs/dir   a local directory
 *   ./out, /abs/out   a plain path (relative to the working directory)
 *   memory://         in-process, for demos, tests and benches
 * Object stores (s3://, gs://, az://) come later; they get a clear error rather than a guess.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeroflowError } from '../errors.js';
import { FileStorage } from './file.js';
import { MemoryStorage } from './memory.js';

export { FileStorage } from './file.js';
export { MemoryStorage } from './memory.js';
export type { Storage } from './types.js';

const ALLOWED = 'file:///absolute/dir, a plain directory path, or memory://';
const LATER = new Set(['s3:', 's3a:', 'gs:', 'gcs:', 'az:', 'abfs:', 'abfss:', 'azure:', 'wasb:', 'wasbs:']);

export function openStorage(url: string): FileStorage | MemoryStorage {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(url)?.[1].toLowerCase();
  if (scheme === undefined) {
    if (url.trim() === '') {
      throw new HeroflowError(
        'HF_STORAGE_URL',
        `The output setting (OUTPUT_FS / --out) is empty; use ${ALLOWED}.`,
      );
    }
    return new FileStorage(resolve(url));
  }
  if (scheme === 'memory:') return new MemoryStorage();
  if (scheme === 'file:') {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (err) {
      throw new HeroflowError(
        'HF_STORAGE_URL',
        `Output URL "${url}" (OUTPUT_FS / --out) is not a valid file URL: ${(err as Error).message}. Use ${ALLOWED}.`,
      );
    }
    return new FileStorage(path);
  }
  if (LATER.has(scheme)) {
    throw new HeroflowError(
      'HF_STORAGE_URL',
      `Output URL "${url}" (OUTPUT_FS / --out): ${scheme}// object storage is not supported yet. Use ${ALLOWED}.`,
    );
  }
  throw new HeroflowError(
    'HF_STORAGE_URL',
    `Output URL "${url}" (OUTPUT_FS / --out) has an unknown scheme ${scheme}//. Use ${ALLOWED}.`,
  );
}
