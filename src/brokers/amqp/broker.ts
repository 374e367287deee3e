/**
 * RabbitMQ through amqplib: one connection, a confirm channel for publishing, one channel per subscription.
 *
 * Topology per topic (declared by publishers and consumers alike, so nothing published before the first
 * worker starts is lost — upstream declared its queue only in the worker):
 *   exchange `task_<topic>` (fanout, durable) → queue `task_<topic>` (the queue group) and `task_<topic>@<group>`
 *   exchange `task_<topic>.dlx` (fanout, durable) → queue `task_<topic>.dlx` for nack({ requeue: false })
 *
 * amqplib does not reconnect by itself (its opt-in recovery leaves channels and consumers to the caller),
 * so the broker owns the loop: bounded back-off, then every subscription re-attaches.
 */
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { HeroflowError } from '../../errors.js';
import {
  type Broker,
  type BrokerOptions,
  type Capabilities,
  HEADER_MSG_ID,
  type Message,
  type SubscribeOptions,
  type Subscription,
  type TopicSpec,
} from '../types.js';
import { errorText } from '../util/connection-log.js';
import { connectWithRetry } from '../util/retry.js';
import { Signal } from '../util/signal.js';
import { checkSubscribeOptions } from '../util/subscribe-options.js';
import { deadLetterFor, exchangeFor, HEADER_KEY, HEADER_TS, queueFor } from './names.js';
import { AmqpSubscription } from './subscription.js';
import type { AmqpSettings } from './url.js';

export const AMQP_CAPABILITIES: Capabilities = {
  delivery: 'at-least-once',
  groups: 'queue',
  // Broadcast = an exclusive server-named queue per subscriber bound to the topic's fanout exchange.
  modes: ['shared', 'broadcast'],
  // Competing consumers and requeues reorder; a queue has no per-key order.
  ordering: 'none',
  persistence: true,
  replay: true,
  redeliveryFlag: true,
  positions: false,
  // A queue holds what was routed to it; a new group's queue starts empty and an old one cannot skip.
  rewind: false,
  headers: true,
};

/** A publish that meets a broker restart keeps retrying this long before giving up. */
const PUBLISH_RETRY_MS = 120_000;
const RECONNECT_MAX_DELAY_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** 406 PRECONDITION_FAILED: the queue exists with other arguments (e.g. declared by an upstream worker). */
const isPrecondition = (e: unknown) => (e as { code?: number }).code === 406;

export class AmqpBroker implements Broker {
  readonly kind = 'amqp' as const;
  readonly capabilities = AMQP_CAPABILITIES;
  #conn: ChannelModel | undefined;
  #pub: Promise<ConfirmChannel> | undefined;
  #topology = new Map<string, Promise<void>>();
  #subs = new Set<AmqpSubscription>();
  #closed = false;
  #reconnecting = false;
  /** Notified on every (re)connect, so publishes waiting out an outage go on at once. */
  readonly #up = new Signal();

  constructor(
    readonly url: string,
    readonly settings: AmqpSettings,
    readonly options: BrokerOptions,
  ) {}

  /** The live amqplib connection (undefined while reconnecting), for diagnostics and fault tests. */
  get connection(): ChannelModel | undefined {
    return this.#conn;
  }

  get connected(): boolean {
    return this.#conn !== undefined;
  }

