/**
 * `s3://bucket/prefix` through the official @aws-sdk/client-s3.
 *
 * Configuration is the AWS SDK's own: credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/
 * AWS_SESSION_TOKEN), AWS_PROFILE and ~/.aws/{credentials,config}, SSO, web identity, IMDS — a working AWS
 * CLI setup needs nothing else. Region from AWS_REGION / AWS_DEFAULT_REGION / the profile, else us-east-1.
 * An S3-compatible server (MinIO, moto, Ceph, R2…) is reached with AWS_ENDPOINT_URL_S3 or
 * AWS_ENDPOINT_URL (or `?endpoint=` in the URL); such endpoints use path-style addressing.
 *
 * Durability: an object up to `multipartThreshold` is one PutObject (atomic on S3); a larger one is a
 * multipart upload whose parts only become an object at CompleteMultipartUpload, and which is aborted on
 * any failure, so a reader sees the whole object or none. Every request carries Content-MD5 and
 * x-amz-checksum-crc32c (computed natively; the server rejects a body that matches neither), and the
 * multipart object carries CRC32C per part. Throttling, 5xx and network
 * errors are retried by the SDK's standard retry strategy (exponential back-off with jitter).
 * Conditional create: PutObject / CompleteMultipartUpload with If-None-Match: * (S3 since 2024-08).
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { HeroflowError } from '../errors.js';
import {
  crc32cBase64,
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
import { redact } from './redact.js';
import type { Storage } from './types.js';

type Sdk = typeof import('@aws-sdk/client-s3');

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('base64');

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.$metadata?.httpStatusCode === 412 || e?.name === 'PreconditionFailed';
}

export class S3Storage implements Storage {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string | undefined;
  private readonly region: string | undefined;
  private loaded?: Promise<{ sdk: Sdk; client: S3Client }>;
  private readonly opts: ResolvedObjectStoreOptions;

  constructor(url: string, options: ObjectStoreOptions & { env?: NodeJS.ProcessEnv } = {}) {
    const env = options.env ?? process.env;
    const { bucket, prefix, url: canonical } = splitBucketUrl(url, 's3', 'bucket');
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = canonical;
    this.opts = resolveOptions(options);
    const query = new URL(url.replace(/^s3a?:/i, 'http:')).searchParams;
    this.endpoint = query.get('endpoint') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? undefined;
    if (this.endpoint !== undefined && !/^https?:\/\/[^/]/i.test(this.endpoint)) {
      throw new HeroflowError(
        'HF_STORAGE_URL',
        `S3 endpoint "${redact(this.endpoint)}" (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / ?endpoint=) is not an http(s) URL; use e.g. http://127.0.0.1:5000.`,
      );
    }
    this.region = query.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  }

  /** The SDK loads on first use, so that file:// and memory:// users never pay its memory. */
  private sdk(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.loaded ??= import('@aws-sdk/client-s3').then((sdk) => {
      // Without an explicit region, ask the SDK's provider chain (profile files), then fall back.
      const probe = this.region === undefined ? new sdk.S3Client({}) : undefined;
      const client = new sdk.S3Client({
        region:
          this.region ??
          (async () => {
            try {
              return await (probe as S3Client).config.region();
            } catch {
              return 'us-east-1';
            } finally {
              probe?.destroy();
            }
          }),
        endpoint: this.endpoint,
        forcePathStyle: this.endpoint !== undefined,
        maxAttempts: this.opts.maxAttempts,
        retryMode: 'standard',
        // heroflow sends Content-MD5 and a native CRC32C itself; the SDK's JS checksums would cost more CPU
        // than the upload on small files. Reads keep the SDK's validation.
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      return { sdk, client };
    });
    return this.loaded;
  }

  private key(path: string): string {
    return keyOf(this.prefix, path);
  }

  async write(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const Key = this.key(path);
    const IfNoneMatch = options.ifAbsent ? '*' : undefined;
    if (data.byteLength <= this.opts.multipartThreshold) {
      try {
        const { sdk, client } = await this.sdk();
        await this.opts.beforeCommit?.(path);
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: this.bucket,
            Key,
            Body: data,
            ContentMD5: md5(data),
            ChecksumCRC32C: crc32cBase64(data),
            IfNoneMatch,
          }),
        );
      } catch (err) {
        if (isPreconditionFailed(err)) throw existsError(this.url, path);
        throw ioError(`Could not write ${this.url}/${path}`, err);
      }
      return;
    }
    const { sdk, client } = await this.sdk();
    let uploadId: string | undefined;
    try {
      const created = await client.send(
        new sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key, ChecksumAlgorithm: 'CRC32C' }),
      );
      uploadId = created.UploadId;
      const ranges = parts(data.byteLength, this.opts.partSize);
      const etags = await pool(ranges.length, this.opts.partConcurrency, async (i) => {
        const body = data.subarray(ranges[i].start, ranges[i].end);
        const ChecksumCRC32C = crc32cBase64(body);
        const r = await client.send(
          new sdk.UploadPartCommand({
            Bucket: this.bucket,
            Key,
            UploadId: uploadId,
            PartNumber: i + 1,
            Body: body,
            ContentMD5: md5(body),
            ChecksumCRC32C,
          }),
        );
        return { ETag: r.ETag, PartNumber: i + 1, ChecksumCRC32C };
      });
      await this.opts.beforeCommit?.(path);
      await client.send(
        new sdk.CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key,
          UploadId: uploadId,
          MultipartUpload: { Parts: etags },
          IfNoneMatch,
        }),
      );
      uploadId = undefined;
    } catch (err) {
      if (uploadId !== undefined) {
        // Abort so that no parts linger (billed, and visible to ListMultipartUploads). Best effort: a
        // bucket lifecycle rule (AbortIncompleteMultipartUpload, see terraform/) collects what a crash leaves.
        await client
          .send(new sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId }))
          .catch(() => {});
      }
      if (isPreconditionFailed(err)) throw existsError(this.url, path);
      throw ioError(`Could not write ${this.url}/${path} (multipart upload aborted)`, err);
    }
  }

  async read(path: string): Promise<Uint8Array> {
    try {
      const { sdk, client } = await this.sdk();
      const r = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      return await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    } catch (err) {
      throw ioError(`Could not read ${this.url}/${path}`, err);
    }
  }

  async list(prefix = ''): Promise<string[]> {
    const base = this.prefix ? `${this.prefix}/` : '';
    const out: string[] = [];
    let token: string | undefined;
    try {
      const { sdk, client } = await this.sdk();
      do {
        const r = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base + prefix,
            ContinuationToken: token,
          }),
        );
        for (const o of r.Contents ?? []) if (o.Key) out.push(o.Key.slice(base.length));
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw ioError(`Could not list ${this.url}`, err);
    }
    return out.sort();
  }

  async close(): Promise<void> {
    if (this.loaded) (await this.loaded.catch(() => undefined))?.client.destroy();
  }
}
