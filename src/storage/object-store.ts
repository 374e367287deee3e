/**
 * What the object-store backends (s3://, gs://, az://) share: the URL shape, the size above which an
 * object goes up in parts, bounded part concurrency, and turning an SDK failure into a redacted
 * HF_STORAGE_IO error.
 */
import { crc32c } from '@node-rs/crc32';
import { HeroflowError } from '../errors.js';
import { checkPath } from './paths.js';
import { redact } from './redact.js';

export interface ObjectStoreOptions {
  /** Objects up to this many bytes go up in one request (single PUT); larger ones in parts. Default 8 MiB. */
  multipartThreshold?: number;
  /** Part / block / chunk size for larger objects. Default 8 MiB (S3 needs ≥ 5 MiB but for the last). */
  partSize?: number;
  /** Parts in flight at once for one object (bounded memory: the object is already in memory). Default 4. */
  partConcurrency?: number;
  /** Attempts per request (first try included) on throttling, 5xx and network errors. Default 5. */
  maxAttempts?: number;
  /**
   * Test hook, not a setting: runs after every part is uploaded and before the object is committed
   * (S3 CompleteMultipartUpload, Azure Put Block List, the last GCS chunk). A throw here must leave
   * nothing visible — the contract suite's "failure → nothing visible" case.
   */
  beforeCommit?: (path: string) => Promise<void> | void;
}

export const DEFAULTS = {
  multipartThreshold: 8 * 1024 * 1024,
  partSize: 8 * 1024 * 1024,
  partConcurrency: 4,
  maxAttempts: 5,
} as const;

export type { WriteOptions } from './types.js';

/** "bucket/prefix" from the URL after the scheme; the prefix has no leading/trailing slash. */
/** Options with every default filled in (`beforeCommit` stays optional: a test hook). */
export type ResolvedObjectStoreOptions = Required<Omit<ObjectStoreOptions, 'beforeCommit'>> &
  Pick<ObjectStoreOptions, 'beforeCommit'>;

export function resolveOptions(options: ObjectStoreOptions): ResolvedObjectStoreOptions {
  return { ...DEFAULTS, ...options };
}

/** Bucket (or container), key prefix, and the canonical URL without query: what every store opens by. */
export function splitBucketUrl(
  url: string,
  scheme: string,
  what: string,
): { bucket: string; prefix: string; url: string } {
  const rest = url.slice(url.indexOf('://') + 3).split(/[?#]/)[0];
  const [bucket, ...parts] = rest.split('/');
  if (!bucket) {
    throw new HeroflowError(
      'HF_STORAGE_URL',
      `Output URL "${redact(url)}" (OUTPUT_FS / --out) has no ${what}; use ${scheme}://<${what}>/<prefix>.`,
    );
  }
  if (bucket.includes('@')) {
    throw new HeroflowError(
      'HF_STORAGE_URL',
      `Output URL "${redact(url)}" (OUTPUT_FS / --out) carries credentials; put them in the environment (see docs/storage.md), never in the URL.`,
    );
  }
  const prefix = parts.filter(Boolean).join('/');
  return { bucket, prefix, url: `${scheme}://${bucket}${prefix ? `/${prefix}` : ''}` };
}

export function keyOf(prefix: string, path: string): string {
  checkPath(path);
  return prefix ? `${prefix}/${path}` : path;
}

export function ioError(what: string, err: unknown): HeroflowError {
  if (err instanceof HeroflowError) return err;
  const e = err as {
    message?: string;
    name?: string;
    code?: string;
    statusCode?: number;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e?.$metadata?.httpStatusCode ?? e?.statusCode;
  const detail = [
    e?.name && e.name !== 'Error' ? e.name : undefined,
    status ? `HTTP ${status}` : undefined,
    e?.message ?? String(err),
  ]
    .filter(Boolean)
    .join(': ');
  return new HeroflowError('HF_STORAGE_IO', redact(`${what}: ${detail}`));
}

export function existsError(url: string, path: string): HeroflowError {
  return new HeroflowError(
    'HF_STORAGE_EXISTS',
    `${url}/${path} already exists (conditional create refused the write).`,
  );
}

/** Run `fn` over 0..n-1 with at most `limit` in flight; the first failure rejects after in-flight ones settle. */
export async function pool<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(n);
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (failed === undefined && next < n) {
      const i = next++;
      try {
        results[i] = await fn(i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
  if (failed !== undefined) throw failed;
  return results;
}

export function parts(size: number, partSize: number): Array<{ start: number; end: number }> {
  const out = [];
  for (let start = 0; start < size; start += partSize)
    out.push({ start, end: Math.min(size, start + partSize) });
  return out;
}

/** CRC32C, big-endian base64 as S3 wants it; native (@node-rs/crc32), unlike the SDK's JS checksums. */
export function crc32cBase64(b: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) >>> 0);
  return out.toString('base64');
}
