/**
 * NATS JetStream through @nats-io/transport-node + @nats-io/jetstream: one limits-based stream (default
 * `HEROFLOW`, file storage) with subjects `<prefix>.>`, a heroflow topic `lib.server.lobby` being the
 * subject `heroflow.lib.server.lobby`. A group is a durable pull consumer per topic (filter subject), so
 * the stream keeps what was published before any worker started, and every group reads it independently.
 *
 * The NATS client reconnects by itself (unlimited attempts, bounded wait); this file only reports it once
 * per outage and retries publishes that fail meanwhile.
 */
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
  nanos,
  headers as natsHeaders,
  nkeyAuthenticator,
} from '@nats-io/transport-node';
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
import { consumerName, NatsSubscription } from './subscription.js';
import type { NatsSettings } from './url.js';

export const NATS_CAPABILITIES: Capabilities = {
  delivery: 'at-least-once',
  groups: 'queue',
  // Broadcast = an ephemeral consumer per subscriber (deliver new), deleted when it closes.
  modes: ['shared', 'broadcast'],
  // Stream order per subject for a single member; members of one group pull interleaved batches.
  ordering: 'partition',
  persistence: true,
  replay: true,
  redeliveryFlag: true,
  // The stream sequence: stable across redeliveries, increasing per subject (with gaps).
  positions: true,
  rewind: true,
  headers: true,
};

/** Header for the message key (NATS has none); removed again on delivery. */
export const HEADER_KEY = 'heroflow-key';
const PUBLISH_RETRY_MS = 120_000;
const PUBLISH_WINDOW = 500;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Topic → subject token check: NATS subjects cannot hold whitespace or wildcards, nor empty tokens. */
export function subjectFor(prefix: string, topic: string): string {
  if (!/^[^\s*>]+$/.test(topic) || topic.split('.').some((t) => t === '')) {
    throw new HeroflowError(
      'HF_BROKER_UNSUPPORTED',
      `Topic '${topic}' is not a valid NATS subject (no spaces, '*', '>' or empty tokens between dots).`,
    );
  }
  return `${prefix}.${topic}`;
}

export class NatsBroker implements Broker {
  readonly kind = 'nats' as const;
  readonly capabilities = NATS_CAPABILITIES;
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  #stream: Promise<void> | undefined;
  #subs = new Set<NatsSubscription>();
  #closed = false;

  constructor(
    readonly url: string,
    readonly settings: NatsSettings,
    readonly options: BrokerOptions,
  ) {}

