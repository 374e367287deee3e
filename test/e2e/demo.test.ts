/**
 * The foundation end to end, as a user runs it: `heroflow demo` (simulator → transport → memory broker
 * → 2 workers → Parquet on disk), then the files are read back with an independent reader (hyparquet)
 * and checked against the seed's schema and against what the simulator says it logged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileStorage } from '../../src/storage/file.js';
import { runCli } from '../helpers/cli.js';
import { checkDemoOutput, type DemoJson, runDemo } from '../helpers/demo.js';
import { allRows, readMetadata } from '../helpers/parquet.js';

/** Seed 001's tables, written out here from the seed (not imported from src/), plus upstream's lobby timestamp. */
const SEED_SCHEMA: Record<string, Array<[string, string]>> = {
  etl_meta: [
    ['etl_id', 'utf8'],
    ['service', 'utf8'],
    ['mode', 'utf8'],
    ['timestamp_start', 'timestamp[ms]'],
    ['timestamp_end', 'timestamp[ms]'],
  ],
  buffer_meta: [
    ['etl_id', 'utf8'],
    ['msg_id', 'utf8'],
    ['checksum', 'utf8'],
    ['headers', 'list<utf8>'],
    ['key', 'utf8'],
    ['offset', 'uint64'],
    ['partition', 'uint8'],
    ['serialized_key_size', 'int16'],
    ['serialized_value_size', 'int16'],
    ['timestamp', 'timestamp[ms]'],
    ['timestamp_type', 'uint8'],
    ['topic', 'utf8'],
    ['_is_protocol', 'bool'],
  ],
  log_meta: [
    ['etl_id', 'utf8'],
    ['msg_id', 'utf8'],
    ['level', 'utf8'],
    ['timestamp', 'timestamp[ms]'],
    ['name', 'utf8'],
    ['log_message', 'utf8'],
  ],
  lib_server_lobby: [
    ['etl_id', 'utf8'],
    ['msg_id', 'utf8'],
    ['timestamp', 'timestamp[s]'],
    ['game_token', 'utf8'],
    ['user_token', 'utf8'],
    ['superhero_id', 'uint16'],
    ['superhero_attack', 'uint64'],
    ['superhero_health', 'uint64'],
  ],
  lib_server_game: [
    ['etl_id', 'utf8'],
    ['msg_id', 'utf8'],
    ['timestamp', 'timestamp[s]'],
    ['game_token', 'utf8'],
    ['user_token', 'utf8'],
    ['action', 'utf8'],
    ['enemy_token', 'utf8'],
    ['enemy_damage', 'uint64'],
    ['enemy_health_prior', 'uint64'],
    ['enemy_health_post', 'uint64'],
  ],
};

/** How each Arrow type must look in Parquet to a non-Arrow reader (physical type, logical type). */
const PARQUET_TYPE: Record<string, [string, unknown]> = {
  utf8: ['BYTE_ARRAY', { type: 'STRING' }],
  uint8: ['INT32', { type: 'INTEGER', bitWidth: 8, isSigned: false }],
  uint16: ['INT32', { type: 'INTEGER', bitWidth: 16, isSigned: false }],
  int16: ['INT32', { type: 'INTEGER', bitWidth: 16, isSigned: true }],
  uint64: ['INT64', { type: 'INTEGER', bitWidth: 64, isSigned: false }],
  bool: ['BOOLEAN', undefined],
  'timestamp[ms]': ['INT64', { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' }],
  // Parquet has no seconds unit: stored as MILLIS like PyArrow does, so every reader sees a timestamp.
  'timestamp[s]': ['INT64', { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' }],
};

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'heroflow-demo-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function demo(out: string, ...extra: string[]): DemoJson {
  return runDemo(['--seed', '42', '--players', '12', '--games', '6', '--out', out, ...extra]);
}

describe('heroflow demo on the embedded memory:// broker', () => {
  const out = tempDir();
  const run = demo(out, '--roll-rows', '60');
  const storage = new FileStorage(out);

  it('writes the five tables with exactly the seed schema, as an independent reader sees it', async () => {
    for (const [table, columns] of Object.entries(SEED_SCHEMA)) {
      const files = await storage.list(`${table}/`);
      assert.ok(files.length > 0, `${table} has files`);
      const meta = await readMetadata(storage, files[0]);
      const schema = meta.schema as Array<{
        name: string;
        type?: string;
        logical_type?: unknown;
        num_children?: number;
      }>;
      const top: typeof schema = [];
      for (let i = 1; i < schema.length; i++) {
        top.push(schema[i]);
        if (schema[i].num_children) i += 2; // a list is group → repeated group → element
      }
      assert.deepEqual(
        top.map((e) => e.name),
        columns.map(([name]) => name),
        `${table} columns`,
      );
      columns.forEach(([name, type], i) => {
        if (type === 'list<utf8>') {
          assert.deepEqual(top[i].logical_type, { type: 'LIST' }, `${table}.${name}`);
          const element = schema[schema.indexOf(top[i]) + 2];
          assert.deepEqual(
            [element.type, element.logical_type],
            PARQUET_TYPE.utf8,
            `${table}.${name} element`,
          );
        } else {
          assert.deepEqual([top[i].type, top[i].logical_type], PARQUET_TYPE[type], `${table}.${name}`);
        }
      });
    }
  });

  it('holds one row per record the simulator logged: lobby = Σ participants, game = attacks', async () => {
    assert.equal(run.copies, 1, 'the memory broker has consumer groups');
    await checkDemoOutput(storage, run);
  });

  it('keeps the game rules visible in the data: damage = prior − post, health never below 0', async () => {
    for (const r of await allRows(storage, 'lib_server_game')) {
      const prior = r.enemy_health_prior as bigint;
      const post = r.enemy_health_post as bigint;
      const damage = r.enemy_damage as bigint;
      assert.equal(r.action, 'ATTACK');
      assert.equal(post, prior > damage ? prior - damage : 0n);
    }
  });

  it('names files the same way on a second run with the same seed (date from record time, start offsets)', async () => {
    const again = tempDir();
    demo(again, '--roll-rows', '60');
    const first = await storage.list();
    const second = await new FileStorage(again).list();
    assert.ok(
      first.some((p) => /\+0*60\.parquet$/.test(p)),
      'rolled at 60 rows: a file starts at offset 60',
    );
    assert.deepEqual(second, first);
  });
});

describe('heroflow command line', () => {
  it('rejects a bad value with one line naming the setting and exit code 2', () => {
    const r = runCli(['demo', '--players', 'lots']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--players \(env HEROFLOW_PLAYERS\): "lots" is not allowed; expected an integer/);
  });

  it('rejects a bad environment value the same way', () => {
    const r = runCli(['demo'], { HEROFLOW_ROLL_AGE: 'forever' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--roll-age \(env HEROFLOW_ROLL_AGE\): "forever"/);
  });

  it('rejects an unknown flag and a broker scheme no adapter handles with exit code 2', () => {
    assert.equal(runCli(['demo', '--no-such-flag']).status, 2);
    const r = runCli(['demo', '--broker', 'carrier-pigeon://coop']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /carrier-pigeon/);
  });

  it('documents every flag in --help', () => {
    const r = runCli(['demo', '--help']);
    assert.equal(r.status, 0);
    for (const flag of ['--players', '--games', '--workers', '--broker', '--out', '--seed', '--heroes']) {
      assert.match(r.stdout, new RegExp(flag));
    }
  });
});
