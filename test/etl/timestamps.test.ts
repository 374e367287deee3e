import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isoDate, parseIsoTimestamp } from '../../src/etl/timestamps.js';

it('parses the upstream formats strictly, zone-less as wall clock', () => {
  const base = Date.UTC(2023, 8, 1, 12, 2, 3);
  assert.equal(parseIsoTimestamp('2023-09-01T12:02:03Z'), base);
  assert.equal(parseIsoTimestamp('2023-09-01T12:02:03'), base);
  assert.equal(parseIsoTimestamp('2023-09-01T12:02:03.654321'), base + 654);
  assert.equal(parseIsoTimestamp('2023-09-01T12:02:03.6'), base + 600);
  assert.equal(parseIsoTimestamp('2023-09-01 12:02:03.123456789Z'), base + 123);
  assert.equal(parseIsoTimestamp('2023-09-01T14:02:03+02:00'), base);
  assert.equal(parseIsoTimestamp('2023-09-01T10:32:03-0130'), base);
  assert.equal(parseIsoTimestamp('1969-12-31T23:59:59Z'), -1000);
  for (const bad of [
    '',
    '2023-09-01',
    '2023-9-01T12:02:03',
    '2023-02-29T00:00:00',
    '2023-09-01T24:00:00',
    '2023-09-01T12:02:03.',
    '2023-09-01T12:02:03ZZ',
    '2023-09-01T12:02:03+2',
    'x023-09-01T12:02:03',
  ]) {
    assert.equal(parseIsoTimestamp(bad), undefined, bad);
  }
  assert.equal(isoDate(base), '2023-09-01');
});