  async connect(): Promise<void> {
    await connectWithRetry(() => this.#open(), {
      url: this.url,
      timeoutMs: this.options.connectTimeoutMs ?? 10_000,
      log: this.options.log,
      // Wrong credentials or vhost do not get better by waiting.
      isFatal: (e) => /ACCESS_REFUSED|403|NOT_ALLOWED|530/.test(errorText(e)),
      endpoint: { host: this.settings.host, port: this.settings.port, tls: !!this.settings.tls },
    });
  }

  async #open(): Promise<void> {
    const conn = await amqp.connect(this.settings.connectUrl, {
      timeout: 3000,
      clientProperties: { connection_name: this.options.clientId ?? 'heroflow' },
      ...this.settings.tls,
    });
    conn.on('error', () => {}); // 'close' follows and carries the reconnect
    conn.on('close', (err?: unknown) => this.#lost(conn, err));
    this.#conn = conn;
    this.#pub = undefined;
    // A restarted broker may have lost non-durable state; re-declaring is cheap and idempotent.
    this.#topology.clear();
    this.#up.notify();
  }

  #lost(conn: ChannelModel, err: unknown): void {
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    this.#pub = undefined;
    if (this.#closed || this.#reconnecting) return;
    this.#reconnecting = true;
    this.options.log?.('warn', 'amqp connection lost, reconnecting', {
      url: this.url,
      error: errorText(err),
    });
    for (const s of this.#subs) s.detach();
    void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    let delay = 100;
    while (!this.#closed) {
      try {
        await this.#open();
        break;
      } catch {
        await sleep(delay);
        delay = Math.min(delay * 2, RECONNECT_MAX_DELAY_MS);
      }
    }
    this.#reconnecting = false;
    if (this.#closed) {
      await this.#conn?.close().catch(() => {});
      return;
    }
    this.options.log?.('info', 'amqp reconnected', { url: this.url, subscriptions: this.#subs.size });
    for (const s of this.#subs) s.attach();
  }

  /** A channel on the live connection; waits out a reconnect (bounded by `until`). */
  async channel(until = Date.now() + PUBLISH_RETRY_MS): Promise<Channel> {
    for (;;) {
      this.#check();
      if (this.#conn) return this.#conn.createChannel();
      if (Date.now() > until) throw this.#unreachable(new Error('not connected'));
      await this.#up.wait(1000);
    }
  }

  #confirmChannel(): Promise<ConfirmChannel> {
    const conn = this.#conn;
    if (!conn) return Promise.reject(new Error('not connected'));
    if (!this.#pub) {
      const pending = conn.createConfirmChannel().then((ch) => {
        ch.on('error', () => {});
        // A channel closed by the server (e.g. 404 on a deleted exchange) is replaced on the next publish.
        ch.on('close', () => {
          if (this.#pub === pending) this.#pub = undefined;
        });
        return ch;
      });
      pending.catch(() => {
        if (this.#pub === pending) this.#pub = undefined;
      });
      this.#pub = pending;
    }
    return this.#pub;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.#check();
    await Promise.all(specs.map((s) => this.declareTopic(s.topic)));
  }

  /** Exchange, dead-letter exchange/queue, and the queue group's queue of one topic (cached per connection). */
  declareTopic(topic: string): Promise<void> {
    let pending = this.#topology.get(topic);
    if (!pending) {
      pending = (async () => {
        const ch = await this.channel();
        ch.on('error', () => {});
        try {
          await ch.assertExchange(exchangeFor(topic), 'fanout', { durable: true });
          await ch.assertExchange(deadLetterFor(topic), 'fanout', { durable: true });
          await ch.assertQueue(deadLetterFor(topic), { durable: true });
          await ch.bindQueue(deadLetterFor(topic), deadLetterFor(topic), '');
        } finally {
          await ch.close().catch(() => {});
        }
        if (this.settings.queueGroup) {
          const queue = queueFor(topic, this.settings.queueGroup, this.settings.queueGroup);
          await this.declareQueue(topic, queue, { durable: true });
        }
      })();
      pending.catch(() => this.#topology.delete(topic));
      this.#topology.set(topic, pending);
    }
    return pending;
  }

  /**
   * Declare a group queue with the dead-letter exchange and bind it. An existing queue with other arguments
   * (an upstream worker declared `task_<topic>` with `durable=True` only) is used as it is: the declaration
   * is refused with 406, so the queue is checked passively instead and nacked messages are then dropped.
   */
  async declareQueue(
    topic: string,
    queue: string,
    options: Options.AssertQueue,
    ch?: Channel,
  ): Promise<string> {
    // On the upstream wire the queue is declared as upstream's worker declares it (durable, no arguments),
    // so that worker's own declaration does not fail with 406; nacked messages are then dropped.
    const args =
      this.options.wire === 'upstream'
        ? options
        : { ...options, arguments: { 'x-dead-letter-exchange': deadLetterFor(topic) } };
    const own = ch ?? (await this.channel());
    own.on('error', () => {});
    try {
      const ok = await own.assertQueue(queue, args);
      await own.bindQueue(ok.queue, exchangeFor(topic), '');
      return ok.queue;
    } catch (err) {
      if (!isPrecondition(err) || ch) throw err;
      this.options.log?.('warn', 'amqp queue exists with other arguments; using it without dead-lettering', {
        queue,
        error: errorText(err),
      });
      const again = await this.channel();
      try {
        await again.checkQueue(queue);
        await again.bindQueue(queue, exchangeFor(topic), '');
        return queue;
      } finally {
        await again.close().catch(() => {});
      }
    } finally {
      if (!ch) await own.close().catch(() => {});
    }
  }

  async publish(messages: Message[]): Promise<void> {
    this.#check();
    if (messages.length === 0) return;
    await Promise.all([...new Set(messages.map((m) => m.topic))].map((t) => this.declareTopic(t)));
    let pending = messages;
    const deadline = Date.now() + PUBLISH_RETRY_MS;
    for (;;) {
      let failure: unknown;
      try {
        const ch = await this.#confirmChannel();
        pending = await this.#send(ch, pending);
        if (pending.length === 0) return;
      } catch (err) {
        failure = err;
      }
      // Only what the broker did not confirm goes again: a copy of a message confirmed-but-unreported is
      // possible (at-least-once), a lost one is not.
      if (this.#closed || Date.now() > deadline) throw this.#unreachable(failure);
      await this.#up.wait(500);
    }
  }

  /** Publish with confirms; resolves with the messages that were not confirmed. */
  async #send(ch: ConfirmChannel, messages: Message[]): Promise<Message[]> {
    const now = Date.now();
    const confirms: Promise<boolean>[] = [];
    for (const m of messages) {
      const headers: Record<string, unknown> = { ...m.headers, [HEADER_TS]: m.timestamp ?? now };
      if (m.key !== undefined) headers[HEADER_KEY] = m.key;
      const props: Options.Publish = {
        persistent: true,
        headers,
        timestamp: Math.floor((m.timestamp ?? now) / 1000),
        messageId: m.headers?.[HEADER_MSG_ID],
      };
      let room = true;
      confirms.push(
        new Promise<boolean>((resolve) => {
          try {
            room = ch.publish(exchangeFor(m.topic), '', toBuffer(m.value), props, (err) => resolve(!err));
          } catch {
            resolve(false);
          }
        }),
      );
      // The socket buffer is full: wait for it to drain instead of buffering a whole batch in memory.
      if (!room) await Promise.race([once(ch, 'drain'), once(ch, 'close')]);
    }
    const ok = await Promise.all(confirms);
    return messages.filter((_, i) => !ok[i]);
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#check();
    checkSubscribeOptions('RabbitMQ', this.capabilities, options);
    const sub = new AmqpSubscription(this, options, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    if (this.#conn) sub.attach();
    return sub;
  }

  async deleteGroup(group: string, topics: string[]): Promise<void> {
    // The queue group's queues are task_<topic> itself, shared with upstream's workers: never deleted here.
    if (group === this.settings.queueGroup) return;
    const ch = await this.channel();
    ch.on('error', () => {});
    try {
      for (const topic of topics) await ch.deleteQueue(queueFor(topic, group, this.settings.queueGroup));
    } finally {
      await ch.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#up.notify();
    await Promise.all([...this.#subs].map((s) => s.close()));
    const pub = this.#pub;
    if (pub) await (await pub.catch(() => undefined))?.close().catch(() => {});
    await this.#conn?.close().catch(() => {});
    this.#conn = undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #unreachable(cause: unknown): HeroflowError {
    if (this.#closed) return new HeroflowError('HF_BROKER_CLOSED', `broker ${this.url} is closed`);
    return new HeroflowError(
      'HF_BROKER_UNREACHABLE',
      `RabbitMQ at ${this.url} did not accept the messages: ${errorText(cause)}`,
      { cause },
    );
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_BROKER_CLOSED', `broker ${this.url} is closed`);
  }
}

function once(emitter: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}
