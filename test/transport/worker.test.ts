/**
 * The worker-thread form, compiled (pino runs transports from JS files in a worker thread). It is
 * exercised through the `file://` debug sink: no broker adapter is needed to prove that records cross
 * the thread, become envelopes, are all published before close() returns, and are counted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HEADER_MSG_ID } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { generateRoster, runTournament, virtualClock } from '../../src/simulator/index.js';
import { createSimulatorLogger, defaultWorkerTarget } from '../../src/transport/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Compiles dist/ when the worker is missing or older than its sources (others' type errors still emit). */
function ensureCompiledWorker(): string {
  const target = defaultWorkerTarget();
  const srcDir = join(ROOT, 'src/transport');
  const newest = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
  if (!existsSync(target) || statSync(target).mtimeMs < newest) {
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    } catch {
      // tsc exits non-zero on any type error in the repo but still writes dist/.
    }
  }
  assert.ok(existsSync(target), `${target} missing after tsc -p tsconfig.json`);
  return target;
}

describe('worker-thread transport (compiled)', () => {
  it('publishes every record before close() resolves, with counts back from the worker', async () => {
    ensureCompiledWorker();
    const dir = await mkdtemp(join(tmpdir(), 'heroflow-worker-'));
    const file = join(dir, 'out.jsonl');
    const clock = virtualClock();
    const logger = createSimulatorLogger({
      loggerModule: 'kafka',
      brokerUrl: pathToFileURL(file).href,
      stdout: false,
      clock,
      batch: { batchSize: 100 },
    });
    assert.equal(logger.mode, 'worker');
    logger.forModule('lib.server.lobby').error('not transported: no queue');
    const summary = await runTournament({
      players: 20,
      gamesPerPlayer: 5,
      seed: 3,
      roster: generateRoster(),
      logger,
      clock,
    });
    await logger.close();

    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const perTopic: Record<string, number> = {};
    for (const l of lines) perTopic[l.topic] = (perTopic[l.topic] ?? 0) + 1;
    assert.deepEqual(perTopic, summary.messages);
    assert.deepEqual(logger.counts(), summary.messages);
    const first = JSON.parse(lines[0].value);
    assert.deepEqual(first, {
      level: 'INFO',
      timestamp: first.timestamp,
      name: 'kafka.client.__main__',
      log_message: 'Starting Game 1',
    });
    assert.ok(lines.every((l) => typeof l.headers[HEADER_MSG_ID] === 'string'));
    const start = lines.map((l) => JSON.parse(l.value)).find((e) => e.log_message === 'Starting Match');
    assert.equal(typeof start.task, 'string');
  });

  it('reports a broker it cannot open when closing', async () => {
    ensureCompiledWorker();
    const logger = createSimulatorLogger({
      loggerModule: 'kafka',
      brokerUrl: 'bogus://nowhere',
      stdout: false,
    });
    logger.forModule('client.__main__').info({ queue: 'client.__main__' }, 'Starting Game 1');
    await assert.rejects(
      logger.close(),
      (err: unknown) => isHeroflowError(err, 'HF_BROKER_URL') && /bogus/.test(err.message),
    );
  });
});
