/**
 * The storage contract every backend keeps (file, memory, and the object stores on real emulators):
 * write/overwrite/read/list, prefixes isolate, multipart, a failure before commit leaves nothing visible
 * (and keeps an older object whole), conditional create, and failures reported as redacted
 * HF_STORAGE_IO errors.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { isHeroflowError } from '../../src/errors.js';
import {
  FileStorage,
  MemoryStorage,
  type ObjectStoreOptions,
  openStorage,
  type Storage,
} from '../../src/storage/index.js';
import {
  createBucket,
  EMULATORS,
  emulatorEnv,
  type ObjectStoreName,
  SCHEME,
  skipUnlessEmulator,
  useEmulatorEnv,
} from './object-stores.js';

const dir = mkdtempSync(join(tmpdir(), 'heroflow-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const MiB = 1024 * 1024;
/** Small parts so that "multipart" costs little: S3's minimum part size is 5 MiB. */
const SMALL_PARTS: ObjectStoreOptions = { multipartThreshold: 5 * MiB, partSize: 5 * MiB, maxAttempts: 3 };

interface Backend {
  name: string;
  skip: false | string;
  /** A storage at a fresh location (bucket/prefix or directory); `prefix` shares the location's root. */
  make(prefix: string, options?: ObjectStoreOptions): Storage;
  setup?(): Promise<void>;
}

function fileBackend(): Backend {
  const root = mkdtempSync(join(dir, 'f-'));
  return {
    name: 'file',
    skip: false,
    make: (prefix, options) => {
      const s = new FileStorage(join(root, prefix));
      s.beforeCommit = options?.beforeCommit;
      return s;
    },
  };
}

function memoryBackend(): Backend {
  // One MemoryStorage per prefix; memory has no hook points (a write is one Map.set).
  const stores = new Map<string, MemoryStorage>();
  return {
    name: 'memory',
    skip: false,
    make: (prefix) => {
      let s = stores.get(prefix);
      if (!s) {
        s = new MemoryStorage();
        stores.set(prefix, s);
      }
      return s;
    },
  };
}

async function objectBackend(name: ObjectStoreName): Promise<Backend> {
  const skip = await skipUnlessEmulator(name);
  let bucket = '';
  return {
    name,
    skip,
    setup: async () => {
      useEmulatorEnv(name);
      bucket = await createBucket(name, 'contract');
    },
    make: (prefix, options) => openStorage(`${SCHEME[name]}://${bucket}/${prefix}`, options),
  };
}

const backends: Backend[] = [
  fileBackend(),
  memoryBackend(),
  await objectBackend('s3'),
  await objectBackend('gcs'),
  await objectBackend('azure'),
];

for (const b of backends) {
  describe(`storage contract: ${b.name}`, { skip: b.skip }, () => {
    before(async () => b.setup?.());

    it('writes, overwrites, reads back and lists sorted under a prefix', async () => {
      const s = b.make('run-1');
      await s.write('t/date=2023-09-01/b.parquet', bytes('one'));
      await s.write('t/date=2023-09-01/a.parquet', bytes('two'));
      await s.write('u/c.parquet', bytes('three'));
      await s.write('t/date=2023-09-01/b.parquet', bytes('four'));
      assert.equal(text(await s.read('t/date=2023-09-01/b.parquet')), 'four');
      assert.equal(text(await s.read('u/c.parquet')), 'three');
      assert.deepEqual(await s.list(), [
        't/date=2023-09-01/a.parquet',
        't/date=2023-09-01/b.parquet',
        'u/c.parquet',
      ]);
      assert.deepEqual(await s.list('u/'), ['u/c.parquet']);
      assert.deepEqual(await s.list('nothing/'), []);
      // Another prefix of the same bucket sees none of it.
      const other = b.make('run-2');
      assert.deepEqual(await other.list(), []);
      await other.close();
      await s.close();
    });

    it('refuses paths that leave the root and reports a missing object as HF_STORAGE_IO', async () => {
      const s = b.make('run-paths');
      for (const bad of ['../x', '/abs', 'a//b', 'a/./b', '']) {
        await assert.rejects(s.write(bad, bytes('x')), (e) => isHeroflowError(e, 'HF_STORAGE_IO'), bad);
      }
      await assert.rejects(s.read('missing.parquet'), (e) => isHeroflowError(e, 'HF_STORAGE_IO'));
      await s.close();
    });

    it('writes an object above the multipart threshold in parts and reads it back byte for byte', async () => {
      const s = b.make('run-multipart', SMALL_PARTS);
      const big = randomBytes(11 * MiB + 12345);
      await s.write('big/object.parquet', big);
      const back = await s.read('big/object.parquet');
      assert.equal(back.byteLength, big.byteLength);
      assert.ok(Buffer.from(back).equals(big), 'multipart object differs from what was written');
      // Overwrite in parts with other bytes: the new object replaces the old one whole.
      const big2 = randomBytes(10 * MiB + 1);
      await s.write('big/object.parquet', big2);
      assert.ok(Buffer.from(await s.read('big/object.parquet')).equals(big2));
      assert.deepEqual(await s.list('big/'), ['big/object.parquet']);
      await s.close();
    });

    it('a failure before commit leaves nothing visible, and an older object whole', {
      skip: b.name === 'memory' ? 'memory has no commit step (one Map.set)' : false,
    }, async () => {
      const fail = () => {
        throw new Error('injected failure before commit');
      };
      const s = b.make('run-fail', { ...SMALL_PARTS, beforeCommit: fail });
      for (const size of [100, 11 * MiB]) {
        await assert.rejects(s.write(`new-${size}.parquet`, randomBytes(size)), (e) =>
          isHeroflowError(e, 'HF_STORAGE_IO'),
        );
      }
      assert.deepEqual(await s.list(), []);
      // An object already there survives a failed overwrite untouched.
      const ok = b.make('run-fail', SMALL_PARTS);
      const old = randomBytes(6 * MiB);
      await ok.write('kept.parquet', old);
      await assert.rejects(s.write('kept.parquet', randomBytes(11 * MiB)), (e) =>
        isHeroflowError(e, 'HF_STORAGE_IO'),
      );
      await assert.rejects(s.write('kept.parquet', bytes('small')), (e) =>
        isHeroflowError(e, 'HF_STORAGE_IO'),
      );
      assert.ok(Buffer.from(await ok.read('kept.parquet')).equals(old));
      assert.deepEqual(await ok.list(), ['kept.parquet']);
      if (b.name === 's3') {
        // The aborted multipart uploads are gone, not merely invisible.
        const env = emulatorEnv('s3');
        const client = new S3Client({
          endpoint: EMULATORS.s3,
          forcePathStyle: true,
          region: 'us-east-1',
          credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
        });
        const bucket = (ok as unknown as { bucket: string }).bucket;
        const r = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        client.destroy();
        assert.deepEqual(r.Uploads ?? [], []);
      }
      await s.close();
      await ok.close();
    });

    it('conditional create writes a new object and refuses an existing one with HF_STORAGE_EXISTS', async () => {
      const s = b.make('run-ifabsent', SMALL_PARTS);
      await s.write('once.parquet', bytes('first'), { ifAbsent: true });
      await assert.rejects(s.write('once.parquet', bytes('second'), { ifAbsent: true }), (e) =>
        isHeroflowError(e, 'HF_STORAGE_EXISTS'),
      );
      assert.equal(text(await s.read('once.parquet')), 'first');
      await s.close();
    });
  });
}

