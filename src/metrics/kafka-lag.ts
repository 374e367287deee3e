/**
 * Consumer lag per partition for a Kafka group, asked of the cluster on scrape (kafkajs admin: the
 * topics' end offsets and the group's committed offsets). lag = end − committed, on the partitions the
 * group has committed on. Other brokers report no lag here yet.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import { parseKafkaSettings } from '../brokers/kafka/url.js';
import { PREFIX } from './registry.js';

export interface LagProbe {
  close(): Promise<void>;
}

export function registerKafkaLag(
  registry: Registry,
  opts: { url: string; group: string; topics: string[]; timeoutMs?: number },
): LagProbe {
  const { brokers, security } = parseKafkaSettings(opts.url);
  const kafka = new Kafka({
    clientId: 'heroflow-metrics',
    brokers,
    ...security,
    logLevel: logLevel.NOTHING,
    connectionTimeout: opts.timeoutMs ?? 2000,
    requestTimeout: opts.timeoutMs ?? 2000,
    // A few quick retries: metadata of a topic created a moment ago may not be there on the first ask.
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 },
  });
  let admin: Admin | undefined;
  let connecting: Promise<Admin> | undefined;
  const connect = () => {
    connecting ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      admin = a;
      return a;
    })().catch((err: unknown) => {
      connecting = undefined;
      throw err;
    });
    return connecting;
  };
  new Gauge({
    name: `${PREFIX}consumer_lag_messages`,
    help: "Messages in the topic not yet committed by this worker's group, per partition (Kafka).",
    labelNames: ['topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const a = await connect();
        const committed = await a.fetchOffsets({ groupId: opts.group, topics: opts.topics });
        for (const t of committed) {
          const ends = await a.fetchTopicOffsets(t.topic);
          for (const p of t.partitions) {
            const end = ends.find((e) => e.partition === p.partition);
            if (!end) continue;
            // No commit yet: no lag either, as kafka-consumer-groups shows it ("-"); a `latest` group has
            // not skipped the backlog in the cluster's books until its first commit.
            if (Number(p.offset) < 0) continue;
            this.set(
              { topic: t.topic, partition: String(p.partition) },
              Math.max(0, Number(end.high) - Number(p.offset)),
            );
          }
        }
      } catch {
        // A scrape while the cluster is away shows no lag series rather than failing the whole scrape.
      }
    },
  });
  return {
    close: async () => {
      await admin?.disconnect().catch(() => {});
    },
  };
}
