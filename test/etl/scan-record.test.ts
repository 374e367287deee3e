/**
 * The fast path (scan-record.ts) against the generic path (record.ts): whatever the scanner accepts, the
 * generic path must accept with the same rows; whatever it does not know it must hand over (never
 * reject). Checked on simulator records, on hand-made shapes at the edges, and on thousands of random
 * byte mutations of real records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tableToIPC } from 'apache-arrow';
import type { Delivery } from '../../src/brokers/types.js';
import { ChunkPacker, F_VALUE, F_VALUE_END, type PackedChunk } from '../../src/etl/packed.js';
import { isRejection, keySizeOf, parseRecord } from '../../src/etl/record.js';
import { SegmentRows } from '../../src/etl/rows.js';
import { RecordScanner } from '../../src/etl/scan-record.js';
import { attackFrame, delivery, envelope, pyDumps, simulatorRecords, startFrame } from './fixtures.js';

const scanner = new RecordScanner();

function packed(d: Delivery): PackedChunk {
  const p = new ChunkPacker();
  p.pack(d, keySizeOf(d));
  return p.take();
}

/** Rows of one delivery through each path, as IPC bytes per table (undefined: the fast path handed over). */
function bothPaths(d: Delivery): { fast: Uint8Array[] | undefined; slow: Uint8Array[] | 'rejected' } {
  const c = packed(d);
  const slowRows = new SegmentRows('etl', d.topic);
  const v = parseRecord(d);
  if (!isRejection(v)) slowRows.append(c, 0, v);
  const slow = isRejection(v) ? 'rejected' : slowRows.tables().map(([, b]) => tableToIPC(b.finish()));
  if (!scanner.scan(c.bytes, c.meta[F_VALUE], c.meta[F_VALUE_END])) return { fast: undefined, slow };
  const fastRows = new SegmentRows('etl', d.topic);
  fastRows.appendScanned(c, 0, scanner);
  return { fast: fastRows.tables().map(([, b]) => tableToIPC(b.finish())), slow };
}

function assertSame(d: Delivery, label: string): boolean {
  const { fast, slow } = bothPaths(d);
  if (fast === undefined) return false;
  assert.notEqual(slow, 'rejected', `${label}: the fast path accepted what parseRecord rejects`);
  assert.deepEqual(fast, slow, `${label}: the two paths built different rows`);
  return true;
}

const text = (d: Delivery) => Buffer.from(d.value).toString();
const withValue = (value: string) => delivery(value, { offset: 1n });

