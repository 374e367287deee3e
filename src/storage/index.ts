/**
 * The storage part's face: `openStorage(url)` turns the output setting (OUTPUT_FS / --out) into a Storage.
 *   file:///abs/dir          a local directory
 *   ./out, /abs/out          a plain path (relative to the working directory)
 *   memory://                in-process, for demos, tests and benches
 *   s3://bucket/prefix       Amazon S3 or an S3-compatible server (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)
 *   gs://bucket/prefix       Google Cloud Storage (STORAGE_EMULATOR_HOST for an emulator)
 *   az://container/prefix    Azure Blob Storage (connection string, account + key, or SAS)
 * Credentials come from the environment the way each cloud's own tools read them (docs/storage.md), never
 * from the URL; error messages and `url` are redacted.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeroflowError } from '../errors.js';
import { AzureStorage } from './azure.js';
import { FileStorage } from './file.js';
import { GcsStorage } from './gcs.js';
import { MemoryStorage } from './memory.js';
import type { ObjectStoreOptions } from './object-store.js';
import { redact } from './redact.js';
import { S3Storage } from './s3.js';
import type { Storage } from './types.js';

export { AzureStorage } from './azure.js';
export { FileStorage } from './file.js';
export { GcsStorage } from './gcs.js';
export { MemoryStorage } from './memory.js';
export type { ObjectStoreOptions } from './object-store.js';
export { redact } from './redact.js';
export { S3Storage } from './s3.js';
export type { Storage, WriteOptions } from './types.js';

const ALLOWED =
  'file:///absolute/dir, a plain directory path, memory://, s3://bucket/prefix, gs://bucket/prefix or az://container/prefix';

export function openStorage(url: string, options: ObjectStoreOptions = {}): Storage {
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
  switch (scheme) {
    case 'memory:':
      return new MemoryStorage();
    case 'file:': {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch (err) {
        throw new HeroflowError(
          'HF_STORAGE_URL',
          `Output URL "${redact(url)}" (OUTPUT_FS / --out) is not a valid file URL: ${(err as Error).message}. Use ${ALLOWED}.`,
        );
      }
      return new FileStorage(path);
    }
    case 's3:':
    case 's3a:':
      return new S3Storage(url, options);
    case 'gs:':
    case 'gcs:':
      return new GcsStorage(url, options);
    case 'az:':
    case 'azure:':
      return new AzureStorage(url, options);
  }
  throw new HeroflowError(
    'HF_STORAGE_URL',
    `Output URL "${redact(url)}" (OUTPUT_FS / --out) has an unknown scheme ${scheme}//. Use ${ALLOWED}.`,
  );
}
