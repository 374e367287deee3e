/**
 * OffsetStore.advance: workers of one group own different partitions of a topic but share its two keys,
 * so each update must be atomic per partition. Proven with concurrent updaters — separate connections in
 * one process, and separate processes — on the real Redis and on the file store.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { isHeroflowError } from '../../src/errors.js';
import { countsKey, lastOffsetKey, type OffsetStore, openOffsetStore } from '../../src/state/index.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const uniq = () => `lib.server.game.${randomBytes(4).toString('hex')}`;
const ROUNDS = 150;
const PARTITIONS = 4;

/** PARTITIONS updaters, one per partition, each advancing ROUNDS times by 2 messages, all at once. */
async function hammer(open: () => OffsetStore, topic: string): Promise<void> {
  const stores = Array.from({ length: PARTITIONS }, open);
  await Promise.all(
    stores.map(async (store, p) => {
      for (let i = 0; i < ROUNDS; i++) await store.advance(topic, p, 2, BigInt(i * 2 + 1));
    }),
  );
  await Promise.all(stores.map((s) => s.close()));
}

function expectAll(state: { counts: Record<string, number>; lastOffset: Record<string, bigint> }): void {
  for (let p = 0; p < PARTITIONS; p++) {
    assert.equal(state.counts[String(p)], ROUNDS * 2, `counts of partition ${p}: no update lost`);
    assert.equal(state.lastOffset[String(p)], BigInt(ROUNDS * 2 - 1), `last_offset of partition ${p}`);
  }
}

/** The same hammering from separate OS processes, through the compiled-on-the-fly store. */
function hammerInProcesses(url: string, topic: string): Promise<void> {
  const script = `
    import { openOffsetStore } from ${JSON.stringify(path.resolve('src/state/index.ts'))};
    const [url, topic, p, rounds] = process.argv.slice(-4);
    const store = openOffsetStore(url);
    for (let i = 0; i < Number(rounds); i++) await store.advance(topic, Number(p), 2, BigInt(i * 2 + 1));
    await store.close();`;
  return Promise.all(
    Array.from(
      { length: PARTITIONS },
      (_, p) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', '--input-type=module', '-e', script, url, topic, String(p), String(ROUNDS)],
            { stdio: ['ignore', 'inherit', 'inherit'] },
          );
          child.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`updater ${p} exited ${code}`)),
          );
        }),
    ),
  ).then(() => {});
}

test('memory:// advance from concurrent updaters loses nothing', async () => {
  const url = `memory://${randomBytes(4).toString('hex')}`;
  const topic = uniq();
  await hammer(() => openOffsetStore(url), topic);
  expectAll(await openOffsetStore(url).load(topic));
});

describe('file:// advance', () => {
  let dir = '';
  after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  test('concurrent updaters in one process and in separate processes lose nothing', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'heroflow-advance-'));
    const url = pathToFileURL(dir).href;
    const a = uniq();
    await hammer(() => openOffsetStore(url), a);
    expectAll(await openOffsetStore(url).load(a));
    const b = uniq();
    await hammerInProcesses(url, b);
    expectAll(await openOffsetStore(url).load(b));
  });
});

describe('redis:// advance (real Redis)', async () => {
  const skip = await skipUnlessService('redis');
  const url = SERVICE_URLS.redis;
  const raw = skip ? undefined : new Redis(url);
  const topics: string[] = [];
  const topic = () => {
    const t = uniq();
    topics.push(t);
    return t;
  };
  after(async () => {
    if (!raw) return;
    for (const t of topics) await raw.del(countsKey(t), lastOffsetKey(t));
    raw.disconnect();
  });

  test('concurrent updaters on separate connections lose nothing', { skip }, async () => {
    const t = topic();
    await hammer(() => openOffsetStore(url), t);
    const store = openOffsetStore(url);
    expectAll(await store.load(t));
    await store.close();
  });

  test('concurrent updaters in separate processes lose nothing', { skip }, async () => {
    const t = topic();
    await hammerInProcesses(url, t);
    const store = openOffsetStore(url);
    expectAll(await store.load(t));
    await store.close();
  });

  test("after the seed's reset values, advance starts from them and keeps the seed's forms", {
    skip,
  }, async () => {
    const t = topic();
    await raw?.set(countsKey(t), '{"": 0}');
    await raw?.set(lastOffsetKey(t), '-1');
    const store = openOffsetStore(url);
    await store.advance(t, 2, 5, 9n);
    await store.advance(t, 2, 1, 4n); // an older offset never moves last_offset back
    assert.equal(await raw?.get(countsKey(t)), '{"":0,"2":6}');
    assert.equal(await raw?.get(lastOffsetKey(t)), '{"2": 9}');
    assert.deepEqual(await store.load(t), { counts: { '': 0, '2': 6 }, lastOffset: { '2': 9n } });
    await store.close();
  });

  test('offsets above 2^53 keep every digit', { skip }, async () => {
    const t = topic();
    const store = openOffsetStore(url);
    await store.advance(t, 0, 1, 9_007_199_254_740_993n);
    await store.advance(t, 0, 1, 9_007_199_254_740_995n);
    await store.advance(t, 0, 1, 9_007_199_254_740_994n);
    assert.equal((await store.load(t)).lastOffset['0'], 9_007_199_254_740_995n);
    await store.close();
  });

  test('a garbled key is HF_STATE_INVALID and nothing is written', { skip }, async () => {
    const t = topic();
    await raw?.set(countsKey(t), 'not json');
    await raw?.set(lastOffsetKey(t), '{"0": 3}');
    const store = openOffsetStore(url);
    await assert.rejects(store.advance(t, 0, 1, 4n), (err) => isHeroflowError(err, 'HF_STATE_INVALID'));
    assert.equal(await raw?.get(lastOffsetKey(t)), '{"0": 3}');
    await store.close();
  });
});
