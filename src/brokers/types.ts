/**
 * The broker contract: every adapter (memory, redis, kafka, …) implements exactly this, and the shared
 * suite in test/contract/ checks each adapter against the capabilities it declares.
 *
 * Consumption is pull-based: a Subscription is an async iterator of batches, and an adapter fetches the
 * next batch only when the consumer asks for it. Back-pressure therefore needs no extra machinery: a
 * consumer that stops pulling stops delivery (bounded by the adapter's small prefetch).
 */

/** Header that carries the producer-assigned message id; the worker uses it as `msg_id`. */
export const HEADER_MSG_ID = 'heroflow-msg-id';

export interface Message {
  topic: string;
  key?: string;
  value: Uint8Array;
  headers?: Record<string, string>;
  /** Producer time in epoch milliseconds; adapters fill it in when absent. */
  timestamp?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A position to start reading from, returned by `onAssign` when offsets are kept outside the broker. */
export interface StartPosition extends TopicPartition {
  /** Next offset to read; `'earliest'` when the stored position is unknown. */
  offset: bigint | 'earliest';
}

export interface Delivery extends Message {
  /** Broker-native position as text: "lib.server.game/3@1042", a stream id, a delivery tag. */
  id: string;
  /** Partition number; 0 for brokers without partitions. */
  partition: number;
  /** Offset within the partition, for brokers with positions (Kafka, memory, streams sequence). */
  offset?: bigint;
  /** Always set: the broker's timestamp, or the arrival time when the broker has none. */
  timestamp: number;
  /** True when the broker says (or the adapter knows) this message was delivered before. */
  redelivered: boolean;
  /**
   * The key and header values as the client received them, for adapters whose client hands out bytes
   * (Kafka): the ETL copies these instead of encoding `key` and `headers` again, which adapters then
   * decode only when asked. Same content as `key` / `headers` when present.
   */
  readonly rawKey?: Uint8Array;
  readonly rawHeaders?: Readonly<Record<string, Uint8Array>>;
  /**
   * Optional, where a delivery's bytes are views into a larger client buffer (kafkajs slices a whole fetch
   * response): the same delivery with an empty value and its own copies of key and headers, so that
   * bookkeeping that outlives the batch (a segment's first and last delivery, kept until its files are
   * durable) does not keep megabytes of fetched messages alive.
   */
  detached?(): Delivery;
  /** Acknowledge this one message (same as `subscription.commit([this])`). */
  ack(): Promise<void>;
  /** Give the message back: redeliver it (default) or drop / dead-letter it with `requeue: false`. */
  nack(opts?: NackOptions): Promise<void>;
}

export interface NackOptions {
  /** `false`: never redeliver (drop, or dead-letter where the broker has one). Default `true`. */
  requeue?: boolean;
  /**
   * Redeliver no sooner than this many milliseconds from now (a failed task's back-off). The broker's own
   * mechanism where it has one (JetStream `nak(delay)`); elsewhere the adapter holds the message, unacked
   * and still counted in its window, until the delay has passed. Lost with the process either way: the
   * broker's replay of unacked messages then brings it back.
   */
  delayMs?: number;
}

export interface Capabilities {
  /** What a consumer can rely on when it crashes before acking. */
  delivery: 'at-most-once' | 'at-least-once';
  /**
   * How members of one group share a topic: `queue` = each message to one member of the group;
   * `broadcast` = every subscriber gets every message (Redis Pub/Sub), groups mean nothing.
   */
  groups: 'queue' | 'broadcast';
  /** Modes `subscribe` accepts. */
  modes: ReadonlyArray<SubscribeMode>;
  /** Where order holds: per partition, per key, nowhere. */
  ordering: 'partition' | 'key' | 'none';
  /** Messages published while no consumer listens are kept for later consumers. */
  persistence: boolean;
  /** Uncommitted messages are re-delivered after a consumer crash or leave. */
  replay: boolean;
  /**
   * `redelivered` is reliably `true` on every message handed out before (after a nack, or after a member
   * left without committing). `false` when the adapter cannot tell, e.g. Kafka: a new member cannot know
   * which offsets a crashed one had fetched. Either way `redelivered: true` is never set on a first delivery.
   */
  redeliveryFlag: boolean;
  /** Deliveries carry offsets stable across redeliveries (usable to name output files). */
  positions: boolean;
  /** `from: 'earliest'` reads what was published before the subscription existed. */
  rewind: boolean;
  /** Message headers survive the round trip (otherwise an envelope carries the id). */
  headers: boolean;
  /** Subscriptions implement `commitRun` (commit a partition's run by its ends). */
  commitRuns?: boolean;
}

export type SubscribeMode = 'shared' | 'broadcast' | 'key_shared';

export interface SubscribeOptions {
  topics: string[];
  /** Consumer group; members of one group share the work (mode `shared`). */
  group: string;
  /** Where a group with no committed position starts. Default `latest` (Kafka's default). */
  from?: 'earliest' | 'latest';
  mode?: SubscribeMode;
  /** Largest batch one `next()` returns. */
  maxBatch?: number;
  /** Longest a `next()` waits to fill a batch once at least one message is there. */
  maxWaitMs?: number;
  /** Stable name of this member (worker id); generated when absent. */
  consumerId?: string;
  /**
   * Called when partitions are assigned. Return start positions to seek to when offsets are kept
   * outside the broker (batch mode); return nothing to use the group's committed offsets.
   */
  onAssign?: (
    partitions: TopicPartition[],
  ) => Promise<StartPosition[] | undefined> | StartPosition[] | undefined;
  /**
   * Called before partitions are taken away (rebalance, close). The adapter stops fetching them first;
   * the consumer flushes and commits what it holds of them, and must drop the rest. A batch a `next()` has
   * already resolved counts as held: the adapter lets it reach the consumer before calling `onRevoke`, and
   * commits made inside `onRevoke` still count.
   *
   * `lost`: the adapter learned of the rebalance only after the group had moved on (Kafka's
   * onPartitionsLost): the partitions may already be another member's, which reads them again from the
   * last commit. Commits are refused now, and a file written of them would race the new owner's file of
   * the same offsets (a shorter one replacing a longer one loses records): drop, do not flush.
   */
  onRevoke?: (partitions: TopicPartition[], info?: { lost: boolean }) => Promise<void> | void;
}

/**
 * Every `[Symbol.asyncIterator]()` iterates the same stream: leaving a `for await` early (break, return)
 * ends that loop only and does not close the subscription, so a commit after the loop still counts; call
 * `close()` to leave the group. Once closed, a pending or later `next()` resolves `{ done: true }`.
 * `next()` yields a non-empty batch of at most `maxBatch` deliveries; it blocks while there is nothing.
 */
export interface Subscription extends AsyncIterable<Delivery[]> {
  /**
   * Resolves once the subscription is live: subscribed, its first assignment done and `latest` positions
   * fixed, so that everything published from then on reaches it (or its group). Publishing before `ready()`
   * may lose messages on brokers without persistence. Rejects when the subscription cannot start
   * (HF_BROKER_UNSUPPORTED mode, HF_BROKER_CLOSED, HF_BROKER_UNREACHABLE).
   */
  ready(): Promise<void>;
  /**
   * Mark these deliveries processed. For offset brokers the committed position of a partition advances
   * only over a contiguous run of processed offsets: an out-of-order commit never acknowledges a message
   * that is still in flight. For queue brokers it acks each delivery.
   */
  commit(deliveries: Delivery[]): Promise<void>;
  /**
   * Optional, where a commit is a position: the same as `commit` of every delivery this member was handed
   * of one partition from `first` to `last` (both included), without the deliveries in between, so a
   * consumer that commits late (the worker, once per durable file) need not keep a million messages alive.
   */
  commitRun?(first: Delivery, last: Delivery): Promise<void>;
  /**
   * Optional, where commits are positions the group keeps (Kafka): whether the group has committed past
   * `first`, i.e. another member read it, wrote it and committed it after this one lost the partition.
   * A consumer that names files by their first position asks just before writing them: its files would
   * replace the newer owner's, which may hold more. False when it cannot be told (the broker is away).
   */
  committedPast?(first: Delivery): Promise<boolean>;
  /**
   * Optional, with committedPast: whether the group's settled assignment gives this partition to another
   * member. That member reads it from the last commit and may already have written files of the same
   * names, longer, without having committed yet: the window committedPast leaves open. False while the
   * group rebalances or when it cannot be told.
   */
  assignedElsewhere?(tp: TopicPartition): Promise<boolean>;
  /** Partitions owned by this member: from the `onAssign` that gives them to the `onRevoke` that takes them. */
  assignment(): TopicPartition[];
  /**
   * The most deliveries the broker hands this member before some are committed (RabbitMQ prefetch, JetStream
   * max_ack_pending, MQTT receive maximum); absent where delivery does not wait for commits (offset brokers).
   * A consumer that commits late (the worker, per durable file) must commit before holding this many, or
   * delivery stops until its roll timer fires.
   */
  readonly window?: number;
  /** Stop fetching, run `onRevoke`, leave the group. Idempotent. */
  close(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

/**
 * Which adapter a broker is, named as its URL scheme names it (`rediss://` is `redis`, `amqps://` is
 * `amqp`): what etl_meta.service records, what picks upstream's LOGGER_MODULE, what a runner branches on.
 */
export type BrokerKind =
  | 'memory'
  | 'kafka'
  | 'redis'
  | 'redis+fanout'
  | 'redis+streams'
  | 'amqp'
  | 'nats'
  | 'mqtt'
  | 'pulsar';

/** Where a partition starts and ends: `high` is the offset the next message gets. */
export interface PartitionWatermarks {
  partition: number;
  low: bigint;
  high: bigint;
}

export interface Broker {
  readonly kind: BrokerKind;
  /** The URL it was opened with, credentials redacted. */
  readonly url: string;
  readonly capabilities: Capabilities;
  /** Publish a batch; resolves when the broker has accepted every message of it. */
  publish(messages: Message[]): Promise<void>;
  subscribe(options: SubscribeOptions): Subscription;
  /** Create topics that are missing (no-op for brokers without topics). */
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  /**
   * Remove what a consumer group keeps on the broker after its members left (queues that go on
   * collecting messages, durable consumers, stored positions), for throwaway groups such as the demo's.
   * Absent where an idle group costs nothing or cannot be named (Pub/Sub, memory, MQTT sessions, which
   * expire on their own).
   */
  deleteGroup?(group: string, topics: string[]): Promise<void>;
  /**
   * Optional, where partitions have offsets (Kafka): each partition's low and high watermark now. A
   * triggered batch reads up to the ends captured when its trigger arrived; without them it ends when idle.
   */
  watermarks?(topic: string): Promise<PartitionWatermarks[]>;
  /**
   * Optional, with `watermarks`: the offset a group has committed per partition of a topic (the next one it
   * reads), for partitions with a commit. With both, a member can tell it has read its partitions to the end.
   */
  groupOffsets?(group: string, topic: string): Promise<Map<number, bigint>>;
  /** Close every subscription and connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * How heroflow's messages look on the broker. `heroflow` (default): a msg-id header (or Redis envelope)
 * names every publish, and RabbitMQ queues dead-letter to `task_<topic>.dlx`. `upstream`: exactly what the
 * upstream Python programs publish and declare (no headers, upstream's Redis payload, plain durable
 * queues), so their workers can read heroflow's records; msg_id then comes from the position
 * (docs/brokers.md says what that gives up).
 */
export type WireFormat = 'heroflow' | 'upstream';

export interface BrokerOptions {
  /** Default `heroflow`. */
  wire?: WireFormat;
  /** Partition count for topics the broker creates; per topic, falling back to `defaultPartitions`. */
  partitions?: Record<string, number>;
  defaultPartitions?: number;
  /** Client name shown by the broker (Kafka client.id, AMQP connection name). */
  clientId?: string;
  /** Bounded connect retry before HF_BROKER_UNREACHABLE. */
  connectTimeoutMs?: number;
  /** Where adapters report reconnects and other once-per-event facts. */
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

/** Upstream's partition counts (py-superhero-dataflow lib/utils/kafka/config.py). */
export const UPSTREAM_PARTITIONS: Record<string, number> = {
  'lib.server.lobby': 2,
  'lib.server.game': 4,
  'client.__main__': 1,
};

/** One partition as a map key: `topic/partition`, the form every log line and id uses too. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** A delivery's position as text: `topic/partition@offset` (Delivery.id of offset brokers). */
export function positionId(topic: string, partition: number, offset: bigint | number | string): string {
  return `${partitionKey(topic, partition)}@${offset}`;
}
