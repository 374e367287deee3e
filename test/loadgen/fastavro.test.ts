/**
 * An independent reader agrees: Python's fastavro decodes every event the producer writes (one-record
 * Avro container files), and `print(record_name); print(record)` — the seed's lab consumer — prints
 * exactly what `heroflow consume` prints for it. Python's float repr is checked against heroflow's too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { printEvent, pyFloat } from '../../src/loadgen/index.js';
import { python, skipUnlessPython } from '../helpers/python.js';
import { produceAll, SMALL } from './helpers.js';

const LAB_CONSUMER = `
import sys, os, json, fastavro
root = sys.argv[1]
headers = json.load(open(os.path.join(root, 'headers.json')))
for name in sorted(headers):
    with open(os.path.join(root, name), 'rb') as f:
        reader = fastavro.reader(f)
        print(headers[name] if headers[name] is not None else reader.writer_schema['name'])
        for record in reader:
            print(record)
`;

describe('fastavro reads what heroflow writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heroflow-fastavro-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes every event of two experiments and prints what heroflow consume prints', {
    skip: skipUnlessPython('fastavro'),
  }, async () => {
    const { messages } = await produceAll(
      [SMALL, { ...SMALL, numSensors: 2, lowerThreshold: -5.25, upperThreshold: 1e-5 }],
      'docs',
    );
    const headers: Record<string, string | null> = {};
    let expected = '';
    messages.forEach((m, i) => {
      const name = `${String(i).padStart(5, '0')}.avro`;
      writeFileSync(join(dir, name), m.value);
      headers[name] = m.headers?.record_name ?? null;
      const p = printEvent(m.value, m.headers);
      expected += `${p.recordName ?? p.schemaName}\n${p.lines.join('\n')}\n`;
    });
    writeFileSync(join(dir, 'headers.json'), JSON.stringify(headers));
    const r = python(LAB_CONSUMER, [dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').length, messages.length * 2 + 1);
    assert.equal(r.stdout, expected);
  });
});

describe('Python float repr', () => {
  it('pyFloat prints doubles and widened f32 values as Python does', {
    skip: skipUnlessPython('json'),
  }, () => {
    const values = [
      0,
      -0,
      1,
      -1,
      29,
      0.1,
      1e-4,
      1e-5,
      1.5e-7,
      123456789012345.6,
      1e15,
      1e16,
      1.2345e22,
      1694266072.336535,
      Math.fround(29.995697021484375),
      Math.fround(25.489),
      Math.fround(-0.011),
      5e-324,
      Number.MAX_VALUE,
      ...Array.from({ length: 40 }, () =>
        Math.fround((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20)),
      ),
    ];
    const r = python(
      'import sys, json\nfor v in json.load(sys.stdin): print(repr(float(v)))',
      [],
      JSON.stringify(values.map((v) => (Object.is(v, -0) ? '-0.0' : String(v)))),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(values.map(pyFloat), r.stdout.trim().split('\n'));
  });
});
