/**
 * The max-rate search's logic on a fake machine whose limit is known: a trial passes when its rate is at
 * or below the limit. The search must find the limit from above (the loaded machine: the start rate
 * fails) and from below, within its precision, in a bounded number of trials.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundRate, type SearchSettings, searchRate } from '../../src/bench/max-rate.js';

const SETTINGS: SearchSettings = { startRate: 4000, factor: 1.5, maxSteps: 8, minRate: 250, precision: 0.2 };

function machine(limit: number) {
  const rates: number[] = [];
  const trial = async (rate: number) => {
    rates.push(rate);
    return rate <= limit ? undefined : `backlog grew at ${rate}`;
  };
  return { rates, trial };
}

test('a limit below the start rate: steps down by halves, then bisects to within the precision', async () => {
  const m = machine(1300);
  const r = await searchRate(SETTINGS, m.trial);
  assert.deepEqual(m.rates.slice(0, 3), [4000, 2000, 1000], 'down by halves until a rate holds');
  assert.ok(r.sustainable <= 1300, `sustainable ${r.sustainable} is a rate that held`);
  assert.ok(r.failedAt !== undefined && r.failedAt > 1300);
  assert.ok(r.failedAt <= r.sustainable * 1.2, `bracket ${r.sustainable}..${r.failedAt} within 20 %`);
  assert.ok(m.rates.length <= SETTINGS.maxSteps);
  assert.match(r.stoppedBy, /held/);
});

test('a limit above the start rate: steps up by the factor, then bisects', async () => {
  const m = machine(11_000);
  const r = await searchRate(SETTINGS, m.trial);
  assert.deepEqual(m.rates.slice(0, 3), [4000, 6000, 9000]);
  assert.ok(r.sustainable <= 11_000 && r.sustainable >= 9000);
  assert.ok(r.failedAt !== undefined && r.failedAt <= r.sustainable * 1.2);
});

test('nothing holds down to the floor: sustainable 0, the floor named, bounded trials', async () => {
  const m = machine(100);
  const r = await searchRate(SETTINGS, m.trial);
  assert.equal(r.sustainable, 0);
  assert.equal(r.failedAt, 250);
  assert.deepEqual(m.rates, [4000, 2000, 1000, 500, 250]);
  assert.match(r.stoppedBy, /minRate 250/);
});

test('maxSteps bounds the trials and the result says what it knows', async () => {
  const up = machine(1e9);
  const r = await searchRate({ ...SETTINGS, maxSteps: 3 }, up.trial);
  assert.equal(up.rates.length, 3);
  assert.equal(r.sustainable, 9000);
  assert.equal(r.failedAt, undefined);
  assert.match(r.stoppedBy, /the limit is higher/);
  const between = machine(1300);
  const b = await searchRate({ ...SETTINGS, maxSteps: 4 }, between.trial);
  assert.equal(between.rates.length, 4);
  assert.equal(b.sustainable, 1000);
  assert.match(b.stoppedBy, /maxSteps \(4\) reached between 1000/);
});

test('rates are rounded to two significant digits', () => {
  assert.equal(roundRate(1750), 1800);
  assert.equal(roundRate(2828), 2800);
  assert.equal(roundRate(6000), 6000);
  assert.equal(roundRate(7), 7);
});
