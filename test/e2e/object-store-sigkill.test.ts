/**
 * A `heroflow worker` process writing to an object store (S3 on moto, GCS on fake-gcs-server, Azure on
 * Azurite) is SIGKILLed while it uploads, then a second worker of the same group finishes. Broker: Redis
 * Streams (redelivers a dead member's pending entries to a live one after claimIdleMs). Checks: every object
 * visible after the kill is a whole Parquet file (an upload cut by the kill never becomes an object), no
 * record is lost, and every row carries a published msg_id (a record that was in a durable file but not yet
 * acknowledged is written again: counted, allowed). On S3 the multipart uploads a SIGKILL leaves open are
 * counted (invisible; the bucket lifecycle rule in terraform/ removes them). Run `npm run build` first:
 * the workers are the build.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { readMetadata, readRows } from '../helpers/parquet.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import {
  createBucket,
  emulatorEnv,
  type ObjectStoreName,
  SCHEME,
  skipUnlessEmulator,
  useEmulatorEnv,
} from '../storage/object-stores.js';
import { heroflow, type Published, publishTournament, waitFor } from '../worker/e2e-helpers.js';

const hex = () => randomBytes(4).toString('hex');
const brokerUrl = `${SERVICE_URLS.redis.replace(/^redis:/, 'redis+streams:')}?claimIdleMs=1000`;
const redisSkip = await skipUnlessService('redis');
const storeSkips = new Map<ObjectStoreName, false | string>();
for (const s of ['s3', 'gcs', 'azure'] as const) storeSkips.set(s, await skipUnlessEmulator(s));

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const clean of cleanups) await clean().catch((err) => console.log(`# cleanup failed: ${err}`));
});

async function msgIds(storage: Storage) {
  const ids: string[] = [];
  for (const path of await storage.list('buffer_meta/')) {
    for (const r of await readRows(storage, path)) ids.push(String(r.msg_id));
  }
  return { rows: ids.length, unique: new Set(ids).size, ids: new Set(ids) };
}

describe('object stores: heroflow worker SIGKILL mid-upload, restart in the same group', {
  timeout: 300_000,
}, () => {
  for (const store of ['s3', 'gcs', 'azure'] as ObjectStoreName[]) {
    test(`${store}: no partial object, no record lost`, {
      skip: redisSkip || storeSkips.get(store),
    }, async (t) => {
      useEmulatorEnv(store);
      const bucket = await createBucket(store, 'sigkill');
      const url = `${SCHEME[store]}://${bucket}/run`;
      const storage = openStorage(url);
      const group = `hf-e2e-${hex()}`;
      const p: Published = await publishTournament(brokerUrl, { players: 20, games: 10, seed: 4004 });
      cleanups.push(async () => {
        const redis = new Redis(SERVICE_URLS.redis);
        await redis.del(...Object.keys(p.byTopic));
        redis.disconnect();
      });
      const args = [
        'worker',
        '--broker',
        brokerUrl,
        '--topics',
        p.topics.join(','),
        '--group',
        group,
        '--out',
        url,
        '--roll-rows',
        '50',
        '--roll-age',
        '1s',
        '--exit-when-idle',
        '10s',
        '--log-level',
        'warning',
      ];
      const env = emulatorEnv(store);
      const first = heroflow(args, env);
      let exited = false;
      void first.exit.then(() => {
        exited = true;
      });
      await waitFor(async () => exited || (await storage.list('buffer_meta/')).length >= 3);
      first.child.kill('SIGKILL');
      await first.exit;
      assert.equal(
        first.child.signalCode,
        'SIGKILL',
        `the first worker was killed, not done (${first.stderr})`,
      );

      // Whatever is visible is whole: each object parses as Parquet (footer and all).
      const visible = await storage.list();
      for (const path of visible) await readMetadata(storage, path);
      const before = await msgIds(storage);
      assert.ok(before.unique < p.total, 'the kill landed before the end');

      let openUploads = 0;
      if (store === 's3') {
        const { ListMultipartUploadsCommand, S3Client } = await import('@aws-sdk/client-s3');
        const client = new S3Client({
          endpoint: env.AWS_ENDPOINT_URL,
          forcePathStyle: true,
          region: 'us-east-1',
        });
        openUploads =
          (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length ?? 0;
        client.destroy();
      }

      const second = heroflow(args, env);
      assert.equal(await second.exit, 0, second.stderr);
      const ids = await msgIds(storage);
      t.diagnostic(
        `${store}: published ${p.total}; killed with ${visible.length} objects (${before.unique} records) visible, ` +
          `${openUploads} open multipart uploads; final buffer_meta rows ${ids.rows}, unique ${ids.unique}`,
      );
      assert.equal(ids.unique, p.total, 'no record lost');
      assert.deepEqual(ids.ids, p.ids, 'every row carries a published msg_id');
      await storage.close();
    });
  }
});
