import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHeroflowError } from '../../src/errors.js';
import { decodeCounts, decodeLastOffset, encodeLastOffset } from '../../src/state/codec.js';
import { ALL_PARTITIONS, type OffsetState, recordProcessed, startPositions } from '../../src/state/index.js';

test('the seed reset values decode to "start from the beginning"', () => {
  assert.deepEqual(decodeCounts('{"": 0}'), { '': 0 });
  assert.deepEqual(decodeLastOffset('-1'), {});
  const positions = startPositions({ counts: { '': 0 }, lastOffset: {} }, [{ topic: 't', partition: 3 }]);
  assert.deepEqual(positions, [{ topic: 't', partition: 3, offset: 'earliest' }]);
});

test('last offsets above 2^53 survive a round trip digit for digit', () => {
  const big = 9_007_199_254_740_993n; // 2^53 + 1: a JSON number would round it
  const text = encodeLastOffset({ '0': big, '1': 5n });
  assert.deepEqual(decodeLastOffset(text), { '0': big, '1': 5n });
});

test('a plain non-negative last_offset applies to every partition', () => {
  const state = { counts: {}, lastOffset: decodeLastOffset('41') };
  assert.deepEqual(state.lastOffset, { [ALL_PARTITIONS]: 41n });
  const positions = startPositions(state, [
    { topic: 't', partition: 0 },
    { topic: 't', partition: 1 },
  ]);
  assert.deepEqual(
    positions.map((p) => p.offset),
    [42n, 42n],
  );
});

test('start positions are last_offset + 1 per partition, earliest where unknown or negative', () => {
  const state = { counts: {}, lastOffset: { '0': 1041n, '2': -1n } };
  const tps = [0, 1, 2].map((partition) => ({ topic: 'lib.server.game', partition }));
  assert.deepEqual(
    startPositions(state, tps).map((p) => p.offset),
    [1042n, 'earliest', 'earliest'],
  );
});

test('recordProcessed counts messages and keeps the highest offset', () => {
  const state: OffsetState = { counts: { '': 0 }, lastOffset: {} };
  recordProcessed(state, 1, 10n);
  recordProcessed(state, 1, 11n);
  recordProcessed(state, 1, 9n);
  assert.equal(state.counts['1'], 3);
  assert.equal(state.lastOffset['1'], 11n);
  assert.equal(encodeLastOffset(state.lastOffset), '{"1": 11}');
});

test('garbage in a stored value is a HF_STATE_INVALID error, not a silent reset', () => {
  assert.throws(
    () => decodeCounts('not json'),
    (err) => isHeroflowError(err, 'HF_STATE_INVALID'),
  );
  assert.throws(
    () => decodeLastOffset('{"0": "x"}'),
    (err) => isHeroflowError(err, 'HF_STATE_INVALID'),
  );
  assert.throws(
    () => decodeLastOffset('[1,2]'),
    (err) => isHeroflowError(err, 'HF_STATE_INVALID'),
  );
});
