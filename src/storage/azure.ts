/**
 * `az://container/prefix` through the official @azure/storage-blob.
 *
 * Credentials, first match wins (names as the Azure CLI and seed 001 use them):
 *   AZURE_STORAGE_CONNECTION_STRING                      a connection string (Azurite's, or a portal one)
 *   AZURE_ACCOUNT_NAME + AZURE_ACCOUNT_KEY               seed 001's account + key (also AZURE_STORAGE_ACCOUNT
 *                                                        + AZURE_STORAGE_KEY)
 *   AZURE_ACCOUNT_NAME + AZURE_STORAGE_SAS_TOKEN         a SAS token (container or account scope)
 * The endpoint is https://<account>.blob.core.windows.net unless AZURE_STORAGE_BLOB_ENDPOINT says otherwise
 * (e.g. http://127.0.0.1:10000/devstoreaccount1 for Azurite).
 *
 * Durability: up to `multipartThreshold` one Put Blob (atomic); above it Put Block per part and one Put
 * Block List, which makes the blob appear whole. Blocks staged by a failed write are never committed and
 * the service discards them (after 7 days; they are invisible meanwhile); there is no abort call in the
 * Blob API. Put Blob sends the object's MD5 (x-ms-blob-content-md5, verified by the
 * service and stored), each Put Block its Content-MD5, and Put Block List stores the whole object's MD5. Retries: the SDK's exponential retry policy on throttling (503/500) and network errors.
 * Conditional create: If-None-Match: * on Put Blob / Put Block List.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { HeroflowError } from '../errors.js';
import {
  existsError,
  ioError,
  keyOf,
  type ObjectStoreOptions,
  parts,
  pool,
  type ResolvedObjectStoreOptions,
  resolveOptions,
  splitBucketUrl,
  type WriteOptions,
} from './object-store.js';
import type { Storage } from './types.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest();

function isExists(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string };
  return (
    e?.statusCode === 409 ||
    e?.statusCode === 412 ||
    e?.code === 'BlobAlreadyExists' ||
    e?.code === 'ConditionNotMet'
  );
}

export class AzureStorage implements Storage {
  readonly url: string;
  readonly container: string;
  readonly prefix: string;
  private readonly connect: (sdk: typeof import('@azure/storage-blob')) => BlobServiceClient;
  private loaded?: Promise<ContainerClient>;
  private readonly opts: ResolvedObjectStoreOptions;

  constructor(url: string, options: ObjectStoreOptions & { env?: NodeJS.ProcessEnv } = {}) {
    const env = options.env ?? process.env;
    const { bucket, prefix, url: canonical } = splitBucketUrl(url, 'az', 'container');
    this.container = bucket;
    this.prefix = prefix;
    this.url = canonical;
    this.opts = resolveOptions(options);
    const pipeline = {
      retryOptions: {
        maxTries: this.opts.maxAttempts,
        retryDelayInMs: 500,
        maxRetryDelayInMs: 8000,
        tryTimeoutInMs: 60_000,
      },
      userAgentOptions: { userAgentPrefix: 'heroflow' },
    };
    const account = env.AZURE_ACCOUNT_NAME ?? env.AZURE_STORAGE_ACCOUNT;
    const key = env.AZURE_ACCOUNT_KEY ?? env.AZURE_STORAGE_KEY;
    const sas = env.AZURE_STORAGE_SAS_TOKEN?.replace(/^\?/, '');
    const endpoint = (
      env.AZURE_STORAGE_BLOB_ENDPOINT ?? (account ? `https://${account}.blob.core.windows.net` : '')
    ).replace(/\/+$/, '');
    const conn = env.AZURE_STORAGE_CONNECTION_STRING;
    if (conn) {
      this.connect = (sdk) => sdk.BlobServiceClient.fromConnectionString(conn, pipeline);
    } else if (account && key) {
      this.connect = (sdk) =>
        new sdk.BlobServiceClient(endpoint, new sdk.StorageSharedKeyCredential(account, key), pipeline);
    } else if (endpoint && sas) {
      this.connect = (sdk) => new sdk.BlobServiceClient(`${endpoint}?${sas}`, undefined, pipeline);
    } else {
      throw new HeroflowError(
        'HF_STORAGE_URL',
        `Output URL "${this.url}" (OUTPUT_FS / --out) needs Azure credentials: AZURE_STORAGE_CONNECTION_STRING, or AZURE_ACCOUNT_NAME with AZURE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN (service principals via AZURE_CLIENT_ID/SECRET are not supported yet).`,
      );
    }
  }

  /** The SDK loads on first use, so that file:// and memory:// users never pay its memory. */
  private client(): Promise<ContainerClient> {
    this.loaded ??= import('@azure/storage-blob').then((sdk) => {
      try {
        return this.connect(sdk).getContainerClient(this.container);
      } catch (err) {
        throw new HeroflowError(
          'HF_STORAGE_URL',
          `Azure credentials for "${this.url}" are malformed (AZURE_STORAGE_CONNECTION_STRING / AZURE_ACCOUNT_KEY / AZURE_STORAGE_BLOB_ENDPOINT): ${ioError('', err).message.replace(/^: /, '')}`,
        );
      }
    });
    return this.loaded;
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const key = keyOf(this.prefix, path);
    const conditions = options.ifAbsent ? { ifNoneMatch: '*' } : undefined;
    const whole = md5(data);
    try {
      const blob = (await this.client()).getBlockBlobClient(key);
      if (data.byteLength <= this.opts.multipartThreshold) {
        await this.opts.beforeCommit?.(path);
        // Put Blob checks the body against x-ms-blob-content-md5 when no Content-MD5 is sent.
        await blob.upload(data, data.byteLength, {
          blobHTTPHeaders: { blobContentMD5: whole },
          conditions,
        });
        return;
      }
      const run = randomBytes(6).toString('hex');
      const ranges = parts(data.byteLength, this.opts.partSize);
      const ids = ranges.map((_, i) =>
        Buffer.from(`${run}-${String(i).padStart(6, '0')}`).toString('base64'),
      );
      await pool(ranges.length, this.opts.partConcurrency, async (i) => {
        const body = data.subarray(ranges[i].start, ranges[i].end);
        await blob.stageBlock(ids[i], body, body.byteLength, { transactionalContentMD5: md5(body) });
      });
      await this.opts.beforeCommit?.(path);
      await blob.commitBlockList(ids, { blobHTTPHeaders: { blobContentMD5: whole }, conditions });
    } catch (err) {
      if (options.ifAbsent && isExists(err)) throw existsError(this.url, path);
      throw ioError(`Could not write ${this.url}/${path}`, err);
    }
  }

  async read(path: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(
        await (await this.client()).getBlobClient(keyOf(this.prefix, path)).downloadToBuffer(),
      );
    } catch (err) {
      throw ioError(`Could not read ${this.url}/${path}`, err);
    }
  }

  async list(prefix = ''): Promise<string[]> {
    const base = this.prefix ? `${this.prefix}/` : '';
    const out: string[] = [];
    try {
      for await (const b of (await this.client()).listBlobsFlat({ prefix: base + prefix }))
        out.push(b.name.slice(base.length));
    } catch (err) {
      throw ioError(`Could not list ${this.url}`, err);
    }
    return out.sort();
  }

  async close(): Promise<void> {}
}
