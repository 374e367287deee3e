import assert from 'node:assert/strict';
import test from 'node:test';
import {
  parseBytes,
  parseDurationMs,
  parseSetting,
  resolveOutputUrl,
  resolveSettings,
} from '../../src/config/index.js';
import { isHeroflowError } from '../../src/errors.js';

test('defaults apply when a setting is absent', () => {
  const s = resolveSettings(['players', 'games', 'broker', 'topics', 'seed'], {});
  assert.equal(s.players, 20);
  assert.equal(s.games, 10);
  assert.equal(s.broker, 'memory://');
  assert.deepEqual(s.topics, ['lib.server.lobby', 'lib.server.game']);
  assert.equal(s.seed, undefined);
});

test('values from flags or env are coerced: numbers, python booleans, lists, units', () => {
  const s = resolveSettings(['players', 'batchContinuous', 'topics', 'rollAge', 'memoryBudget', 'logLevel'], {
    players: '5',
    batchContinuous: 'False',
    topics: 'lib.server.game, client.__main__',
    rollAge: '250ms',
    memoryBudget: '64MiB',
    logLevel: 'WARNING',
  });
  assert.equal(s.players, 5);
  assert.equal(s.batchContinuous, false);
  assert.deepEqual(s.topics, ['lib.server.game', 'client.__main__']);
  assert.equal(s.rollAge, 250);
  assert.equal(s.memoryBudget, 64 * 1024 * 1024);
  assert.equal(s.logLevel, 'warning');
});

test('a bad value names the flag, the env variable, the value and what is allowed', () => {
  assert.throws(
    () => parseSetting('players', 'many'),
    (err) =>
      isHeroflowError(err, 'HF_CONFIG_INVALID') &&
      err.exitCode === 2 &&
      err.message.includes('--players') &&
      err.message.includes('HEROFLOW_PLAYERS') &&
      err.message.includes('"many"') &&
      err.message.includes('integer from 2'),
  );
  assert.throws(() => parseSetting('mode', 'sometimes'), /streaming or batch/);
  assert.throws(() => parseSetting('broker', 'localhost:9092'), /expected a URL/);
  assert.throws(() => parseSetting('rollAge', '10 parsecs'), /duration/);
  // An idle time of zero would stop a worker before its first fetch.
  assert.throws(() => parseSetting('idleExit', '0'), /above zero/);
  assert.equal(parseSetting('idleExit', '2s'), 2000);
});

test('units: durations default to seconds, sizes to bytes', () => {
  assert.equal(parseDurationMs('30'), 30_000);
  assert.equal(parseDurationMs('2m'), 120_000);
  assert.equal(parseDurationMs('soon'), undefined);
  assert.equal(parseBytes('1KiB'), 1024);
  assert.equal(parseBytes('3 MB'), 3_000_000);
});

test('output location: a URL wins, otherwise OUTPUT_FS picks the file system', () => {
  assert.equal(resolveOutputUrl('s3://b/p', 'local'), 's3://b/p');
  assert.match(resolveOutputUrl('out', 'local'), /^file:\/\/\/.*\/out$/);
  assert.equal(resolveOutputUrl('bucket/superhero', 'aws'), 's3://bucket/superhero');
  assert.equal(resolveOutputUrl('bucket', 'gcp'), 'gs://bucket');
  assert.throws(() => resolveOutputUrl('/', 'azure'), /needs a bucket/);
});

test('the compression codecs allowed are exactly those the Parquet writer knows', async () => {
  const { COMPRESSIONS } = await import('../../src/etl/index.js');
  for (const codec of COMPRESSIONS) assert.equal(parseSetting('compression', codec), codec);
  assert.throws(() => parseSetting('compression', 'lzo'), /one of zstd/);
});