const azureSkip = backends.find((x) => x.name === 'azure')?.skip ?? false;

describe('object-store errors', () => {
  it('an unreachable endpoint gives HF_STORAGE_IO after retries, naming the object', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, emulatorEnv('s3'), { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
      const s = openStorage('s3://nowhere/p', { maxAttempts: 2 });
      await assert.rejects(
        s.write('a.parquet', bytes('x')),
        (e) => isHeroflowError(e, 'HF_STORAGE_IO') && /s3:\/\/nowhere\/p\/a\.parquet/.test(e.message),
      );
      await s.close();
    } finally {
      process.env = saved;
    }
  });

  it('refuses credentials in the URL and bad endpoints with HF_STORAGE_URL, never echoing the secret', () => {
    for (const url of ['s3://AKIAXXXX:topsecret123@bucket/p', 'az://user:topsecret123@container']) {
      assert.throws(
        () => openStorage(url),
        (e) =>
          isHeroflowError(e, 'HF_STORAGE_URL') &&
          !e.message.includes('topsecret123') &&
          /environment/.test(e.message),
        url,
      );
    }
    for (const url of ['s3:///prefix', 'gs://', 'az://']) {
      assert.throws(
        () => openStorage(url),
        (e) => isHeroflowError(e, 'HF_STORAGE_URL') && e.exitCode === 2,
        url,
      );
    }
  });

  it('Azure without credentials names the variables to set', () => {
    const saved = { ...process.env };
    try {
      for (const k of Object.keys(process.env)) if (k.startsWith('AZURE_')) delete process.env[k];
      assert.throws(
        () => openStorage('az://container/p'),
        (e) =>
          isHeroflowError(e, 'HF_STORAGE_URL') &&
          /AZURE_STORAGE_CONNECTION_STRING/.test(e.message) &&
          /AZURE_ACCOUNT_KEY/.test(e.message),
      );
    } finally {
      process.env = saved;
    }
  });

  it('a wrong Azure key is refused by the server, and the error shows neither key', {
    skip: azureSkip,
  }, async () => {
    const saved = { ...process.env };
    try {
      useEmulatorEnv('azure');
      const container = await createBucket('azure', 'redact');
      const wrongKey = Buffer.from('not-the-key-not-the-key-not-the-key-0123456789').toString('base64');
      delete process.env.AZURE_STORAGE_CONNECTION_STRING;
      Object.assign(process.env, {
        AZURE_ACCOUNT_NAME: 'devstoreaccount1',
        AZURE_ACCOUNT_KEY: wrongKey,
        AZURE_STORAGE_BLOB_ENDPOINT: EMULATORS.azure,
      });
      const s = openStorage(`az://${container}/p`, { maxAttempts: 1 });
      await assert.rejects(s.write('a.parquet', bytes('x')), (e) => {
        assert.ok(isHeroflowError(e, 'HF_STORAGE_IO'), String(e));
        assert.ok(!e.message.includes(wrongKey), e.message);
        assert.match(e.message, /HTTP 403/);
        return true;
      });
    } finally {
      process.env = saved;
    }
  });
});
