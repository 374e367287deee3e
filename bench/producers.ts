/**
 * Seed 003's lab runs three experiment producers at once. This bench starts N `heroflow produce` processes
 * (the compiled CLI: `npm run build` first) at the same moment on one broker, each with one experiment of
 * S sensors every R ms, and reports each producer's achieved rate (events / seconds from experiment start
 * to experiment_terminated, from its `experiment terminated` log line) against upstream's nominal
 * num_sensors × 1000 / sample_rate, and the spread between them ((max − min) / mean).
 *
 *   npx tsx bench/producers.ts [--broker kafka://127.0.0.1:9092] [--producers 3] [--sensors 10]
 *                              [--sample-rate 100] [--samples 150] [--runs 3]
 *
 * All producers, the broker and the bench share the machine's 2 cores.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../test/helpers/cli.js';
import { benchArgs } from './cli-args.js';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = benchArgs({
  usage: `usage: npm run bench:producers -- [options]
  --broker URL          the broker all producers publish to (default kafka://127.0.0.1:9092)
  --producers N         heroflow produce processes started at once (default 3)
  --sensors N           sensors of each producer's experiment (default 10)
  --sample-rate MS      ms between samples (default 100)
  --samples N           samples per experiment, stabilisation included (default 150)
  --runs N              runs; the largest spread is printed (default 3)
  --help                this text`,
  options: {
    broker: { type: 'string', default: 'kafka://127.0.0.1:9092' },
    producers: { type: 'string', default: '3' },
    sensors: { type: 'string', default: '10' },
    'sample-rate': { type: 'string', default: '100' },
    samples: { type: 'string', default: '150' },
    runs: { type: 'string', default: '3' },
  },
});
const broker = cli.required('broker');
const producers = cli.wholeNumber('producers');
const sensors = cli.wholeNumber('sensors');
const sampleRate = cli.wholeNumber('sample-rate');
const samples = cli.wholeNumber('samples');
const runs = cli.wholeNumber('runs');
ensureBuilt();
const stab = Math.min(10, samples);
const nominal = (sensors * 1000) / sampleRate;

interface Result {
  events: number;
  elapsedMs: number;
  rate: number;
}

function produce(topic: string): Promise<Result> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/heroflow.js'),
      'produce',
      '--broker',
      broker,
      '--topic',
      topic,
      '--metrics-port',
      '0',
      '--num-sensors',
      String(sensors),
      '--sample-rate',
      String(sampleRate),
      '--stabilization-samples',
      String(stab),
      '--carry-out-samples',
      String(samples - stab),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = stderr.split('\n').find((l) => l.includes('"experiment terminated"'));
      if (code !== 0 || !line) return reject(new Error(`producer exited ${code}: ${stderr}`));
      const j = JSON.parse(line) as { events: number; elapsed_ms: number };
      resolve({ events: j.events, elapsedMs: j.elapsed_ms, rate: (j.events / j.elapsed_ms) * 1000 });
    });
  });
}

console.log(
  `${producers} producers at once on ${broker}: ${sensors} sensors every ${sampleRate} ms, ${samples} samples each (nominal ${nominal} events/s, ${(samples * sampleRate) / 1000} s)`,
);
const spreads: number[] = [];
for (let run = 1; run <= runs; run++) {
  const results = await Promise.all(
    Array.from({ length: producers }, (_, i) =>
      produce(`bench-producers-${randomBytes(3).toString('hex')}-${i}`),
    ),
  );
  const rates = results.map((r) => r.rate);
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  const spread = (Math.max(...rates) - Math.min(...rates)) / mean;
  spreads.push(spread);
  for (const [i, r] of results.entries()) {
    console.log(
      `run ${run} producer ${i + 1}: ${r.events} events in ${(r.elapsedMs / 1000).toFixed(2)} s = ${r.rate.toFixed(1)} events/s (${((r.rate / nominal) * 100).toFixed(1)} % of nominal)`,
    );
  }
  console.log(`run ${run}: spread (max − min) / mean = ${(spread * 100).toFixed(2)} %`);
}
console.log(
  `largest spread over ${runs} runs: ${(Math.max(...spreads) * 100).toFixed(2)} % (goal: within 10 %)`,
);
