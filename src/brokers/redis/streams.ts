/**
 * Redis Streams with consumer groups (`redis+streams://`): stream key = prefix + topic, one entry per
 * message with the fields `v` (value bytes), `k` (key), `h` (headers as JSON) and `t` (producer time, ms).
 * Streams are bounded with `XADD MAXLEN ~ maxlen` (approximate trimming is O(1) per add): a consumer group
 * that lags by more than `maxlen` loses the oldest entries — the price of a bound, documented.
 */
import type { Redis } from 'ioredis';
import { HeroflowError } from '../../errors.js';
import type {
  Broker,
  BrokerOptions,
  Capabilities,
  Message,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from '../types.js';
import { ConnectionLog } from '../util/connection-log.js';
import { checkSubscribeOptions } from '../util/subscribe-options.js';
import { closedError } from './client-names.js';
import { connectRedis } from './connect.js';
import { StreamsSubscription } from './streams-subscription.js';
import type { RedisConfig } from './url.js';

export const REDIS_STREAMS_CAPABILITIES: Capabilities = {
  delivery: 'at-least-once',
  groups: 'queue',
  // Broadcast = each subscriber its own group.
  modes: ['shared', 'broadcast'],
  // Entries are handed out in stream order and a member sees its share in ascending ids. Members of one
  // group interleave one stream, and reclaimed entries come back after newer ones (docs/brokers-redis.md).
  ordering: 'partition',
  persistence: true,
  replay: true,
  // XREADGROUP '>' hands out first deliveries only; history reads, XAUTOCLAIM and nack are redeliveries.
  redeliveryFlag: true,
  // offset = (ms << 22) | seq of the stream id: stable, ascending, and reversible for seeks.
  positions: true,
  rewind: true,
  headers: true,
};

function asBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export class RedisStreamsBroker implements Broker {
  readonly kind = 'redis+streams' as const;
  readonly capabilities = REDIS_STREAMS_CAPABILITIES;
  readonly url: string;
  readonly connection: ConnectionLog;
  #cmd: Redis | undefined;
  #subs = new Set<StreamsSubscription>();
  #closed = false;

  constructor(
    readonly cfg: RedisConfig,
    readonly options: BrokerOptions,
  ) {
    this.url = cfg.url;
    this.connection = new ConnectionLog('redis', cfg.url, options.log);
  }

  async connect(): Promise<void> {
    this.#cmd = await connectRedis(this.cfg, this.options, 'commands', this.connection);
  }

  get cmd(): Redis {
    if (!this.#cmd || this.#closed) throw closedError(`broker ${this.url}`);
    return this.#cmd;
  }

  /** The command connection even while closing (subscriptions destroy their broadcast groups then). */
  get client(): Redis | undefined {
    return this.#cmd;
  }

  get closed(): boolean {
    return this.#closed;
  }

  streamOf(topic: string): string {
    return this.cfg.prefix + topic;
  }

  /** XADD creates streams; groups are created by subscriptions (MKSTREAM). */
  async ensureTopics(_specs: TopicSpec[]): Promise<void> {
    this.#check();
  }

  async publish(messages: Message[]): Promise<void> {
    this.#check();
    if (messages.length === 0) return;
    const now = Date.now();
    const pipeline = this.cmd.pipeline();
    const maxlen = String(this.cfg.maxlen);
    for (const m of messages) {
      const fields: Array<string | Buffer> = ['v', asBuffer(m.value), 't', String(m.timestamp ?? now)];
      if (m.key !== undefined) fields.push('k', m.key);
      if (m.headers && Object.keys(m.headers).length > 0) fields.push('h', JSON.stringify(m.headers));
      pipeline.xadd(this.streamOf(m.topic), 'MAXLEN', '~', maxlen, '*', ...fields);
    }
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

  subscribe(options: SubscribeOptions): Subscription {
    this.#check();
    checkSubscribeOptions('Redis Streams', this.capabilities, options);
    const sub = new StreamsSubscription(this, options, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  async deleteGroup(group: string, topics: string[]): Promise<void> {
    for (const topic of topics) await this.cmd.xgroup('DESTROY', this.streamOf(topic), group);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
    this.#cmd?.disconnect();
  }

  #check(): void {
    if (this.#closed) throw closedError(`broker ${this.url}`);
  }
}
