/**
 * A JetStream group member behind the pull contract: one pull consumer per topic (durable, named by group
 * and topic; ephemeral in broadcast mode), read with `consume({ max_messages: maxBatch })`. The pump stops
 * iterating while the BatchQueue is full, so the client stops pulling; the server side is bounded by the
 * consumer's `max_ack_pending`.
 *
 * Acks are per message (AckPolicy.Explicit): an out-of-order commit acknowledges exactly what it names.
 * A member that dies without acking gets its messages redelivered after `ack_wait`; one that closes naks
 * what it still holds so the group gets them back at once. Both are flagged `info.redelivered`.
 */
import { createHash } from 'node:crypto';
import { AckPolicy, type ConsumerMessages, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Delivery, NackOptions, SubscribeOptions, TopicPartition } from '../types.js';
import { errorText } from '../util/connection-log.js';
import { PushSubscription } from '../util/push-subscription.js';
import { Signal } from '../util/signal.js';
import { HEADER_KEY, type NatsBroker } from './broker.js';
import { NatsDelivery, type NatsOwner } from './delivery.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Durable names allow no dots, wildcards or spaces; a hash keeps distinct (group, topic) pairs distinct. */
export function consumerName(group: string, topic: string): string {
  const clean = `${group}_${topic}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200);
  const hash = createHash('sha1').update(`${group}\0${topic}`).digest('hex').slice(0, 8);
  return `${clean}-${hash}`;
}

/**
 * Naks carry a (tiny) delay: on a plain nak of the last message it delivered, nats-server 2.9 rewinds the
 * consumer instead of scheduling a redelivery and hands out a second copy with delivery count 1, i.e. a
 * redelivery not flagged as one (seen with 2.9.10). A delayed nak takes the redelivery path.
 */
const NAK_DELAY_MS = 1;
/**
 * A closing member's naks need more: with 1 ms, the last message of a stream naked at close came back twice
 * to the group's next member (once flagged redelivered, once as a first delivery), 3 runs of 3 in
 * test/workloads (remove and add a workload); with 100 ms, 0 of 3. The group gets them back 0.1 s later.
 */
const RELEASE_NAK_DELAY_MS = 100;

export class NatsSubscription extends PushSubscription implements NatsOwner {
  readonly #broker: NatsBroker;
  readonly #room = new Signal();
  /** Messages handed to the queue and not yet acked/nacked: naked on close. */
  readonly #unacked = new Set<JsMsg>();
  readonly #iters = new Set<ConsumerMessages>();
  readonly #ephemeral: string[] = [];

  readonly window: number;

  constructor(broker: NatsBroker, options: SubscribeOptions, onClosed: () => void) {
    super(options, Math.max(100, (options.maxBatch ?? 500) * 2), onClosed);
    this.window = broker.settings.maxAckPending;
    this.#broker = broker;
    this.#start().catch((err) => this.#fail(err));
  }

  assignment(): TopicPartition[] {
    return this.opts.topics.map((topic) => ({ topic, partition: 0 }));
  }

  async #start(): Promise<void> {
    await this.#broker.ensureStream();
    const names: string[] = [];
    for (const topic of this.opts.topics) names.push(await this.#consumer(topic));
    if (this.closing) return;
    this.opts.topics.forEach((topic, i) => void this.#pump(topic, names[i]));
    this.settleReady();
  }

  /** Create (or find) the consumer of one topic; its stored state is the group's position. */
  async #consumer(topic: string): Promise<string> {
    const { stream, ackWaitMs, maxAckPending } = this.#broker.settings;
    const jsm = this.#broker.jsm;
    const config = {
      ack_policy: AckPolicy.Explicit,
      deliver_policy: this.opts.from === 'earliest' ? DeliverPolicy.All : DeliverPolicy.New,
      filter_subject: this.#broker.subject(topic),
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: maxAckPending,
    };
    if (this.opts.mode === 'broadcast') {
      const info = await jsm.consumers.add(stream, {
        ...config,
        deliver_policy: DeliverPolicy.New,
        inactive_threshold: nanos(60_000),
      });
      this.#ephemeral.push(info.name);
      return info.name;
    }
    const name = consumerName(this.opts.group, topic);
    try {
      await jsm.consumers.info(stream, name);
      return name;
    } catch (err) {
      if (!/not found/i.test(errorText(err))) throw err;
    }
    try {
      await jsm.consumers.add(stream, { ...config, durable_name: name });
    } catch (err) {
      // Another member of the group created it first.
      if (!/already (exists|in use)/i.test(errorText(err))) throw err;
    }
    return name;
  }

  /** Pull from one consumer into the queue until closed; a broken consume (consumer gone) starts again. */
  async #pump(topic: string, name: string): Promise<void> {
    let current = name;
    while (!this.closing) {
      try {
        const consumer = await this.#broker.js.consumers.get(this.#broker.settings.stream, current);
        const iter = await consumer.consume({ max_messages: this.opts.maxBatch ?? 500 });
        this.#iters.add(iter);
        try {
          for await (const m of iter) {
            if (this.closing) break;
            this.#unacked.add(m);
            this.queue.push(this.#delivery(topic, m));
            while (this.queue.isPaused && !this.closing) await this.#room.wait(1000);
          }
        } finally {
          this.#iters.delete(iter);
        }
      } catch (err) {
        if (this.closing || this.#broker.closed) return;
        this.#broker.options.log?.('warn', 'nats consumer stopped, starting it again', {
          topic,
          error: errorText(err),
        });
      }
      if (this.closing || this.#broker.closed) return;
      await sleep(1000);
      current = await this.#consumer(topic).catch(() => current);
    }
  }

  #delivery(topic: string, m: JsMsg): Delivery {
    return new NatsDelivery(this, topic, m, HEADER_KEY);
  }

  nackMessage(d: NatsDelivery, opts?: NackOptions): Promise<void> {
    this.#settle(d, opts?.requeue === false ? 'term' : 'nak', opts?.delayMs);
    return Promise.resolve();
  }

  async commit(deliveries: Delivery[]): Promise<void> {
    for (const d of deliveries) this.#settle(d, 'ack');
  }

  /** ack / nak (redeliver now) / term (never redeliver) one message, once. */
  #settle(d: Delivery, how: 'ack' | 'nak' | 'term', delayMs = NAK_DELAY_MS): void {
    const m = d instanceof NatsDelivery ? d.msg : undefined;
    if (!m || !this.#unacked.delete(m)) return;
    if (how === 'ack') m.ack();
    // JetStream's own delayed redelivery: the server holds the message back, not this process.
    else if (how === 'nak') m.nak(Math.max(NAK_DELAY_MS, delayMs));
    else m.term('dropped by the consumer');
  }

  #fail(error: unknown): void {
    this.fail(error, `NATS consumer of ${this.#broker.url}`);
  }

  protected override resumed(): void {
    this.#room.notify();
  }

  protected async release(): Promise<void> {
    await Promise.all([...this.#iters].map((it) => it.close().catch(() => {})));
    // Give back what this member still holds, so the group need not wait out ack_wait.
    for (const m of this.#unacked) {
      try {
        m.nak(RELEASE_NAK_DELAY_MS);
      } catch {
        // The connection is already gone: the server redelivers after ack_wait instead.
      }
    }
    this.#unacked.clear();
    for (const name of this.#ephemeral) {
      await this.#broker.jsm.consumers.delete(this.#broker.settings.stream, name).catch(() => {});
    }
  }
}
