/**
 * The Kafka adapter's broker half: topics, publishing, and the shared client the subscriptions use.
 * Client: kafkajs (chosen by measurement, see docs/kafka.md), kept behind this file and subscription.ts.
 */
import {
  type Admin,
  AssignerProtocol,
  Kafka,
  type Message as KMessage,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { HeroflowError } from '../../errors.js';
import {
  type Broker,
  type BrokerOptions,
  type Capabilities,
  type Message,
  type SubscribeOptions,
  type Subscription,
  type TopicSpec,
  UPSTREAM_PARTITIONS,
} from '../types.js';
import { ConnectionLog, errorText } from '../util/connection-log.js';
import { connectWithRetry, retryWhile } from '../util/retry.js';
import { publishRejection } from './delivery.js';
// Swaps kafkajs' record batch decoder for the lean one before any consumer fetches (the file says why).
import './record-batch-decoder.js';
import './request-queue-timer.js';
import { KafkaSubscription } from './subscription.js';
import type { KafkaSettings } from './url.js';

/** The first seed broker, where the connect retry checks a TLS/plaintext mismatch. */
function firstBroker(brokers: string[], tls: boolean): { host: string; port: number; tls: boolean } {
  const i = brokers[0].lastIndexOf(':');
  return { host: brokers[0].slice(0, i).replace(/^\[|\]$/g, ''), port: Number(brokers[0].slice(i + 1)), tls };
}

export const KAFKA_CAPABILITIES: Capabilities = {
  delivery: 'at-least-once',
  groups: 'queue',
  modes: ['shared'],
  ordering: 'partition',
  persistence: true,
  replay: true,
  // A new member cannot know which offsets a crashed member had fetched.
  redeliveryFlag: false,
  positions: true,
  rewind: true,
  headers: true,
  commitRuns: true,
};

/** A publish that meets a broker restart keeps retrying this long before giving up. */
const PUBLISH_RETRY_MS = 120_000;

/**
 * A broker that has just started creates a topic but, for some seconds, answers the metadata request
 * that waits for its leaders with UNKNOWN_TOPIC_OR_PARTITION (~20 s after `scripts/services.sh up kafka`
 * here). Creating again is tried this long; "already exists" then means done.
 */
const CREATE_RETRY_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export class KafkaBroker implements Broker {
  readonly kind = 'kafka' as const;
  readonly capabilities = KAFKA_CAPABILITIES;
  readonly kafka: Kafka;
  readonly connection: ConnectionLog;
  #admin: Admin;
  #producer: Producer;
  #topics = new Map<string, Promise<void>>();
  #subs = new Set<KafkaSubscription>();
  #closed = false;

  constructor(
    readonly url: string,
    readonly brokers: string[],
    readonly options: BrokerOptions,
    readonly security: KafkaSettings['security'] = {},
  ) {
    this.connection = new ConnectionLog('kafka', url, options.log);
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'heroflow',
      brokers,
      ...security,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      // kafkajs' own retries stay short: long outages are ridden out by publish() and the consumer restart.
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.#admin = this.kafka.admin();
    this.#producer = this.kafka.producer({
      // Java-compatible murmur2: the same key lands on the same partition as with any other Kafka client.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // No retries inside kafkajs: its retry of a send spanning several brokers goes only to the brokers
      // that have not answered yet, by the partitions' leaders at the retry. A partition whose leader moved
      // to a broker that had already answered is not sent again, and the send resolves: its records were
      // acknowledged while they sat only in the old leader's log, which then truncated them (the
      // kafka-cluster chaos trial: 8 acks=all records lost, the old leader's log cut from 733 to 725;
      // kafkajs PR #1798). publish() sends a failed batch again whole, to the leaders of the moment.
      retry: { retries: 0 },
    });
  }

  /** Connect admin and producer within the bounded retry; HF_BROKER_UNREACHABLE names the URL and cause. */
  async connect(): Promise<void> {
    await connectWithRetry(
      async () => {
        try {
          await this.#admin.connect();
          await this.#producer.connect();
        } catch (err) {
          await this.#admin.disconnect().catch(() => {});
          await this.#producer.disconnect().catch(() => {});
          throw err;
        }
      },
      {
        url: this.url,
        timeoutMs: this.options.connectTimeoutMs ?? 10_000,
        log: this.options.log,
        endpoint: firstBroker(this.brokers, !!this.security.ssl),
      },
    );
  }

  get admin(): Admin {
    return this.#admin;
  }

  /**
   * Low and high watermarks of every partition of a topic (high = the offset the next message gets). Batch
   * mode with triggers reads up to the high watermarks captured when the trigger arrived.
   */
  async watermarks(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]> {
    this.#check();
    await this.ensureTopics([{ topic, partitions: this.partitionsFor(topic) }]);
    const parts = await this.#admin.fetchTopicOffsets(topic);
    return parts.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
  }

  async groupOffsets(group: string, topic: string): Promise<Map<number, bigint>> {
    this.#check();
    const [offsets] = await this.#admin.fetchOffsets({ groupId: group, topics: [topic] });
    // -1: nothing committed yet for that partition.
    return new Map(
      (offsets?.partitions ?? [])
        .filter((p) => Number(p.offset) >= 0)
        .map((p) => [p.partition, BigInt(p.offset)] as const),
    );
  }

  /**
   * Who owns each partition in the group's settled assignment (`topic/partition` → member id), or
   * undefined while the group is not Stable: during a rebalance the coordinator names no assignments.
   */
  async groupOwners(group: string): Promise<Map<string, string> | undefined> {
    this.#check();
    const { groups } = await this.#admin.describeGroups([group]);
    const g = groups.find((x) => x.groupId === group);
    if (g?.state !== 'Stable') return undefined;
    const owners = new Map<string, string>();
    for (const m of g.members) {
      const decoded =
        m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
      for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {}))
        for (const partition of partitions) owners.set(`${topic}/${partition}`, m.memberId);
    }
    return owners;
  }

  partitionsFor(topic: string): number {
    return (
      this.options.partitions?.[topic] ?? UPSTREAM_PARTITIONS[topic] ?? this.options.defaultPartitions ?? 1
    );
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.#check();
    await Promise.all(
      specs.map((spec) => {
        let pending = this.#topics.get(spec.topic);
        if (!pending) {
          pending = this.#create(spec);
          // A failed creation must be retried by the next caller, not cached.
          pending.catch(() => this.#topics.delete(spec.topic));
          this.#topics.set(spec.topic, pending);
        }
        return pending;
      }),
    );
  }

  async #create(spec: TopicSpec): Promise<void> {
    await retryWhile(
      async () => {
        try {
          await this.#admin.createTopics({
            // No replication factor: the cluster's default.replication.factor decides (1 on a single
            // broker, 3 on scripts/services.sh's kafka-cluster); hard-coding 1 left every partition on one.
            topics: [{ topic: spec.topic, numPartitions: spec.partitions }],
            waitForLeaders: true,
          });
        } catch (err) {
          // Another member or process created it first: that is the outcome we wanted.
          if (!/already exists/i.test(String((err as Error).message))) throw err;
        }
      },
      {
        retryable: (err) => (err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION',
        budgetMs: CREATE_RETRY_MS,
        pauseMs: () => 500,
      },
    );
  }

  async publish(messages: Message[]): Promise<void> {
    this.#check();
    if (messages.length === 0) return;
    const byTopic = new Map<string, KMessage[]>();
    const now = Date.now();
    for (const m of messages) {
      let list = byTopic.get(m.topic);
      if (!list) {
        list = [];
        byTopic.set(m.topic, list);
      }
      list.push({
        key: m.key ?? null,
        value: toBuffer(m.value),
        headers: m.headers,
        timestamp: String(m.timestamp ?? now),
      });
    }
    await this.ensureTopics(
      [...byTopic.keys()].map((topic) => ({ topic, partitions: this.partitionsFor(topic) })),
    );
    const topicMessages = [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs }));
    const deadline = Date.now() + PUBLISH_RETRY_MS;
    for (;;) {
      try {
        await this.#producer.sendBatch({ topicMessages, acks: -1 });
        this.connection.restored('producer');
        return;
      } catch (err) {
        // What the broker refused for good (a message over max.message.bytes) fails now: retrying it for
        // two minutes only blocked the partition behind it (issue 14).
        const rejected = publishRejection(err, this.url);
        if (rejected) throw rejected;
        // Every failed send is retried here, whole (see the producer's retry setting); a restarting broker
        // needs up to PUBLISH_RETRY_MS. Re-sending a batch the broker may have half-written duplicates,
        // never loses (at-least-once, msg ids tell copies apart).
        if (this.#closed) {
          throw new HeroflowError(
            'HF_BROKER_CLOSED',
            `publishing to ${this.url} stopped: the broker was closed`,
            {
              cause: err,
            },
          );
        }
        if (Date.now() > deadline) {
          throw new HeroflowError(
            'HF_BROKER_UNREACHABLE',
            `publishing to ${this.url} failed: ${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
        this.connection.lost('producer', { client: 'producer', error: errorText(err) });
        await sleep(500);
      }
    }
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#check();
    const mode = options.mode ?? 'shared';
    if (!this.capabilities.modes.includes(mode)) {
      throw new HeroflowError(
        'HF_BROKER_UNSUPPORTED',
        `Kafka supports subscribe mode 'shared' only (consumer groups), not '${mode}'.`,
      );
    }
    if (!Array.isArray(options.topics) || options.topics.length === 0) {
      throw new HeroflowError('HF_BROKER_UNSUPPORTED', 'subscribe needs at least one topic');
    }
    const sub = new KafkaSubscription(this, options, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  async deleteGroup(group: string): Promise<void> {
    // Committed offsets would otherwise stay until offsets.retention.minutes (7 days by default).
    await this.#admin.deleteGroups([group]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
    await this.#producer.disconnect().catch(() => {});
    await this.#admin.disconnect().catch(() => {});
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_BROKER_CLOSED', `broker ${this.url} is closed`);
  }
}
