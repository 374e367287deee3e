import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { isHeroflowError } from '../../src/errors.js';
import { countsKey, lastOffsetKey, type OffsetStore, openOffsetStore } from '../../src/state/index.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const uniq = () => randomBytes(4).toString('hex');

/** The same behaviour for every store: what is saved is loaded, topics do not mix, close is idempotent. */
async function roundTrip(open: () => OffsetStore): Promise<void> {
  const topic = `lib.server.game.${uniq()}`;
  const other = `lib.server.lobby.${uniq()}`;
  const store = open();
  assert.deepEqual(await store.load(topic), { counts: {}, lastOffset: {} });
  await store.save(topic, { counts: { '0': 3, '1': 2 }, lastOffset: { '0': 1041n, '1': 7n } });
  await store.save(other, { counts: { '0': 1 }, lastOffset: { '0': 0n } });
  await store.close();
  await store.close();

  const reopened = open();
  assert.deepEqual(await reopened.load(topic), {
    counts: { '0': 3, '1': 2 },
    lastOffset: { '0': 1041n, '1': 7n },
  });
  assert.deepEqual(await reopened.load(other), { counts: { '0': 1 }, lastOffset: { '0': 0n } });
  await reopened.close();
  await assert.rejects(reopened.load(topic), (err) => isHeroflowError(err, 'HF_CLOSED'));
}

test('memory:// stores opened with one URL share their state', () => {
  const url = `memory://${uniq()}`;
  return roundTrip(() => openOffsetStore(url));
});

describe('file:// store', () => {
  let dir = '';
  after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  test('round trip through a directory', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'heroflow-state-'));
    await roundTrip(() => openOffsetStore(pathToFileURL(dir).href));
  });

  test('the file holds the seed values as text', async () => {
    const store = openOffsetStore(pathToFileURL(dir).href);
    await store.save('lib.server.game', { counts: { '0': 1 }, lastOffset: {} });
    const doc = JSON.parse(await readFile(path.join(dir, 'lib.server.game.json'), 'utf8'));
    assert.deepEqual(doc, { counts: '{"0":1}', last_offset: '-1' });
  });
});

test('unknown schemes and non-URLs are HF_STATE_URL', () => {
  assert.throws(
    () => openOffsetStore('s3://bucket'),
    (err) => isHeroflowError(err, 'HF_STATE_URL'),
  );
  assert.throws(
    () => openOffsetStore('nope'),
    (err) => isHeroflowError(err, 'HF_STATE_URL'),
  );
});

describe('redis:// store (real Redis)', async () => {
  const skip = await skipUnlessService('redis');
  const url = SERVICE_URLS.redis;

  test('round trip', { skip }, () => roundTrip(() => openOffsetStore(url)));

  test('writes the seed keys, readable by redis-cli users', { skip }, async () => {
    const topic = `lib.server.game.${uniq()}`;
    const store = openOffsetStore(url);
    const raw = new Redis(url);
    try {
      await store.save(topic, { counts: { '0': 2 }, lastOffset: { '0': 1041n } });
      assert.deepEqual(JSON.parse((await raw.get(`kafka.partitions.${topic}.state.counts`)) ?? ''), {
        '0': 2,
      });
      assert.deepEqual(JSON.parse((await raw.get(`kafka.partitions.${topic}.state.last_offset`)) ?? ''), {
        '0': 1041,
      });
    } finally {
      await raw.del(countsKey(topic), lastOffsetKey(topic));
      raw.disconnect();
      await store.close();
    }
  });

  test("the seed's reset commands, as written, mean 'from the beginning'", { skip }, async () => {
    const topic = `lib.server.game.${uniq()}`;
    const store = openOffsetStore(url);
    const raw = new Redis(url);
    try {
      await store.save(topic, { counts: { '0': 5 }, lastOffset: { '0': 4n } });
      // redis-cli … SET kafka.partitions.<topic>.state.counts "{\"\": 0}" and SET … last_offset -1
      await raw.set(countsKey(topic), '{"": 0}');
      await raw.set(lastOffsetKey(topic), '-1');
      assert.deepEqual(await store.load(topic), { counts: { '': 0 }, lastOffset: {} });
    } finally {
      await raw.del(countsKey(topic), lastOffsetKey(topic));
      raw.disconnect();
      await store.close();
    }
  });

  test('an unreachable Redis is an error naming the store, not a hang', async () => {
    const store = openOffsetStore('redis://127.0.0.1:1/0', { connectTimeoutMs: 500 });
    await assert.rejects(
      store.load('t'),
      (err) => isHeroflowError(err) && /127\.0\.0\.1:1/.test(err.message),
    );
    await store.close();
  });
});
