/**
 * A group member behind the pull contract: one consumer socket per topic on the Pulsar subscription named
 * by the group (`/ws/v2/consumer/persistent/<tenant>/<ns>/<topic>/<group>`). The broker pushes messages
 * and stops once `receiverQueueSize` of them are unacked on a socket (the WebSocket service's own flow
 * control), so what this member holds is bounded without pausing anything here: `window` says so.
 *
 * Acks and negative acks are per message, as Pulsar's are. A nack is Pulsar's negative ack: the broker
 * redelivers after the consumer's negativeAckRedeliveryDelay, counting it in `redeliveryCount`. A socket
 * that closes without acking gives its messages back to the subscription; the broker then redelivers
 * them with `redeliveryCount` 0 (seen on 4.0.7), so the adapter cannot flag those: redeliveryFlag false.
 * A socket the broker drops (restart) is opened again until the subscription closes.
 */
import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import type { Delivery, NackOptions, SubscribeOptions, TopicPartition } from '../types.js';
import { positionId } from '../types.js';
import { afterDelay } from '../util/after-delay.js';
import { errorText } from '../util/connection-log.js';
import { PushSubscription } from '../util/push-subscription.js';
import type { PulsarBroker } from './broker.js';
import { decodeMessageId } from './message-id.js';
import { closeSocket, openSocket, refusalError } from './socket.js';
import type { SubscriptionType } from './url.js';

interface ConsumerMessage {
  messageId: string;
  payload: string;
  properties?: Record<string, string>;
  publishTime?: string;
  redeliveryCount?: number;
  key?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class PulsarSubscription extends PushSubscription {
  readonly #broker: PulsarBroker;
  readonly #sockets = new Map<string, WebSocket>();
  /** Delivery → its topic, the socket it came on and its Pulsar message id, until acked or nacked. */
  readonly #held = new Map<Delivery, { topic: string; ws: WebSocket; messageId: string }>();
  readonly #type: SubscriptionType;
  readonly #name: string;
  readonly window: number;

  constructor(broker: PulsarBroker, options: SubscribeOptions, onClosed: () => void) {
    const s = broker.settings;
    super(options, s.receiverQueueSize * options.topics.length, onClosed);
    this.#broker = broker;
    this.window = s.receiverQueueSize;
    const mode = options.mode ?? 'shared';
    // Broadcast: a subscription of this member's own, non-durable, gone when it closes.
    this.#type = mode === 'key_shared' ? 'Key_Shared' : mode === 'broadcast' ? 'Exclusive' : s.subscription;
    this.#name =
      mode === 'broadcast' ? `${options.group}-bcast-${randomBytes(4).toString('hex')}` : options.group;
    this.#start().catch((err) => this.fail(err, `Pulsar consumer of ${broker.url}`));
  }

  assignment(): TopicPartition[] {
    return this.opts.topics.map((topic) => ({ topic, partition: 0 }));
  }

  #consumerUrl(topic: string): string {
    const s = this.#broker.settings;
    const q = new URLSearchParams({
      subscriptionType: this.#type,
      subscriptionInitialPosition: this.opts.from === 'earliest' ? 'Earliest' : 'Latest',
      receiverQueueSize: String(s.receiverQueueSize),
      negativeAckRedeliveryDelay: String(s.nackDelayMs),
    });
    if (this.opts.mode === 'broadcast') {
      q.set('subscriptionMode', 'NonDurable');
      q.set('subscriptionInitialPosition', 'Latest');
    }
    if (this.opts.consumerId) q.set('consumerName', this.opts.consumerId);
    return `${this.#broker.topicPath('consumer', topic)}/${encodeURIComponent(this.#name)}?${q}`;
  }

