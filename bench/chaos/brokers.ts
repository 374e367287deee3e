/**
 * The durable brokers the chaos run covers, and how each is reached for one trial. A broker that a
 * private server can stand in for (src/bench/private-server.ts) gets one when broker restarts are on: the trial
 * SIGKILLs and restarts that server, never the shared one. Kafka's broker failures are the 3-broker
 * cluster's business (scripts/services.sh up kafka-cluster, --kafka-cluster, test/chaos/kafka-cluster.test.ts);
 * RabbitMQ has no private instance here (a second Erlang node costs ~150 MB and 20 s a start on this box).
 *
 * NATS keeps its default ack wait (30 s): with 3 s (what test/e2e uses to be quick) a live worker's files
 * on this loaded machine outlasted it and NATS redelivered records still in flight, which were written
 * twice (docs/reliability.md). Redis Streams keeps its default claimIdleMs (30 s): the killed worker
 * returns under its own id and reads its own pending entries again from the same first entry, so its
 * files get the same names (an overwrite).
 */

import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { PrivateKind } from '../../src/bench/private-server.js';
import type { NatsBroker } from '../../src/brokers/nats/index.js';
import { openBroker } from '../../src/brokers/registry.js';

export const CHAOS_BROKERS = ['kafka', 'redis+streams', 'amqp', 'nats', 'mqtt'] as const;
export type ChaosBrokerName = (typeof CHAOS_BROKERS)[number];

export interface ChaosTarget {
  /** Broker URL for publisher and workers. */
  url: string;
  /** Creates the topic before anything else can (Kafka: with the cluster's default replication factor). */
  prepare?: (topic: string, partitions: number) => Promise<void>;
  /** Removes what the trial left on a shared server. */
  cleanup: (topic: string, group: string) => Promise<void>;
}

function kafkaAdmin(url: string) {
  return new Kafka({ brokers: url.slice('kafka://'.length).split(','), logLevel: logLevel.NOTHING }).admin();
}

/**
 * The Kafka adapter creates a missing topic with replication factor 1; on the 3-broker cluster that would
 * leave a partition on one broker. No replication factor here means the broker's default.replication.factor
 * (3 on the cluster, 1 on the single shared broker).
 */
async function createKafkaTopic(url: string, topic: string, partitions: number): Promise<void> {
  const admin = kafkaAdmin(url);
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

interface Shared {
  /** The shared server's URL (scripts/services.sh), or a private server's from its port. */
  url: (port: number | undefined, id: string) => string;
  private?: PrivateKind;
  prepare?: (url: string, topic: string, partitions: number) => Promise<void>;
  cleanup?: (url: string, topic: string, group: string, id: string) => Promise<void>;
}

const SHARED = {
  kafka: 'kafka://127.0.0.1:9092',
  redis: 'redis://127.0.0.1:6379/0',
  amqp: 'amqp://guest:guest@127.0.0.1:5672',
  nats: 'nats://127.0.0.1:4222',
  mqtt: 'mqtt://127.0.0.1:1883',
};

const BROKERS: Record<ChaosBrokerName, Shared> = {
  kafka: {
    url: () => SHARED.kafka,
    prepare: createKafkaTopic,
    cleanup: async (url, topic, group) => {
      const admin = kafkaAdmin(url);
      await admin.connect();
      await admin.deleteGroups([group]).catch(() => {});
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    },
  },
  'redis+streams': {
    url: (port) => `redis+streams://127.0.0.1:${port ?? 6379}/0`,
    private: 'redis',
    cleanup: async (url, topic) => {
      const redis = new Redis(url.replace(/^redis\+streams:/, 'redis:').replace(/\?.*$/, ''));
      await redis.del(topic);
      redis.disconnect();
    },
  },
  amqp: {
    url: () => SHARED.amqp,
    cleanup: async (url, topic, group) => {
      const broker = await openBroker(url);
      await broker.deleteGroup?.(group, [topic]).catch(() => {});
      await broker.close();
    },
  },
  nats: {
    url: (port, id) => `nats://127.0.0.1:${port ?? 4222}?stream=HFCHAOS_${id}&prefix=hfchaos${id}`,
    private: 'nats',
    cleanup: async (url, _topic, _group, id) => {
      const broker = (await openBroker(url)) as NatsBroker;
      await broker.jsm.streams.delete(`HFCHAOS_${id}`).catch(() => {});
      await broker.close();
    },
  },
  mqtt: {
    url: (port) => `mqtt://127.0.0.1:${port ?? 1883}`,
    private: 'mosquitto',
  },
};

export function privateKindOf(name: ChaosBrokerName): PrivateKind | undefined {
  return BROKERS[name].private;
}

/** The target of one trial: a private server's port when it has one, else the shared server. */
export function chaosTarget(
  name: ChaosBrokerName,
  id: string,
  opts: { privatePort?: number; kafkaUrl?: string } = {},
): ChaosTarget {
  const b = BROKERS[name];
  const url = name === 'kafka' && opts.kafkaUrl ? opts.kafkaUrl : b.url(opts.privatePort, id);
  return {
    url,
    prepare: b.prepare && ((topic, partitions) => b.prepare?.(url, topic, partitions) ?? Promise.resolve()),
    // A private server goes away with its data; only shared servers need tidying.
    cleanup: async (topic, group) => {
      if (opts.privatePort === undefined) await b.cleanup?.(url, topic, group, id);
    },
  };
}

export function parseBrokerList(list: string): ChaosBrokerName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(CHAOS_BROKERS as readonly string[]).includes(n))
      throw new Error(`--brokers: unknown broker '${n}'; allowed: ${CHAOS_BROKERS.join(', ')}`);
  }
  return names as ChaosBrokerName[];
}