describe('RecordScanner (fast path) agrees with parseRecord', () => {
  it('reads every simulator record itself, with the same rows', () => {
    let n = 0;
    for (const { topic, record } of simulatorRecords(3)) {
      if (n === 2000) break;
      const d = delivery(pyDumps(record), { topic, offset: BigInt(n) });
      assert.ok(assertSame(d, `record ${n}`), `record ${n} (${topic}) should take the fast path`);
      n++;
    }
  });

  it('reads compact JSON, reordered keys, nulls and extra fields the same way', () => {
    const attack = attackFrame('2023-09-01T12:00:01.5', 'g', 'u1', 'u2', 7, 10);
    const start = startFrame('2023-09-01T12:00:00Z', 'g', [
      { token: 'u1', id: 1, attack: 5, health: 9 },
      { token: 'u2', id: 65535, attack: 0, health: 9007199254740 },
    ]);
    const noEnemy = attackFrame('2023-09-01T12:00:01Z', 'g', 'u1', 'u2', 7, 10);
    noEnemy.STATUS.DETAILS.ENEMY_TOKEN = null as never;
    const noTime = { ...start, TIMESTAMP: '' };
    const cases: Record<string, string> = {
      compact: JSON.stringify(
        envelope('n', 'Attack Completed', '2023-09-01T12:00:00', JSON.stringify(attack)),
      ),
      reordered: JSON.stringify({
        task: JSON.stringify(attack),
        log_message: 'Attack Completed',
        name: 'n',
        timestamp: '2023-09-01T12:00:00.123456',
        level: 'INFO',
        extra: [1, -2.5e3, true, false, null, { a: 'b\\n' }],
      }),
      lobby: pyDumps(envelope('n', 'Starting Match', '2023-09-01T12:00:00', pyDumps(start))),
      'null enemy': pyDumps(envelope('n', 'Attack Completed', '2023-09-01T12:00:00', pyDumps(noEnemy))),
      'empty lobby time': pyDumps(envelope('n', 'Starting Match', '2023-09-01T12:00:00', pyDumps(noTime))),
      'task object elsewhere': pyDumps(
        envelope('n', 'Cleaning Game Records', '2023-09-01T12:00:00', { a: 1 }),
      ),
      'no task': pyDumps(envelope('n', 'Starting Game 1', '2023-09-01T12:00:00')),
      spaced: ` \n${pyDumps(envelope('n', 'Attack Completed', '2023-09-01T12:00:00', pyDumps(attack)))}\t `,
    };
    for (const [label, value] of Object.entries(cases)) {
      assert.ok(assertSame(withValue(value), label), `${label} should take the fast path`);
    }
  });

  it('hands over what it does not know, and parseRecord decides', () => {
    const attack = pyDumps(attackFrame('2023-09-01T12:00:01Z', 'g', 'u1', 'u2', 7, 10));
    const good = pyDumps(envelope('n', 'Attack Completed', '2023-09-01T12:00:00', attack));
    const cases: Record<string, string> = {
      'double-encoded (Redis)': JSON.stringify(good),
      'unicode escape': good.replace('"n"', '"\\u006e"'),
      'non-ASCII': good.replace('"n"', '"ñ"'),
      'repeated key': good.replace('{"level"', '{"level": "X", "level"'),
      'damage as text': good.replace('\\"ENEMY_DAMAGE\\": 7', '\\"ENEMY_DAMAGE\\": \\"7\\"'),
      'damage 7.0': good.replace('\\"ENEMY_DAMAGE\\": 7', '\\"ENEMY_DAMAGE\\": 7.0'),
      'negative damage': good.replace('\\"ENEMY_DAMAGE\\": 7', '\\"ENEMY_DAMAGE\\": -7'),
      'task as object': pyDumps(envelope('n', 'Attack Completed', '2023-09-01T12:00:00', JSON.parse(attack))),
      'index-like hero token': pyDumps(
        envelope(
          'n',
          'Starting Match',
          '2023-09-01T12:00:00',
          pyDumps(startFrame('2023-09-01T12:00:00Z', 'g', [{ token: '7', id: 1, attack: 1, health: 1 }])),
        ),
      ),
      'bad timestamp': good.replace('2023-09-01T12:00:00', '2023-02-30T12:00:00'),
      truncated: good.slice(0, -3),
      'trailing garbage': `${good} x`,
    };
    for (const [label, value] of Object.entries(cases)) {
      const d = withValue(value);
      assert.equal(scanner.scan(d.value), false, `${label} must be handed to parseRecord`);
    }
  });

  it('never accepts a random mutation that parseRecord rejects, nor builds other rows', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = '{}[]":,\\ 0123456789.-eEtrufalsn_abcdefTXYZ\n';
    const base: Delivery[] = [];
    for (const { topic, record } of simulatorRecords(9)) {
      if (base.length === 300) break;
      base.push(delivery(pyDumps(record), { topic, offset: BigInt(base.length) }));
    }
    let fastAccepted = 0;
    for (let i = 0; i < 6000; i++) {
      const src = text(base[rand(base.length)]);
      const at = rand(src.length);
      const c = alphabet[rand(alphabet.length)];
      const op = rand(3);
      const mutated =
        op === 0
          ? src.slice(0, at) + c + src.slice(at + 1)
          : op === 1
            ? src.slice(0, at) + src.slice(at + 1)
            : src.slice(0, at) + c + src.slice(at);
      if (assertSame(withValue(mutated), `mutation ${i} (${JSON.stringify(mutated)})`)) fastAccepted++;
    }
    // Most single-byte changes land inside a token value and still make a valid record.
    assert.ok(fastAccepted > 1000, `only ${fastAccepted} mutations took the fast path`);
  });
});
