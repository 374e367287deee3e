/**
 * The 3-broker Kafka cluster of `scripts/services.sh up kafka-cluster`, as a chaos trial's broker fault:
 * at the drawn moment the broker leading partition 0 of the trial's topic is SIGKILLed (its PID file is
 * .services/kafka-cluster[-N].pid), and after the drawn down time it is started again with
 * `scripts/services/kafka-cluster.sh start-node N`, which returns once all three brokers are back. The two
 * that stay up hold every partition in sync (replication factor 3, min.insync.replicas=2), so acks=all
 * publishes and the consumer group go on.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { BrokerFault } from './trial.js';

export const KAFKA_CLUSTER_URL = 'kafka://127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094';
/** The cluster's bootstrap list as clients take it (`host:port,…`). */
export const KAFKA_CLUSTER_BROKERS = KAFKA_CLUSTER_URL.slice('kafka://'.length);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = path.join(ROOT, 'scripts/services/kafka-cluster.sh');

const pidFile = (node: number) =>
  path.join(ROOT, '.services', node === 1 ? 'kafka-cluster.pid' : `kafka-cluster-${node}.pid`);

/** The node id leading partition 0 of `topic` now. */
async function leaderOf(topic: string): Promise<number> {
  const admin = new Kafka({
    brokers: KAFKA_CLUSTER_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0].partitions.find((p) => p.partitionId === 0)?.leader ?? 1;
  } finally {
    await admin.disconnect();
  }
}

export class ClusterNodeFault implements BrokerFault {
  /** Node ids killed, in order. */
  readonly killed: number[] = [];

  constructor(readonly topic: string) {}

  async killAndRestart(downMs: number): Promise<void> {
    const node = await leaderOf(this.topic);
    const pid = Number((await readFile(pidFile(node), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    this.killed.push(node);
    await new Promise((r) => setTimeout(r, downMs));
    await promisify(execFile)(SCRIPT, ['start-node', String(node)], { timeout: 240_000 });
  }
}

/** Every record of `topic` as it is now: `topic/partition/offset` → its msg-id header (kcat, to the end). */
export async function logPositions(topic: string): Promise<Map<string, string>> {
  const { stdout } = await promisify(execFile)(
    'kcat',
    ['-C', '-b', KAFKA_CLUSTER_BROKERS, '-t', topic, '-e', '-q', '-f', '%p %o %h\\n'],
    { timeout: 60_000, maxBuffer: 64 << 20 },
  );
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [partition, offset, headers = ''] = line.split(' ');
    if (offset === undefined) continue;
    const id = /(?:^|,)heroflow-msg-id=([^,]*)/.exec(headers)?.[1] ?? '?';
    out.set(`${topic}/${partition}/${offset}`, id);
  }
  return out;
}
