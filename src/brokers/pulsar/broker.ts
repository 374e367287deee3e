/**
 * Apache Pulsar through the WebSocket API the broker serves itself (docs/pulsar.md): no client library
 * beyond `ws`, and the broker's own Java client does the protocol work (batching acks, negative-ack
 * timers, lookups). A heroflow topic is the non-partitioned persistent topic
 * `persistent://<tenant>/<namespace>/<topic>`; a group is a Pulsar subscription of the type the URL names
 * (`subscription=`, default Shared) or Key_Shared for subscribe mode `key_shared`; message key = the
 * record's key, message properties = its headers.
 */
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
import { connectWithRetry } from '../util/retry.js';
import { checkSubscribeOptions } from '../util/subscribe-options.js';
import { TopicProducer } from './producer.js';
import { admin, HttpRefusal } from './socket.js';
import { PulsarSubscription } from './subscription.js';
import type { PulsarSettings } from './url.js';

export const PULSAR_CAPABILITIES: Capabilities = {
  delivery: 'at-least-once',
  groups: 'queue',
  // broadcast = a non-durable Exclusive subscription per subscriber; key_shared = Pulsar's Key_Shared.
  modes: ['shared', 'broadcast', 'key_shared'],
  // A topic's order for a single member; Key_Shared keeps it per key across members. Redeliveries
  // (nack, a member leaving) come back after newer messages.
  ordering: 'partition',
  persistence: true,
  replay: true,
  // Pulsar counts nack redeliveries, not those after a consumer left (subscription.ts).
  redeliveryFlag: false,
  // ledger << 32 | entry (message-id.ts): stable across redeliveries, growing along a topic.
  positions: true,
  rewind: true,
  headers: true,
};

const PUBLISH_WINDOW = 500;
/** How long a publish rides out a broker that is away (a restart of the standalone takes 10–45 s). */
const PUBLISH_RETRY_MS = 120_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Pulsar topic names: no `/`, spaces or `%` (which would stand for an escape in the REST path). */
export function checkTopic(topic: string): string {
  if (!/^[A-Za-z0-9_=:.-]+$/.test(topic)) {
    throw new HeroflowError(
      'HF_BROKER_UNSUPPORTED',
      `Topic '${topic}' is not a Pulsar topic name heroflow uses (letters, digits and - _ = : . only).`,
    );
  }
  return topic;
}

export class PulsarBroker implements Broker {
  readonly kind = 'pulsar' as const;
  readonly capabilities = PULSAR_CAPABILITIES;
  readonly #producers = new Map<string, TopicProducer>();
  readonly #subs = new Set<PulsarSubscription>();
  #closed = false;

  constructor(
    readonly url: string,
    readonly settings: PulsarSettings,
    readonly options: BrokerOptions,
  ) {}

  /** The namespace exists: what every later call needs, checked once with the bounded connect retry. */
  async connect(): Promise<void> {
    const { tenant, namespace, http } = this.settings;
    const list = await connectWithRetry(
      async () => {
        try {
          return await admin(http, 'GET', `namespaces/${tenant}`);
        } catch (err) {
          if (err instanceof HttpRefusal && err.status === 404) return [];
          throw err;
        }
      },
      {
        url: this.url,
        timeoutMs: this.options.connectTimeoutMs ?? 10_000,
        log: this.options.log,
        isFatal: (e) => e instanceof HttpRefusal && (e.status === 401 || e.status === 403),
      },
    );
    if (!Array.isArray(list) || !list.includes(`${tenant}/${namespace}`)) {
      throw new HeroflowError(
        'HF_BROKER_URL',
        `Pulsar at ${this.url} has no namespace ${tenant}/${namespace} (it has ${JSON.stringify(list)}); ` +
          'set ?tenant= and ?namespace= of --broker / HEROFLOW_BROKER to an existing one.',
      );
    }
  }

  /** `ws://host:port/ws/v2/<kind>/persistent/<tenant>/<namespace>/<topic>`. */
  topicPath(kind: 'producer' | 'consumer', topic: string): string {
    const { ws, tenant, namespace } = this.settings;
    return `${ws}/ws/v2/${kind}/persistent/${tenant}/${namespace}/${encodeURIComponent(checkTopic(topic))}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.#check();
    const { http, tenant, namespace } = this.settings;
    // Non-partitioned whatever `partitions` says: Shared and Key_Shared spread one topic over members.
    for (const s of specs) {
      await admin(http, 'PUT', `persistent/${tenant}/${namespace}/${checkTopic(s.topic)}`, [409]);
    }
  }

  #producer(topic: string): TopicProducer {
    let p = this.#producers.get(topic);
    if (!p) {
      p = new TopicProducer(this.topicPath('producer', topic), topic);
      this.#producers.set(topic, p);
    }
    return p;
  }

  async publish(messages: Message[]): Promise<void> {
    this.#check();
    if (messages.length === 0) return;
    for (const m of messages) checkTopic(m.topic);
    let pending = messages;
    const deadline = Date.now() + PUBLISH_RETRY_MS;
    for (;;) {
      const failed: Message[] = [];
      let lastError: unknown;
      // A bounded window in flight (the broker's producer queue holds 1000); each send is stored or not.
      for (let i = 0; i < pending.length; i += PUBLISH_WINDOW) {
        const window = pending.slice(i, i + PUBLISH_WINDOW);
        const results = await Promise.allSettled(window.map((m) => this.#producer(m.topic).send(m)));
        results.forEach((r, j) => {
          if (r.status === 'rejected') {
            failed.push(window[j]);
            lastError = r.reason;
          }
        });
      }
      if (failed.length === 0) return;
      if (lastError instanceof HeroflowError && lastError.code !== 'HF_BROKER_UNREACHABLE') throw lastError;
      // Only what Pulsar did not confirm goes again (at-least-once: it may have stored some of it).
      if (this.#closed || Date.now() > deadline) {
        throw new HeroflowError(
          this.#closed ? 'HF_BROKER_CLOSED' : 'HF_BROKER_UNREACHABLE',
          `Pulsar at ${this.url} did not store ${failed.length} message(s): ${errorText(lastError)}`,
          { cause: lastError },
        );
      }
      if (pending.length === failed.length) {
        this.options.log?.('warn', 'pulsar publish failed, retrying', { error: errorText(lastError) });
      }
      pending = failed;
      await sleep(500);
    }
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#check();
    checkSubscribeOptions('Pulsar', this.capabilities, options);
    for (const t of options.topics) checkTopic(t);
    const sub = new PulsarSubscription(this, options, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  /** Drop the group's subscription on each topic (force: even if a consumer is still attached). */
  async deleteGroup(group: string, topics: string[]): Promise<void> {
    const { http, tenant, namespace } = this.settings;
    for (const topic of topics) {
      const path = `persistent/${tenant}/${namespace}/${checkTopic(topic)}/subscription/${encodeURIComponent(group)}`;
      await admin(http, 'DELETE', `${path}?force=true`, [404]);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
    await Promise.all([...this.#producers.values()].map((p) => p.close()));
    this.#producers.clear();
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_BROKER_CLOSED', `broker ${this.url} is closed`);
  }
}
