import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HeroflowError } from '../errors.js';

const FS_SCHEMES = { aws: 's3', gcp: 'gs', azure: 'az' } as const;

/**
 * The output location as a URL. `--out` may already be a URL (it wins); otherwise upstream's OUTPUT_FS
 * says which file system the path lives on: LOCAL → file:// (relative paths from the working dir),
 * AWS → s3://, GCP → gs://, AZURE → az://.
 */
export function resolveOutputUrl(out: string, outputFs: 'local' | 'aws' | 'gcp' | 'azure'): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(out)) return out;
  if (outputFs === 'local') return pathToFileURL(path.resolve(out)).href;
  const bucketPath = out.replace(/^\/+/, '');
  if (!bucketPath) {
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --out (env OUTPUT_DIR): OUTPUT_FS=${outputFs.toUpperCase()} needs a bucket, e.g. --out my-bucket/superhero.`,
    );
  }
  return `${FS_SCHEMES[outputFs]}://${bucketPath}`;
}