  async connect(): Promise<void> {
    const s = this.settings;
    this.#nc = await connectWithRetry(
      () =>
        connect({
          servers: s.servers,
          name: this.options.clientId ?? 'heroflow',
          user: s.user,
          pass: s.pass,
          token: s.token,
          ...(s.nkeySeed ? { authenticator: nkeyAuthenticator(s.nkeySeed) } : {}),
          ...(s.creds ? { authenticator: credsAuthenticator(s.creds) } : {}),
          // Buffers where nats.js types strings: it hands them to tls.connect, which takes both.
          ...(s.tls ? { tls: { ...s.tls } as NodeConnectionOptions['tls'] } : {}),
          timeout: 2000,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          waitOnFirstConnect: false,
        }),
      {
        url: this.url,
        timeoutMs: this.options.connectTimeoutMs ?? 10_000,
        log: this.options.log,
        isFatal: (e) => /authoriz|authentic/i.test(errorText(e)),
      },
    );
    this.#js = jetstream(this.#nc);
    this.#jsm = await jetstreamManager(this.#nc);
    void this.#watch(this.#nc);
  }

  /** One line when the connection goes, one when it is back. */
  async #watch(nc: NatsConnection): Promise<void> {
    let down = false;
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' && !down && !this.#closed) {
        down = true;
        this.options.log?.('warn', 'nats connection lost, reconnecting', { url: this.url });
      } else if (s.type === 'reconnect' && down) {
        down = false;
        this.options.log?.('info', 'nats reconnected', { url: this.url, subscriptions: this.#subs.size });
      }
    }
  }

  /** The raw connection, for diagnostics and fault tests. */
  get nc(): NatsConnection {
    this.#check();
    return this.#nc!;
  }

  get js(): JetStreamClient {
    return this.#js!;
  }

  get jsm(): JetStreamManager {
    return this.#jsm!;
  }

  subject(topic: string): string {
    return subjectFor(this.settings.prefix, topic);
  }

  /** The stream exists (created on first use, shared by every topic under the prefix). */
  ensureStream(): Promise<void> {
    this.#stream ??= (async () => {
      const { stream, prefix, maxAgeMs } = this.settings;
      try {
        await this.jsm.streams.info(stream);
      } catch (err) {
        if (!/not found/i.test(errorText(err))) throw err;
        try {
          await this.jsm.streams.add({
            name: stream,
            subjects: [`${prefix}.>`],
            storage: StorageType.File,
            max_age: nanos(maxAgeMs),
          });
        } catch (again) {
          // Another process created it first: that is the outcome wanted.
          if (!/already in use|already exists/i.test(errorText(again))) throw again;
        }
      }
    })();
    this.#stream.catch(() => {
      this.#stream = undefined;
    });
    return this.#stream;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.#check();
    for (const s of specs) this.subject(s.topic);
    await this.ensureStream();
  }

  async publish(messages: Message[]): Promise<void> {
    this.#check();
    if (messages.length === 0) return;
    const subjects = messages.map((m) => this.subject(m.topic));
    await this.ensureStream();
    let pending = messages.map((m, i) => ({ m, subject: subjects[i] }));
    const deadline = Date.now() + PUBLISH_RETRY_MS;
    for (;;) {
      const failed: typeof pending = [];
      let lastError: unknown;
      // A bounded window of publishes in flight: JetStream acks each one (a PubAck = stored).
      for (let i = 0; i < pending.length; i += PUBLISH_WINDOW) {
        const window = pending.slice(i, i + PUBLISH_WINDOW);
        const results = await Promise.allSettled(
          window.map(({ m, subject }) => this.#publishOne(subject, m)),
        );
        results.forEach((r, j) => {
          if (r.status === 'rejected') {
            failed.push(window[j]);
            lastError = r.reason;
          }
        });
      }
      if (failed.length === 0) return;
      // Only what got no PubAck goes again (at-least-once: a stored-but-unacked message may be stored twice).
      if (this.#closed || Date.now() > deadline) {
        throw new HeroflowError(
          this.#closed ? 'HF_BROKER_CLOSED' : 'HF_BROKER_UNREACHABLE',
          `NATS JetStream at ${this.url} did not store ${failed.length} message(s): ${errorText(lastError)}`,
          { cause: lastError },
        );
      }
      pending = failed;
      await sleep(500);
    }
  }

  #publishOne(subject: string, m: Message): Promise<unknown> {
    let h: ReturnType<typeof natsHeaders> | undefined;
    if (m.headers || m.key !== undefined) {
      h = natsHeaders();
      for (const [k, v] of Object.entries(m.headers ?? {})) h.set(k, v);
      if (m.key !== undefined) h.set(HEADER_KEY, m.key);
    }
    return this.js.publish(subject, m.value, { headers: h, timeout: 5000 });
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#check();
    checkSubscribeOptions('NATS JetStream', this.capabilities, options);
    for (const t of options.topics) this.subject(t);
    const sub = new NatsSubscription(this, options, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  async deleteGroup(group: string, topics: string[]): Promise<void> {
    for (const topic of topics) {
      await this.jsm.consumers.delete(this.settings.stream, consumerName(group, topic)).catch((err) => {
        if (!/consumer not found/i.test(String(err))) throw err;
      });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
    if (this.#nc && !this.#nc.isClosed()) await this.#nc.drain().catch(() => this.#nc?.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_BROKER_CLOSED', `broker ${this.url} is closed`);
  }
}
