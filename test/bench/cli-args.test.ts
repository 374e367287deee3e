/**
 * Every bench/*.ts entry script answers `--help` (usage on stdout, exit 0) and turns a bad flag or a bad
 * value into one line naming the flag plus the usage (exit 2, no stack trace), before any real work: no
 * broker, no build, nothing printed on stdout. The validators of bench/cli-args.ts are tested on their own.
 * The scripts are found by listing bench/: a new one must get a bad-value case in BAD_VALUE below.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BenchArgError,
  listOf,
  oneOf,
  parseBenchArgs,
  positiveNumber,
  required,
  wholeNumber,
  wholeNumbers,
} from '../../bench/cli-args.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Modules the entry scripts share (bench/chaos/ holds modules only). */
const HELPERS = new Set(['cli-args.ts', 'cpu-quota.ts', 'cpu-time.ts']);
/** The entry scripts: bench/*.ts but the helpers. */
const SCRIPTS = readdirSync(path.join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.ts') && !HELPERS.has(f))
  .map((f) => f.slice(0, -3))
  .sort();

/** Per script, arguments with one bad value and the flag its error must name. */
const BAD_VALUE: Record<string, [argv: string[], flag: string]> = {
  'backlog-rss': [['--records', 'abc'], '--records'],
  'broker-ceiling': [['--mqtt-hold', '-1'], '--mqtt-hold'],
  brokers: [['--phases', 'publish,nope'], '--phases'],
  chaos: [['--restarts', 'maybe'], '--restarts'],
  'duckdb-etl': [['--threads', '0'], '--threads'],
  etl: [['--compression', 'zip'], '--compression'],
  'kafka-bare-read': [['--topics', 'a', '--records', 'abc'], '--records'],
  'kafka-clients': [['--clients', 'kafkajs,rdkafka'], '--clients'],
  'kafka-pipeline': [['--records', 'abc'], '--records'],
  'memory-broker': [['--partitions', '1.5'], '--partitions'],
  producers: [['--sample-rate', 'fast'], '--sample-rate'],
  scan: [['--passes', ''], '--passes'],
  server: [['--bots', '50,x'], '--bots'],
  simulator: [['--players', 'abc'], '--players'],
  storage: [['--only', 's3:sdk,ftp:sdk'], '--only'],
  workloads: [['--fairness-seconds', '0'], '--fairness-seconds'],
};

/** More exits before work: the old positional forms, a missing required flag, a value that looks like a flag. */
const MORE: [script: string, argv: string[], flag: string][] = [
  ['simulator', ['abc'], '--players'],
  ['simulator', ['200', '20', '7'], "'7'"],
  ['workloads', ['200000', 'lots'], '--keys'],
  ['memory-broker', ['0'], '--messages'],
  ['kafka-bare-read', ['--records', '5'], '--topics'],
  ['kafka-pipeline', ['--headers', 'some'], '--headers'],
  ['kafka-pipeline', ['--worker-node', '/nonexistent/node'], '--worker-node'],
  ['kafka-pipeline', ['--worker-cpus', '0'], '--worker-cpus'],
  ['chaos', ['--brokers', 'kafka,pulsar'], '--brokers'],
  // The dash value is taken as --worker-node-args' value, so the error is the bad --records after it.
  ['brokers', ['--worker-node-args', '--cpu-prof', '--records', 'abc'], '--records'],
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `bench/${script}.ts`, ...argv], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => {
      stdout += b;
    });
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Exit 2, one error line naming `flag` then the usage, on stderr only, with no stack trace. */
function assertUsageError(r: Run, flag: string): void {
  const where = `stdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.equal(r.code, 2, where);
  assert.equal(r.stdout, '', where);
  const [first, second] = r.stderr.split('\n');
  assert.ok(first.includes(flag), `the first line names ${flag}: ${where}`);
  assert.match(second ?? '', /^usage:/, where);
  assert.doesNotMatch(r.stderr, /^ {4}at /m, where);
}

test('every entry script has a bad-value case', () => {
  assert.deepEqual(Object.keys(BAD_VALUE).sort(), SCRIPTS);
});

// Two at a time: each is a Node process loading the script's imports.
describe('bench scripts on the command line', { concurrency: 2 }, () => {
  for (const script of SCRIPTS) {
    test(`${script} --help prints the usage and exits 0`, async () => {
      const r = await run(script, ['--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usage: /);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /--help/);
    });

    test(`${script} --no-such-flag exits 2 naming it`, async () => {
      assertUsageError(await run(script, ['--no-such-flag']), '--no-such-flag');
    });

    const [argv, flag] = BAD_VALUE[script] ?? [[], ''];
    test(`${script} ${argv.join(' ')} exits 2 naming ${flag}`, async () => {
      assertUsageError(await run(script, argv), flag);
    });
  }

  for (const [script, argv, flag] of MORE) {
    test(`${script} ${argv.join(' ')} exits 2 naming ${flag}`, async () => {
      assertUsageError(await run(script, argv), flag);
    });
  }

  test('-h is --help, and --help wins over a bad flag beside it', async () => {
    for (const argv of [['-h'], ['--no-such-flag', '--help']]) {
      const r = await run('scan', argv);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^usage: npm run bench:scan/);
    }
  });
});

describe('the validators', () => {
  const fails = (fn: () => unknown, message: string) =>
    assert.throws(fn, (err: unknown) => err instanceof BenchArgError && err.message === message);

  test('wholeNumber: a whole number ≥ min (1 unless told)', () => {
    assert.equal(wholeNumber({ records: '200000' }, 'records'), 200_000);
    assert.equal(wholeNumber({ records: '1e3' }, 'records'), 1000);
    assert.equal(wholeNumber({ hold: '0' }, 'hold', 0), 0);
    fails(() => wholeNumber({ records: 'abc' }, 'records'), "--records: 'abc' is not a whole number ≥ 1");
    for (const bad of ['0', '-1', '1.5', '', ' ', 'Infinity', '9007199254740993'])
      fails(() => wholeNumber({ records: bad }, 'records'), `--records: '${bad}' is not a whole number ≥ 1`);
    fails(() => wholeNumber({ hold: '-1' }, 'hold', 0), "--hold: '-1' is not a whole number ≥ 0");
    fails(() => wholeNumber({ records: undefined }, 'records'), '--records is required');
    fails(() => wholeNumber({ pipeline: true }, 'pipeline'), '--pipeline takes a value');
  });

  test('wholeNumbers: a comma-separated list of them', () => {
    assert.deepEqual(wholeNumbers({ bots: '50,200,1000' }, 'bots'), [50, 200, 1000]);
    fails(() => wholeNumbers({ bots: '50,x' }, 'bots'), "--bots: 'x' is not a whole number ≥ 1");
    fails(() => wholeNumbers({ bots: '50,' }, 'bots'), "--bots: '' is not a whole number ≥ 1");
  });

  test('positiveNumber: any number > 0', () => {
    assert.equal(positiveNumber({ s: '0.5' }, 's'), 0.5);
    assert.equal(positiveNumber({ s: '5' }, 's'), 5);
    for (const bad of ['0', '-2', 'abc', '', 'Infinity'])
      fails(() => positiveNumber({ s: bad }, 's'), `--s: '${bad}' is not a number > 0`);
  });

  test('oneOf: one of the allowed values', () => {
    const headers: 'both' | 'with' | 'without' = oneOf({ h: 'with' }, 'h', ['both', 'with', 'without']);
    assert.equal(headers, 'with');
    fails(
      () => oneOf({ h: 'some' }, 'h', ['both', 'with', 'without']),
      "--h: 'some' is not one of both, with, without",
    );
  });

  test('listOf: a comma-separated list of allowed values, blanks around commas dropped', () => {
    assert.deepEqual(listOf({ only: 'kafka, nats,' }, 'only', ['kafka', 'nats', 'mqtt']), ['kafka', 'nats']);
    fails(
      () => listOf({ only: 'kafka,pulsar' }, 'only', ['kafka', 'nats']),
      "--only: 'pulsar' is not one of kafka, nats",
    );
    fails(
      () => listOf({ only: ' , ' }, 'only', ['kafka', 'nats']),
      '--only: give one or more of kafka, nats',
    );
  });

  test('required: given and not empty', () => {
    assert.equal(required({ topics: 'a,b' }, 'topics'), 'a,b');
    fails(() => required({ topics: undefined }, 'topics'), '--topics is required');
    fails(() => required({ topics: '' }, 'topics'), '--topics is required');
  });
});

describe('parseBenchArgs', () => {
  const spec = {
    usage: 'usage: x',
    options: {
      records: { type: 'string', default: '200000' },
      keep: { type: 'string' },
      'worker-node-args': { type: 'string', default: '' },
      pipeline: { type: 'boolean', default: false },
    },
  } as const;
  const fails = (argv: string[], message: string, s: Parameters<typeof parseBenchArgs>[0] = spec) =>
    assert.throws(
      () => parseBenchArgs(s, argv),
      (err: unknown) => err instanceof BenchArgError && err.message === message,
    );

  test('fills in the defaults, leaves out options without one', () => {
    assert.deepEqual(parseBenchArgs(spec, ['--records', '5']), {
      help: false,
      values: { records: '5', 'worker-node-args': '', pipeline: false },
    });
    assert.deepEqual(parseBenchArgs(spec, ['--keep=/tmp/k', '--pipeline']), {
      help: false,
      values: { records: '200000', keep: '/tmp/k', 'worker-node-args': '', pipeline: true },
    });
  });

  test('--help and -h, anywhere, even beside a bad flag', () => {
    for (const argv of [
      ['--help'],
      ['-h'],
      ['--records', '5', '--help'],
      ['--nope', '--help'],
      ['--help', 'x'],
    ])
      assert.deepEqual(parseBenchArgs(spec, argv), { help: true });
    // After `--` it is an argument, not a flag.
    fails(['--', '--help'], "unexpected argument '--help': this bench takes flags only");
  });

  test('bad flags: one line naming the flag', () => {
    fails(['--nope'], "unknown flag '--nope'");
    fails(['-x'], "unknown flag '-x'");
    fails(['--records'], '--records needs a value');
    fails(['--pipeline=yes'], "Option '--pipeline' does not take an argument");
    fails(['extra'], "unexpected argument 'extra': this bench takes flags only");
    fails(
      ['--keep', '--records', '5'],
      "--keep needs a value, not the flag after it (a value starting with '-': --keep=VALUE)",
    );
  });

  test('a value starting with a dash that is not one of the flags is taken as the value', () => {
    const r = parseBenchArgs(spec, [
      '--worker-node-args',
      '--cpu-prof --cpu-prof-dir=/tmp/p',
      '--records',
      '-1',
    ]);
    assert.deepEqual(r.help === false && r.values, {
      records: '-1',
      'worker-node-args': '--cpu-prof --cpu-prof-dir=/tmp/p',
      pipeline: false,
    });
  });

  test('the old positional form, where a script still takes it', () => {
    const positional = { ...spec, positionals: ['records', 'keep'] as const };
    const values = (argv: string[]) => {
      const r = parseBenchArgs(positional, argv);
      return r.help ? undefined : [r.values.records, r.values.keep];
    };
    assert.deepEqual(values([]), ['200000', undefined]);
    assert.deepEqual(values(['7']), ['7', undefined]);
    assert.deepEqual(values(['7', '/tmp/k']), ['7', '/tmp/k']);
    assert.deepEqual(values(['--keep', '/tmp/k', '7']), ['7', '/tmp/k']);
    fails(
      ['7', '/tmp/k', 'x'],
      "unexpected argument 'x': this bench takes at most 2 (--records, --keep)",
      positional,
    );
    fails(['--records', '7', '8'], "--records given twice: as a flag and as argument 1 ('8')", positional);
  });
});
