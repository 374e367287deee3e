import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  levelName,
  pyJsonDumps,
  pythonAsctime,
  pythonIsoformat,
  toEnvelope,
} from '../../src/transport/index.js';

function withTz<T>(tz: string, fn: () => T): T {
  const before = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}

describe('envelope', () => {
  it('formats timestamps like datetime.fromtimestamp(t).isoformat(): local, microseconds, no offset', () => {
    const t = Date.UTC(2023, 8, 1, 12, 0, 0) + 123.456;
    assert.equal(
      withTz('UTC', () => pythonIsoformat(t)),
      '2023-09-01T12:00:00.123456',
    );
    assert.equal(
      withTz('America/New_York', () => pythonIsoformat(t)),
      '2023-09-01T08:00:00.123456',
    );
    // Always six digits, also on a whole second (Python would drop them; readers accept both).
    assert.equal(
      withTz('UTC', () => pythonIsoformat(Date.UTC(2023, 0, 1))),
      '2023-01-01T00:00:00.000000',
    );
    assert.equal(
      withTz('UTC', () => pythonAsctime(t)),
      '2023-09-01 12:00:00,123',
    );
  });

  it('maps pino levels to Python level names', () => {
    assert.deepEqual([10, 20, 30, 40, 50, 60].map(levelName), [
      'DEBUG',
      'DEBUG',
      'INFO',
      'WARNING',
      'ERROR',
      'CRITICAL',
    ]);
  });

  it('has upstream keys in order and omits task when absent', () => {
    const base = {
      level: 30,
      time: Date.UTC(2023, 8, 1),
      name: 'kafka.lib.server.lobby',
      msg: 'Starting Match',
    };
    assert.deepEqual(Object.keys(toEnvelope({ ...base, task: '{}' })), [
      'level',
      'timestamp',
      'name',
      'log_message',
      'task',
    ]);
    assert.deepEqual(Object.keys(toEnvelope(base)), ['level', 'timestamp', 'name', 'log_message']);
  });

  it('writes JSON the way Python json.dumps does', () => {
    // Expected strings produced by python3 -c 'import json; print(json.dumps(...))'.
    assert.equal(
      pyJsonDumps({ a: 1, b: [1, 'x'], c: { d: null } }),
      '{"a": 1, "b": [1, "x"], "c": {"d": null}}',
    );
    assert.equal(pyJsonDumps('Müller "q" \n'), '"M\\u00fcller \\"q\\" \\n"');
    assert.equal(pyJsonDumps({ t: 'a\u007fb' }), '{"t": "a\\u007fb"}');
    assert.equal(pyJsonDumps([]), '[]');
    assert.equal(pyJsonDumps({}), '{}');
  });
});
