import { HeroflowError } from '../errors.js';

/**
 * Object paths are relative, '/'-separated keys. Refusing absolute paths and '..' keeps a file storage
 * inside its root whatever a topic name or message id put into a file name.
 */
export function checkPath(path: string): string {
  const parts = path.split('/');
  if (
    path === '' ||
    path.startsWith('/') ||
    path.includes('\\') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new HeroflowError(
      'HF_STORAGE_IO',
      `Invalid output path "${path}": expected a relative a/b/c key without "." or "..".`,
    );
  }
  return path;
}
