/**
 * A RabbitMQ consumer behind the pull contract. amqplib pushes; the channel's prefetch (basic.qos) bounds
 * what is unacked — buffered here or held by the consumer — so the BatchQueue never needs to pause the
 * channel: a consumer that stops committing stops the broker from sending.
 *
 * Acks go out on the channel that received the messages. After a reconnect the old delivery tags mean
 * nothing (and acking an unknown tag would close the channel), so deliveries of an older channel
 * generation are ignored on commit: RabbitMQ has already requeued them and delivers them again.
 *
 * One `basic.ack multiple` per commit instead of one frame per message: delivery tags on a channel count
 * up from 1, so once every tag below T is settled a single ack of T-1 with `multiple` covers them all. A
 * delivery committed while an earlier one is still held waits (settled here, not yet sent) until the
 * earlier one is settled too; a worker killed meanwhile gets it redelivered (at-least-once, as before).
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { type Delivery, HEADER_MSG_ID, type SubscribeOptions, type TopicPartition } from '../types.js';
import { afterDelay } from '../util/after-delay.js';
import { PushSubscription } from '../util/push-subscription.js';
import type { AmqpBroker } from './broker.js';
import { HEADER_KEY, HEADER_TS, queueFor } from './names.js';

interface Held {
  gen: number;
  ch: Channel;
  msg: ConsumeMessage;
}

const held = new WeakMap<Delivery, Held>();

function headerText(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export class AmqpSubscription extends PushSubscription {
  readonly #broker: AmqpBroker;
  /** Unacked deliveries of the current channel by delivery tag: guards against double acks. */
  readonly #unacked = new Map<number, ConsumeMessage>();
  /** Lowest delivery tag of the current channel not yet covered by an ack sent to RabbitMQ. */
  #low = 1;
  /** Highest delivery tag received on the current channel. */
  #high = 0;
  /** Tags nacked at or above #low: no longer outstanding on the server, so no ack may name them. */
  readonly #nacked = new Set<number>();
  #ch: Channel | undefined;
  #gen = 0;
  #started = false;

  readonly window: number;

  constructor(broker: AmqpBroker, options: SubscribeOptions, onClosed: () => void) {
    super(options, broker.settings.prefetch * options.topics.length + 1, onClosed);
    this.window = broker.settings.prefetch;
    this.#broker = broker;
  }

  assignment(): TopicPartition[] {
    return this.#ch ? this.opts.topics.map((topic) => ({ topic, partition: 0 })) : [];
  }

  /** (Re)start consuming on a fresh channel; called at subscribe and after every reconnect. */
  attach(): void {
    if (this.closing) return;
    const gen = ++this.#gen;
    this.#start(gen).catch((err) => {
      if (this.closing || gen !== this.#gen) return;
      if (!this.#started) {
        this.#fail(err);
        return;
      }
      this.#broker.options.log?.('warn', 'amqp consumer could not restart, retrying', {
        error: (err as Error).message,
      });
      setTimeout(() => this.#broker.connected && gen === this.#gen && this.attach(), 1000);
    });
  }

  /** The connection is gone: what is buffered or unacked will be redelivered by RabbitMQ. */
  detach(): void {
    this.#gen++;
    this.#ch = undefined;
    this.#unacked.clear();
    this.#nacked.clear();
    this.#low = 1;
    this.#high = 0;
    this.queue.discard(() => true);
  }

  async #start(gen: number): Promise<void> {
    const broker = this.#broker;
    const ch = await broker.channel();
    ch.on('error', () => {});
    ch.on('close', () => this.#channelClosed(ch));
    await ch.prefetch(broker.settings.prefetch);
    const broadcast = this.opts.mode === 'broadcast';
    for (const topic of this.opts.topics) {
      await broker.declareTopic(topic);
      const queue = broadcast
        ? await broker.declareQueue(topic, '', { exclusive: true, autoDelete: true, durable: false }, ch)
        : await broker.declareQueue(topic, queueFor(topic, this.opts.group, broker.settings.queueGroup), {
            durable: true,
          });
      await ch.consume(queue, (msg) => this.#onMessage(msg, topic, queue, gen, ch), { noAck: false });
    }
    if (gen !== this.#gen || this.closing) {
      await ch.close().catch(() => {});
      return;
    }
    this.#ch = ch;
    this.#started = true;
    this.settleReady();
  }

  /**
   * The channel closed under us. When the whole connection went, the broker re-attaches every subscription
   * after reconnecting; when only the channel went (a deleted queue, a protocol error), consume again here.
   */
  #channelClosed(ch: Channel): void {
    if (this.#ch !== ch || this.closing) return;
    this.detach();
    const gen = this.#gen;
    setTimeout(() => {
      if (this.closing || gen !== this.#gen || !this.#broker.connected) return;
      this.#broker.options.log?.('warn', 'amqp channel closed by the server, consuming again', {
        topics: this.opts.topics,
      });
      this.attach();
    }, 200);
  }

  #onMessage(msg: ConsumeMessage | null, topic: string, queue: string, gen: number, ch: Channel): void {
    if (gen !== this.#gen || this.closing) return;
    if (msg === null) {
      // basic.cancel from the server: the queue was deleted. Declaring it again brings the consumer back.
      this.#channelClosed(ch);
      return;
    }
    const tag = msg.fields.deliveryTag;
    this.#unacked.set(tag, msg);
    this.#high = tag;
    const headers: Record<string, string> = {};
    let key: string | undefined;
    let ts: number | undefined;
    for (const [k, v] of Object.entries(msg.properties.headers ?? {})) {
      if (v === undefined || v === null) continue;
      if (k === HEADER_KEY) key = headerText(v);
      else if (k === HEADER_TS) ts = Number(v);
      else headers[k] = headerText(v);
    }
    const messageId = msg.properties.messageId as string | undefined;
    if (messageId && headers[HEADER_MSG_ID] === undefined) headers[HEADER_MSG_ID] = messageId;
    const stamp = msg.properties.timestamp as number | undefined;
    const d: Delivery = {
      id: `${queue}/${gen}.${tag}`,
      topic,
      partition: 0,
      value: msg.content,
      timestamp: Number.isFinite(ts) ? (ts as number) : stamp ? stamp * 1000 : Date.now(),
      redelivered: msg.fields.redelivered,
      ack: () => this.commit([d]),
      nack: (opts) =>
        opts?.requeue === false
          ? Promise.resolve(this.#settle(d, 'drop'))
          : // A basic.nack requeues at once: held unacked (in the prefetch) until the delay has passed.
            afterDelay(opts?.delayMs, () => this.#settle(d, 'requeue')),
    };
    if (key !== undefined) d.key = key;
    if (Object.keys(headers).length > 0) d.headers = headers;
    held.set(d, { gen, ch, msg });
    this.queue.push(d);
  }

  async commit(deliveries: Delivery[]): Promise<void> {
    for (const d of deliveries) this.#settle(d, 'ack');
    this.#ackSettled();
  }

  /**
   * Settles one delivery of the current channel (others are ignored): a nack goes out at once, an ack is
   * sent by #ackSettled with its neighbours.
   */
  #settle(d: Delivery, how: 'ack' | 'requeue' | 'drop'): void {
    const h = held.get(d);
    if (!h || h.gen !== this.#gen || this.#unacked.get(h.msg.fields.deliveryTag) !== h.msg) return;
    this.#unacked.delete(h.msg.fields.deliveryTag);
    if (how !== 'ack') {
      h.ch.nack(h.msg, false, how === 'requeue');
      this.#nacked.add(h.msg.fields.deliveryTag);
      this.#ackSettled();
    }
  }

  /**
   * One `multiple` ack for the run of settled tags from #low up to the first delivery still held. It names
   * the run's last *acked* tag: RabbitMQ closes the channel on an ack of a tag that is not outstanding, and
   * a nacked tag no longer is (`multiple` passes over the nacked ones below it).
   */
  #ackSettled(): void {
    const ch = this.#ch;
    if (ch === undefined) return;
    let tag = this.#low;
    let lastAcked = 0;
    for (; tag <= this.#high && !this.#unacked.has(tag); tag++) {
      if (this.#nacked.has(tag)) this.#nacked.delete(tag);
      else lastAcked = tag;
    }
    this.#low = tag;
    // amqplib reads only the tag.
    if (lastAcked > 0) ch.ack({ fields: { deliveryTag: lastAcked } } as ConsumeMessage, true);
  }

  #fail(error: unknown): void {
    this.fail(error, `RabbitMQ consumer of ${this.#broker.url}`);
  }

  protected async release(): Promise<void> {
    const ch = this.#ch;
    this.detach();
    // Closing the channel hands every unacked message back to the queue (flagged redelivered).
    await ch?.close().catch(() => {});
  }
}
