/**
 * The memory broker: the embedded default. In-process, Kafka-like (partitions, offsets, consumer groups,
 * committed offsets, replay of uncommitted messages), plus Redis-Pub/Sub-like broadcast subscriptions.
 *
 * Instances are named by URL (`memory://` and `memory://other` are distinct), so a transport and a worker
 * that each call openBroker('memory://') in one process talk to each other. Each openBroker call returns
 * its own handle; the instance (and every message in it) lives while at least one handle is open — closing
 * the last handle is like stopping the server. Worker threads have their own instances: the memory broker
 * does not cross threads or processes.
 */
import { randomUUID } from 'node:crypto';
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
import { Group } from './group.js';
import { Topic } from './log.js';
import { MemorySubscription } from './subscription.js';

export const MEMORY_CAPABILITIES: Capabilities = Object.freeze({
  delivery: 'at-least-once',
  groups: 'queue',
  // key_shared would need per-key dispatch with ordering across membership changes; not worth it here.
  modes: Object.freeze(['shared', 'broadcast'] as const),
  ordering: 'partition',
  // While the instance lives (see above); nothing survives the process.
  persistence: true,
  replay: true,
  redeliveryFlag: true,
  positions: true,
  rewind: true,
  headers: true,
});

export interface MemoryInstanceOptions {
  /** Partition count for topics created without an explicit one (`?partitions=`). */
  partitions?: number;
  /** Messages kept per partition before the oldest are dropped (`?retention=`). */
  retention: number;
}

/** The shared state behind every handle of one memory URL. */
export class MemoryInstance {
  readonly topics = new Map<string, Topic>();
  readonly groups = new Map<string, Group>();
  refs = 0;

  constructor(
    readonly name: string,
    readonly options: MemoryInstanceOptions,
  ) {}

  topic(name: string, partitions = 1): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = new Topic(name, partitions, this.options.retention);
      this.topics.set(name, topic);
    }
    return topic;
  }

  ensureTopic(name: string, partitions: number): void {
    const topic = this.topics.get(name);
    if (!topic) {
      this.topic(name, partitions);
      return;
    }
    if (topic.grow(partitions)) {
      for (const group of this.groups.values()) if (group.subscribedTo(name)) void group.rebalance();
      topic.notify();
    }
  }

  group(name: string): Group {
    let group = this.groups.get(name);
    if (!group) {
      group = new Group(name, (t) => this.topic(t));
      this.groups.set(name, group);
    }
    return group;
  }
}

export class MemoryBroker implements Broker {
  readonly kind = 'memory' as const;
  readonly capabilities = MEMORY_CAPABILITIES;
  private readonly subscriptions = new Set<MemorySubscription>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    readonly url: string,
    private readonly instance: MemoryInstance,
    private readonly options: BrokerOptions,
    private readonly release: (instance: MemoryInstance) => void,
  ) {
    instance.refs++;
  }

  /** Partitions for a topic this handle creates: explicit per topic, upstream's, then the defaults. */
  partitionsFor(topic: string): number {
    return (
      this.options.partitions?.[topic] ??
      UPSTREAM_PARTITIONS[topic] ??
      this.options.defaultPartitions ??
      this.instance.options.partitions ??
      1
    );
  }

  async publish(messages: Message[]): Promise<void> {
    this.assertOpen('publish');
    const now = Date.now();
    const touched = new Set<Topic>();
    for (const m of messages) {
      if (typeof m.topic !== 'string' || m.topic === '') {
        throw new HeroflowError('HF_BROKER_UNSUPPORTED', 'Every message needs a non-empty topic.');
      }
      if (!(m.value instanceof Uint8Array)) {
        throw new HeroflowError(
          'HF_BROKER_UNSUPPORTED',
          `Message value for topic ${m.topic} must be a Uint8Array.`,
        );
      }
    }
    for (const m of messages) {
      const topic = this.instance.topic(m.topic, this.partitionsFor(m.topic));
      // Copies, as a real broker would hold them: a producer reusing its buffer must not rewrite history.
      topic.partitions[topic.partitionFor(m.key)].append({
        key: m.key,
        value: m.value.slice(),
        headers: m.headers === undefined ? undefined : { ...m.headers },
        timestamp: m.timestamp ?? now,
      });
      touched.add(topic);
    }
    for (const topic of touched) topic.notify();
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.assertOpen('subscribe');
    const mode = options.mode ?? 'shared';
    if (!this.capabilities.modes.includes(mode)) {
      throw new HeroflowError(
        'HF_BROKER_UNSUPPORTED',
        `The memory broker does not support subscribe mode '${mode}'; use one of: ${this.capabilities.modes.join(', ')}.`,
      );
    }
    if (!Array.isArray(options.topics) || options.topics.length === 0) {
      throw new HeroflowError('HF_BROKER_UNSUPPORTED', 'subscribe needs at least one topic.');
    }
    for (const t of options.topics) this.instance.topic(t, this.partitionsFor(t));
    // A broadcast subscriber is a group of its own: it sees everything, shares nothing.
    const groupName = mode === 'broadcast' ? `\u0000broadcast:${randomUUID()}` : options.group;
    const group = this.instance.group(groupName);
    const sub = new MemorySubscription(
      mode === 'broadcast' ? { ...options, from: options.from ?? 'latest' } : options,
      {
        group,
        topicOf: (t) => this.instance.topic(t, this.partitionsFor(t)),
        log: this.options.log,
        onClosed: (s) => {
          this.subscriptions.delete(s);
          if (mode === 'broadcast') this.instance.groups.delete(groupName);
        },
      },
    );
    this.subscriptions.add(sub);
    return sub;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.assertOpen('ensureTopics');
    for (const spec of specs) this.instance.ensureTopic(spec.topic, Math.max(1, spec.partitions));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await Promise.all([...this.subscriptions].map((s) => s.close()));
      this.release(this.instance);
    })();
    return this.closing;
  }

  private assertOpen(what: string): void {
    if (this.closed) {
      throw new HeroflowError(
        'HF_BROKER_CLOSED',
        `Cannot ${what}: the broker handle for ${this.url} was closed.`,
      );
    }
  }
}
