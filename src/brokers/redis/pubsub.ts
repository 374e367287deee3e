/**
 * Redis Pub/Sub (`redis://`) and the worker side of fan-out (`redis+fanout://`).
 *
 * Pub/Sub: channel = prefix + topic; every subscriber gets every message, whatever its group (the seed's
 * finding: N workers process each message N times); nothing is kept while nobody listens; there is no ack.
 * Fan-out: a member listens on its own worker channel (fanout-channels.ts) and a FanoutMiddleware
 * (fanout.ts, `heroflow fanout`) forwards each message of the topic channel to one member per group.
 *
 * One subscriber connection per subscription (Pub/Sub needs a dedicated connection anyway), pushing into
 * a BatchQueue; a full queue pauses the socket, and Redis then buffers up to its
 * client-output-buffer-limit for pubsub before it drops the client — at-most-once, as declared.
 */
import type { Redis } from 'ioredis';
import { HeroflowError } from '../../errors.js';
import type {
  Broker,
  BrokerOptions,
  Capabilities,
  Delivery,
  Message,
  SubscribeOptions,
  Subscription,
  TopicPartition,
  TopicSpec,
} from '../types.js';
import { afterDelay } from '../util/after-delay.js';
import { BatchQueue } from '../util/batch-queue.js';
import { ConnectionLog } from '../util/connection-log.js';
import { checkSubscribeOptions } from '../util/subscribe-options.js';
import { closedError, randomConsumerId } from './client-names.js';
import { connectRedis } from './connect.js';
import { unwrap, wrap } from './envelope.js';
import { JOIN_CHANNEL, workerChannel } from './fanout-channels.js';
import type { RedisConfig } from './url.js';

export const REDIS_PUBSUB_CAPABILITIES: Capabilities = {
  delivery: 'at-most-once',
  groups: 'broadcast',
  // 'shared' is accepted so a worker runs unchanged; it behaves as broadcast (that is the point of the seed).
  modes: ['shared', 'broadcast'],
  // One channel is one ordered stream per publishing connection.
  ordering: 'partition',
  persistence: false,
  replay: false,
  // The only redelivery is a local nack(requeue), and it is flagged.
  redeliveryFlag: true,
  positions: false,
  rewind: false,
  // Carried in heroflow's envelope (envelope.ts); upstream messages have none.
  headers: true,
};

export const REDIS_FANOUT_CAPABILITIES: Capabilities = {
  ...REDIS_PUBSUB_CAPABILITIES,
  // Each message reaches one live member per group, while the middleware runs and a member lives.
  groups: 'queue',
  // Members of a group receive messages in turn (round robin / random), so a key's order is not kept.
  ordering: 'none',
};

const QUEUE_CAPACITY = 10_000;

export class RedisPubSubBroker implements Broker {
  readonly kind: 'redis' | 'redis+fanout';
  readonly capabilities: Capabilities;
  readonly url: string;
  readonly connection: ConnectionLog;
  #pub: Redis | undefined;
  #subs = new Set<PubSubSubscription>();
  #closed = false;
  #warnedNoMiddleware = false;

  constructor(
    readonly cfg: RedisConfig,
    readonly options: BrokerOptions,
  ) {
    this.url = cfg.url;
    this.kind = cfg.kind === 'fanout' ? 'redis+fanout' : 'redis';
    this.capabilities = cfg.kind === 'fanout' ? REDIS_FANOUT_CAPABILITIES : REDIS_PUBSUB_CAPABILITIES;
    this.connection = new ConnectionLog('redis', cfg.url, options.log);
  }

  async connect(): Promise<void> {
    this.#pub = await connectRedis(this.cfg, this.options, 'publisher', this.connection);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pub(): Redis {
    if (!this.#pub || this.#closed) throw closedError(`broker ${this.url}`);
    return this.#pub;
  }

  channelOf(topic: string): string {
    return this.cfg.prefix + topic;
  }

  async ensureTopics(_specs: TopicSpec[]): Promise<void> {
    this.#check();
  }

  async publish(messages: Message[]): Promise<void> {
    this.#check();
    if (messages.length === 0) return;
    const now = Date.now();
    const pipeline = this.pub.pipeline();
    for (const m of messages) pipeline.publish(this.channelOf(m.topic), wrap(m, this.cfg.envelope, now));
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) {
      throw new HeroflowError(
        'HF_BROKER_UNREACHABLE',
        `publishing to ${this.url} failed: ${failed[0].message}`,
        {
          cause: failed[0],
        },
      );
    }
  }

