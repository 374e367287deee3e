/**
 * `gs://bucket/prefix` through the official @google-cloud/storage.
 *
 * Credentials: Application Default Credentials — GOOGLE_APPLICATION_CREDENTIALS naming a service-account
 * JSON file (seed 001's gcloud_cred.json), `gcloud auth application-default login`, or the metadata server
 * on GCP. Project: GCP_PROJECT_ID (seed 001) or GOOGLE_CLOUD_PROJECT, else from the credentials.
 * STORAGE_EMULATOR_HOST (e.g. http://127.0.0.1:4443, fake-gcs-server) sends every request there, unauthenticated.
 *
 * Durability: up to `multipartThreshold` one multipart/related upload request (atomic); above it a
 * resumable upload sent in `partSize` chunks, and the object appears only when the last chunk finalises
 * it. A failed write never finalises; the session expires on its own (one week) and is invisible meanwhile.
 * The request declares the object's MD5 and CRC32C (computed natively) and the server refuses a body
 * that does not match either. Retries: the library's exponential back-off on 408/429/5xx and
 * network errors, for every write (a whole-object write of the same bytes to the same name is idempotent).
 * Conditional create: ifGenerationMatch=0.
 */
import { createHash } from 'node:crypto';
import type { Storage as GcsClient } from '@google-cloud/storage';
import { HeroflowError } from '../errors.js';
import {
  crc32cBase64,
  existsError,
  ioError,
  keyOf,
  type ObjectStoreOptions,
  type ResolvedObjectStoreOptions,
  resolveOptions,
  splitBucketUrl,
  type WriteOptions,
} from './object-store.js';
import type { Storage } from './types.js';

const CHUNK_QUANTUM = 256 * 1024;

export class GcsStorage implements Storage {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly emulator: string | undefined;
  private readonly projectId: string | undefined;
  private loaded?: Promise<GcsClient>;
  private readonly opts: ResolvedObjectStoreOptions;

  constructor(url: string, options: ObjectStoreOptions & { env?: NodeJS.ProcessEnv } = {}) {
    const env = options.env ?? process.env;
    const { bucket, prefix, url: canonical } = splitBucketUrl(url, 'gs', 'bucket');
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = canonical;
    this.opts = resolveOptions(options);
    // Resumable chunks must be multiples of 256 KiB.
    this.opts.partSize = Math.max(
      CHUNK_QUANTUM,
      Math.floor(this.opts.partSize / CHUNK_QUANTUM) * CHUNK_QUANTUM,
    );
    // STORAGE_EMULATOR_HOST as the Go/Python clients take it: host:port or http://host:port, optionally
    // ending in /storage/v1. The Node library uses the variable verbatim as its JSON-API base URL, so it
    // needs the /storage/v1 suffix while uploads need the bare host: set both, for the constructor only.
    const raw = env.STORAGE_EMULATOR_HOST?.trim();
    let emulator: string | undefined;
    if (raw) {
      emulator = (/^https?:\/\//i.test(raw) ? raw : `http://${raw}`)
        .replace(/\/+$/, '')
        .replace(/\/storage\/v1$/, '');
      if (!/^https?:\/\/[^/]+$/i.test(emulator)) {
        throw new HeroflowError(
          'HF_STORAGE_URL',
          `STORAGE_EMULATOR_HOST="${raw}" is not host:port or an http(s) URL; use e.g. http://127.0.0.1:4443.`,
        );
      }
    }
    this.emulator = emulator;
    this.projectId = env.GCP_PROJECT_ID ?? env.GOOGLE_CLOUD_PROJECT ?? (emulator ? 'heroflow' : undefined);
  }

  /** The library loads on first use, so that file:// and memory:// users never pay its memory. */
  private client(): Promise<GcsClient> {
    this.loaded ??= import('@google-cloud/storage').then(({ IdempotencyStrategy, Storage }) => {
      const saved = process.env.STORAGE_EMULATOR_HOST;
      if (this.emulator) process.env.STORAGE_EMULATOR_HOST = `${this.emulator}/storage/v1`;
      else delete process.env.STORAGE_EMULATOR_HOST;
      try {
        return new Storage({
          projectId: this.projectId,
          apiEndpoint: this.emulator,
          retryOptions: {
            autoRetry: true,
            maxRetries: Math.max(1, this.opts.maxAttempts - 1),
            retryDelayMultiplier: 2,
            totalTimeout: 120,
            maxRetryDelay: 8,
            idempotencyStrategy: IdempotencyStrategy.RetryAlways,
          },
        });
      } finally {
        if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
        else process.env.STORAGE_EMULATOR_HOST = saved;
      }
    });
    return this.loaded;
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const key = keyOf(this.prefix, path);
    const resumable = data.byteLength > this.opts.multipartThreshold;
    const md5Hash = createHash('md5').update(data).digest('base64');
    const crc32c = crc32cBase64(data);
    try {
      const file = (await this.client()).bucket(this.bucket).file(key);
      if (!resumable) await this.opts.beforeCommit?.(path);
      await new Promise<void>((resolve, reject) => {
        const stream = file.createWriteStream({
          resumable,
          chunkSize: resumable ? this.opts.partSize : undefined,
          // The server checks the declared MD5 and CRC32C (native) and refuses a mismatch; the library's own
          // validation would compute CRC32C again in JavaScript (3x the time of a 256 KiB upload).
          validation: false,
          metadata: { contentType: 'application/octet-stream', md5Hash, crc32c },
          preconditionOpts: options.ifAbsent ? { ifGenerationMatch: 0 } : undefined,
        });
        stream.once('error', reject);
        stream.once('finish', resolve);
        if (!resumable) {
          stream.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
          return;
        }
        // Everything but the last chunk, then the hook, then the chunk that finalises the object.
        const cut = data.byteLength - Math.min(data.byteLength, this.opts.partSize);
        const head = Buffer.from(data.buffer, data.byteOffset, cut);
        const tail = Buffer.from(data.buffer, data.byteOffset + cut, data.byteLength - cut);
        const finish = async () => {
          try {
            await this.opts.beforeCommit?.(path);
            stream.end(tail);
          } catch (err) {
            stream.destroy(err as Error);
          }
        };
        if (stream.write(head)) void finish();
        else stream.once('drain', () => void finish());
      });
    } catch (err) {
      const status = (err as { code?: number }).code;
      if (options.ifAbsent && status === 412) throw existsError(this.url, path);
      throw ioError(`Could not write ${this.url}/${path}`, err);
    }
  }

  async read(path: string): Promise<Uint8Array> {
    try {
      const [buf] = await (await this.client()).bucket(this.bucket).file(keyOf(this.prefix, path)).download();
      return new Uint8Array(buf);
    } catch (err) {
      throw ioError(`Could not read ${this.url}/${path}`, err);
    }
  }

  async list(prefix = ''): Promise<string[]> {
    const base = this.prefix ? `${this.prefix}/` : '';
    try {
      const [files] = await (await this.client())
        .bucket(this.bucket)
        .getFiles({ prefix: base + prefix, autoPaginate: true });
      return files.map((f) => f.name.slice(base.length)).sort();
    } catch (err) {
      throw ioError(`Could not list ${this.url}`, err);
    }
  }

  async close(): Promise<void> {}
}
