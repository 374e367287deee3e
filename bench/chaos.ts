/**
 * The chaos suite: kill -9 trials per durable broker, judged by a checker that reads every Parquet file.
 *
 *   npm run chaos -- [--trials 20] [--brokers kafka,redis+streams,amqp,nats,mqtt] [--seed N]
 *     [--records 6000] [--rate 1500] [--restarts on|off] [--kafka-cluster] [--json FILE]
 *
 * Each trial (bench/chaos/trial.ts): two `heroflow worker` processes in one group on a fresh topic,
 * `--records` msg-id'd simulator records published at `--rate`, one worker SIGKILLed at a random moment
 * and started again; with `--restarts on` the brokers that have a private server here (Redis, NATS,
 * Mosquitto: src/bench/private-server.ts) run the trials on it and it is SIGKILLed and restarted too
 * (the shared servers of scripts/services.sh are never touched). `--kafka-cluster` runs the Kafka trials
 * on the 3-broker cluster (scripts/services.sh up kafka-cluster) and, with restarts on, SIGKILLs the
 * broker leading partition 0 of the trial's topic and starts it again (bench/chaos/kafka-cluster.ts).
 *
 * Trial i of a run has seed `--seed + i`; every random choice of a trial comes from its seed, printed with
 * it, so `--seed <that> --trials 1 --brokers <that one>` replays it. Exit code 1 when any trial lost,
 * duplicated, left an unreadable file or a stray temp file. Not part of `npm test` (test/chaos runs the
 * short version: --trials 2 on two brokers).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { PrivateServer } from '../src/bench/private-server.js';
import { simulatorPool } from '../src/bench/records.js';
import { ensureBuilt } from '../test/helpers/cli.js';
import {
  CHAOS_BROKERS,
  type ChaosBrokerName,
  chaosTarget,
  parseBrokerList,
  privateKindOf,
} from './chaos/brokers.js';
import { ClusterNodeFault, KAFKA_CLUSTER_URL } from './chaos/kafka-cluster.js';
import { summarise, trialLine } from './chaos/report.js';
import { runTrial, type TrialResult, trialTopic } from './chaos/trial.js';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: npm run chaos -- [options]
  --trials N          trials per broker (default 20)
  --brokers a,b       ${CHAOS_BROKERS.join(', ')} (default all)
  --seed N            trial i's seed is N + i, to replay one (default: random)
  --records N         records per trial (default 6000)
  --rate N            records/s published (default 1500)
  --restarts on|off   kill and restart the broker server too, where it has a private one (default on)
  --kafka-cluster     the Kafka trials on the 3-broker cluster (default off)
  --json FILE         write the results to FILE as JSON (default: none)
  --help              this text`,
  options: {
    trials: { type: 'string', default: '20' },
    brokers: { type: 'string', default: CHAOS_BROKERS.join(',') },
    seed: { type: 'string' },
    records: { type: 'string', default: '6000' },
    rate: { type: 'string', default: '1500' },
    restarts: { type: 'string', default: 'on' },
    'kafka-cluster': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const args = cli.values;
const trials = cli.wholeNumber('trials');
const records = cli.wholeNumber('records');
const rate = cli.wholeNumber('rate');
const seed = args.seed === undefined ? randomBytes(3).readUIntBE(0, 3) : cli.wholeNumber('seed');
cli.oneOf('restarts', ['on', 'off']);
let brokers: ChaosBrokerName[];
try {
  brokers = parseBrokerList(args.brokers);
} catch (err) {
  brokers = cli.fail((err as Error).message);
}
ensureBuilt();

const SHORT: Record<ChaosBrokerName, string> = {
  kafka: 'k',
  'redis+streams': 'rs',
  amqp: 'a',
  nats: 'n',
  mqtt: 'm',
};
const tag = randomBytes(3).toString('hex');
console.log(
  `chaos: seed ${seed}, ${trials} trial(s) per broker on ${brokers.join(', ')}, ${records} records at ${rate}/s, broker restarts ${args.restarts}`,
);
const pool = await simulatorPool(40, 'kafka');
const results: TrialResult[] = [];
for (const name of brokers) {
  const kind = args.restarts === 'on' ? privateKindOf(name) : undefined;
  const server = kind ? await PrivateServer.start(kind) : undefined;
  if (server) console.log(`${name}: private ${server.kind} on 127.0.0.1:${server.port} (pid ${server.pid})`);
  try {
    for (let i = 0; i < trials; i++) {
      const id = `${SHORT[name]}${tag}${i}`;
      const cluster = name === 'kafka' && args['kafka-cluster'];
      const r = await runTrial({
        broker: cluster ? 'kafka (3-broker cluster)' : name,
        target: chaosTarget(name, id, {
          privatePort: server?.port,
          kafkaUrl: cluster ? KAFKA_CLUSTER_URL : undefined,
        }),
        seed: seed + i,
        id,
        pool,
        records,
        rate,
        partitions: 4,
        rollRows: 500,
        rollAgeMs: 1000,
        settleMs: 90_000,
        server: cluster && args.restarts === 'on' ? new ClusterNodeFault(trialTopic(id)) : server,
      });
      results.push(r);
      console.log(trialLine(r, i));
    }
  } finally {
    await server?.stop();
  }
}
const { table, failed } = summarise(results);
console.log(`\n${table}`);
if (args.json)
  await writeFile(args.json, `${JSON.stringify({ seed, trials, records, rate, results }, null, 2)}\n`);
process.exit(failed ? 1 : 0);