  /** Fan-out members announce their worker channel; nobody listening means no middleware runs (said once). */
  async announce(workerChannel: string): Promise<void> {
    const listeners = await this.pub.publish(JOIN_CHANNEL, workerChannel);
    if (listeners === 0 && !this.#warnedNoMiddleware) {
      this.#warnedNoMiddleware = true;
      this.options.log?.('warn', 'no fanout middleware is running: messages reach no member until it does', {
        url: this.url,
        channel: workerChannel,
        hint: 'heroflow fanout --broker <redis url> --topics …',
      });
    }
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#check();
    checkSubscribeOptions(
      `Redis ${this.cfg.kind === 'fanout' ? 'fan-out' : 'Pub/Sub'}`,
      this.capabilities,
      options,
    );
    const sub = new PubSubSubscription(this, options, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
    this.#pub?.disconnect();
  }

  #check(): void {
    if (this.#closed) throw closedError(`broker ${this.url}`);
  }
}

class PubSubSubscription implements Subscription {
  readonly #queue: BatchQueue<Delivery>;
  /** Subscribed channel → topic. */
  readonly #channels = new Map<string, string>();
  readonly #ready: Promise<void>;
  #client: Redis | undefined;
  #closed = false;
  #seq = 0;
  #assigned: TopicPartition[] = [];

  constructor(
    private readonly broker: RedisPubSubBroker,
    private readonly opts: SubscribeOptions,
    private readonly onClosed: () => void,
  ) {
    this.#queue = new BatchQueue<Delivery>({
      capacity: QUEUE_CAPACITY,
      pause: () => this.#client?.stream?.pause(),
      resume: () => this.#client?.stream?.resume(),
    });
    const consumerId = opts.consumerId ?? randomConsumerId();
    // Broadcast on fan-out: a group of one, so the middleware sends this member everything.
    const group = opts.mode === 'broadcast' ? `${opts.group}~${consumerId}` : opts.group;
    for (const topic of new Set(opts.topics)) {
      const channel = broker.channelOf(topic);
      this.#channels.set(
        broker.cfg.kind === 'fanout' ? workerChannel(channel, group, consumerId) : channel,
        topic,
      );
    }
    this.#ready = this.#start();
    this.#ready.catch((err) => this.#queue.fail(err));
  }

  async #start(): Promise<void> {
    const client = await connectRedis(
      this.broker.cfg,
      this.broker.options,
      'subscriber',
      this.broker.connection,
    );
    if (this.#closed) {
      client.disconnect();
      throw closedError('subscription');
    }
    this.#client = client;
    client.on('messageBuffer', (channel: Buffer, payload: Buffer) =>
      this.#receive(channel.toString(), payload),
    );
    await client.subscribe(...this.#channels.keys());
    if (this.broker.cfg.kind === 'fanout') {
      for (const channel of this.#channels.keys()) await this.broker.announce(channel);
    }
    this.#assigned = [...new Set(this.opts.topics)].map((topic) => ({ topic, partition: 0 }));
    // No positions to seek to: whatever onAssign returns cannot be honoured, so it is only told.
    await this.opts.onAssign?.(this.#assigned);
  }

  #receive(channel: string, payload: Buffer): void {
    const topic = this.#channels.get(channel);
    if (topic === undefined || this.#closed) return;
    const { value, key, headers, timestamp } = unwrap(payload);
    this.#queue.push(
      this.#delivery(topic, `${topic}/0#${++this.#seq}`, value, key, headers, timestamp ?? Date.now(), false),
    );
  }

  #delivery(
    topic: string,
    id: string,
    value: Uint8Array,
    key: string | undefined,
    headers: Record<string, string> | undefined,
    timestamp: number,
    redelivered: boolean,
  ): Delivery {
    const d: Delivery = {
      topic,
      id,
      partition: 0,
      value,
      timestamp,
      redelivered,
      ack: async () => {},
      // Nothing on the server to give back to: a requeue is local, lost if this process dies.
      nack: async (o) => {
        if (o?.requeue === false) return;
        return afterDelay(o?.delayMs, () => {
          if (!this.#closed)
            this.#queue.push(this.#delivery(topic, id, value, key, headers, timestamp, true));
        });
      },
    };
    if (key !== undefined) d.key = key;
    if (headers !== undefined) d.headers = headers;
    return d;
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  /** No acknowledgement exists in Pub/Sub: a message is gone once delivered. */
  async commit(_deliveries: Delivery[]): Promise<void> {}

  assignment(): TopicPartition[] {
    return this.#closed ? [] : this.#assigned;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.discard(() => true);
    this.#queue.close();
    this.#client?.disconnect();
    const assigned = this.#assigned;
    this.#assigned = [];
    try {
      if (assigned.length > 0) await this.opts.onRevoke?.(assigned);
    } finally {
      this.onClosed();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery[]> {
    return {
      next: async () => {
        if (this.#closed) return { done: true, value: undefined };
        const batch = await this.#queue.next(this.opts.maxBatch ?? 500, this.opts.maxWaitMs ?? 0);
        if (!batch || this.#closed) return { done: true, value: undefined };
        return { done: false, value: batch };
      },
    };
  }
}