  async #start(): Promise<void> {
    await Promise.all(this.opts.topics.map((topic) => this.#open(topic)));
    if (this.closing) return;
    this.settleReady();
  }

  async #open(topic: string): Promise<void> {
    const what = `a consumer of topic '${topic}' on subscription '${this.#name}' (${this.#type})`;
    const ws = await openSocket(this.#consumerUrl(topic), what).catch((err) => {
      throw refusalError(err, what);
    });
    if (this.closing) {
      await closeSocket(ws);
      return;
    }
    this.#sockets.set(topic, ws);
    ws.on('message', (raw) => this.#receive(topic, ws, String(raw)));
    ws.once('close', () => {
      if (this.#sockets.get(topic) === ws) this.#sockets.delete(topic);
      // What the closed consumer held goes back to the subscription: drop the copies not handed out yet.
      this.queue.discard((d) => {
        if (this.#held.get(d)?.ws !== ws) return false;
        this.#held.delete(d);
        return true;
      });
      if (!this.closing && !this.#broker.closed) void this.#reopen(topic);
    });
  }

  /** The broker dropped the socket (restart, topic unloaded): open it again, with a bounded back-off. */
  async #reopen(topic: string): Promise<void> {
    this.#broker.options.log?.('warn', 'pulsar consumer socket closed, opening it again', { topic });
    for (let delay = 250; !this.closing && !this.#broker.closed; delay = Math.min(delay * 2, 5000)) {
      await sleep(delay);
      try {
        await this.#open(topic);
        this.#broker.options.log?.('info', 'pulsar consumer socket open again', { topic });
        return;
      } catch (err) {
        if (delay >= 5000)
          this.#broker.options.log?.('warn', 'pulsar consumer still down', { topic, error: errorText(err) });
      }
    }
  }

  #receive(topic: string, ws: WebSocket, raw: string): void {
    let m: ConsumerMessage;
    try {
      m = JSON.parse(raw) as ConsumerMessage;
    } catch {
      return;
    }
    if (typeof m.messageId !== 'string' || typeof m.payload !== 'string') return;
    const pos = decodeMessageId(m.messageId);
    const partition = Math.max(0, pos.partition);
    const published = m.publishTime ? Date.parse(m.publishTime) : Number.NaN;
    const d: Delivery = {
      id: positionId(topic, partition, `${pos.ledger}:${pos.entry}`),
      topic,
      partition,
      offset: pos.offset,
      value: new Uint8Array(Buffer.from(m.payload, 'base64')),
      timestamp: Number.isFinite(published) ? published : Date.now(),
      redelivered: (m.redeliveryCount ?? 0) > 0,
      ack: () => this.commit([d]),
      nack: (opts) => this.#nack(d, opts),
    };
    if (m.key !== undefined && m.key !== null) d.key = m.key;
    if (m.properties && Object.keys(m.properties).length > 0) d.headers = m.properties;
    this.#held.set(d, { topic, ws, messageId: m.messageId });
    this.queue.push(d);
  }

  /** Send one command about a held message on its topic's current socket; false when it was not held. */
  #send(d: Delivery, type?: 'negativeAcknowledge'): boolean {
    const h = this.#held.get(d);
    if (!h) return false;
    this.#held.delete(d);
    // Any consumer of the subscription may ack an id: after a reopen, the new socket carries it.
    const ws = this.#sockets.get(h.topic);
    ws?.send(JSON.stringify(type ? { type, messageId: h.messageId } : { messageId: h.messageId }));
    return true;
  }

  async commit(deliveries: Delivery[]): Promise<void> {
    for (const d of deliveries) this.#send(d);
  }

  /**
   * requeue false: ack it (Pulsar drops nothing by itself; a dead-letter topic is not configured here).
   * delayMs: Pulsar's negative ack, sent once the delay less the consumer's own redelivery delay passed;
   * until then the message stays unacked on this member, and a crash hands it back at once.
   */
  #nack(d: Delivery, opts?: NackOptions): Promise<void> {
    if (opts?.requeue === false) return this.commit([d]);
    const wait = Math.max(0, (opts?.delayMs ?? 0) - this.#broker.settings.nackDelayMs);
    return afterDelay(wait, () => {
      if (!this.closing) this.#send(d, 'negativeAcknowledge');
    });
  }

  protected async release(): Promise<void> {
    // Closing the sockets closes the consumers: Pulsar gives what they held back to the subscription.
    const sockets = [...this.#sockets.values()];
    this.#sockets.clear();
    this.#held.clear();
    await Promise.all(sockets.map((ws) => closeSocket(ws)));
  }
}
