/**
 * An MQTT 5 group member behind the pull contract.
 *
 * Session: clientId `hf-<group>-<consumerId>` with clean start off and a session expiry, so the broker
 * keeps the subscription and the queued and unacked QoS 1 messages while the member is away, and resends
 * the unacked ones (DUP flag → `redelivered`) when the same consumerId comes back. Two live members with
 * one consumerId take the session from each other: brokers that say so (DISCONNECT 0x8E) end the
 * subscription with an error; Mosquitto 2.0 just closes the socket, so the two reconnect in turns
 * (duplicates, no loss) — give every member its own consumerId (the worker id).
 *
 * Manual puback: mqtt.js acks a QoS 1 message once `handleMessage`'s callback succeeds. The adapter's
 * `handleMessage` buffers the message and calls back with an error, which skips that puback (mqtt.js goes
 * on with the next packet either way); commit() sends the puback itself through mqtt.js' packet writer.
 * That writer is private API of mqtt 5.16 (pinned); its presence is checked when the client is made.
 * The Receive Maximum (`?receiveMaximum=`) bounds the unacked messages: the prefetch and back-pressure.
 */
import { randomBytes } from 'node:crypto';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { HeroflowError } from '../../errors.js';
import type { Delivery, SubscribeOptions, TopicPartition } from '../types.js';
import { afterDelay } from '../util/after-delay.js';
import { PushSubscription } from '../util/push-subscription.js';
import { type MqttBroker, PROP_KEY, PROP_TS, reportConnection } from './broker.js';

interface Held {
  gen: number;
  packetId: number;
}

type PacketWriter = (packet: { cmd: 'puback'; messageId: number; reasonCode: number }) => void;

const held = new WeakMap<Delivery, Held>();
/** Handed to handleMessage's callback so that mqtt.js skips its automatic puback. */
const DEFERRED = new Error('heroflow acknowledges on commit');
/** MQTT 5 DISCONNECT reason: another connection with the same clientId took the session. */
const SESSION_TAKEN_OVER = 0x8e;

export class MqttSubscription extends PushSubscription {
  readonly #broker: MqttBroker;
  readonly #clientId: string;
  /** Unacked deliveries of the current connection by packet id: guards against double pubacks. */
  readonly #unacked = new Map<number, Delivery>();
  #client: MqttClient | undefined;
  #writer: PacketWriter | undefined;
  #gen = 0;
  #seq = 0;

  readonly window: number;

  constructor(broker: MqttBroker, options: SubscribeOptions, onClosed: () => void) {
    super(options, broker.settings.receiveMaximum + 1, onClosed);
    this.window = broker.settings.receiveMaximum;
    this.#broker = broker;
    this.#clientId =
      options.mode === 'broadcast'
        ? `hf-b-${randomBytes(6).toString('hex')}`
        : `hf-${options.group}-${options.consumerId ?? 'default'}`;
    this.#start().catch((err) => this.#fail(err));
  }

  /** The session's mqtt.js client, for diagnostics and fault tests. */
  get client(): MqttClient | undefined {
    return this.#client;
  }

  assignment(): TopicPartition[] {
    return this.#client?.connected ? this.opts.topics.map((topic) => ({ topic, partition: 0 })) : [];
  }

  async #start(): Promise<void> {
    const { sessionExpiry, receiveMaximum } = this.#broker.settings;
    const broadcast = this.opts.mode === 'broadcast';
    const client = await this.#broker.connectSession(
      {
        clientId: this.#clientId,
        clean: broadcast,
        properties: { sessionExpiryInterval: broadcast ? 0 : sessionExpiry, receiveMaximum },
        resubscribe: true,
      },
      (c) => this.#prepare(c),
    );
    if (this.closing) {
      await client.endAsync().catch(() => {});
      return;
    }
    this.#client = client;
    reportConnection(client, this.#broker.url, this.#clientId, this.#broker.options);
    const filters = this.opts.topics.map((t) => (broadcast ? t : `$share/${this.opts.group}/${t}`));
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    const refused = granted.filter((g) => g.qos >= 0x80);
    if (refused.length > 0) {
      throw new HeroflowError(
        'HF_BROKER_UNSUPPORTED',
        `MQTT broker ${this.#broker.url} refused the subscription ${refused.map((g) => g.topic).join(', ')} ` +
          `(reason ${refused[0].qos}); groups need MQTT 5 shared subscriptions.`,
      );
    }
    this.settleReady();
  }

  /** Runs before the CONNACK is read: intercept deliveries and follow connection generations. */
  #prepare(client: MqttClient): void {
    const writer = (client as unknown as { _sendPacket?: PacketWriter })._sendPacket;
    if (typeof writer !== 'function') {
      throw new HeroflowError(
        'HF_BROKER_UNSUPPORTED',
        'this mqtt.js version has no packet writer for manual pubacks; heroflow is tested with mqtt 5.16',
      );
    }
    this.#writer = writer.bind(client);
    client.handleMessage = (packet, callback) => {
      this.#onPublish(packet);
      callback(packet.qos > 0 ? DEFERRED : undefined);
    };
    client.on('connect', () => {
      // A new connection: packet ids of the old one mean nothing; the broker resends those messages.
      this.#gen++;
      this.#unacked.clear();
      const gen = this.#gen;
      this.queue.discard((d) => held.get(d)?.gen !== gen);
    });
    client.on('disconnect', (packet) => {
      if (packet.reasonCode === SESSION_TAKEN_OVER) {
        this.#fail(
          new HeroflowError(
            'HF_BROKER_UNSUPPORTED',
            `another consumer took the MQTT session ${this.#clientId}: give every member of group ` +
              `'${this.opts.group}' its own consumerId (worker id).`,
          ),
        );
      }
    });
  }

  #onPublish(packet: IPublishPacket): void {
    if (this.closing) return;
    const headers: Record<string, string> = {};
    let key: string | undefined;
    let ts: number | undefined;
    for (const [k, v] of Object.entries(packet.properties?.userProperties ?? {})) {
      const one = Array.isArray(v) ? v[v.length - 1] : v;
      if (k === PROP_KEY) key = one;
      else if (k === PROP_TS) ts = Number(one);
      else headers[k] = one;
    }
    const d: Delivery = {
      id: `${this.#clientId}#${this.#gen}.${++this.#seq}`,
      topic: packet.topic,
      partition: 0,
      value: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
      timestamp: ts !== undefined && Number.isFinite(ts) ? ts : Date.now(),
      redelivered: packet.dup,
      ack: () => this.commit([d]),
      nack: (opts) =>
        opts?.requeue === false
          ? Promise.resolve(this.#nack(d, false))
          : afterDelay(opts?.delayMs, () => this.#nack(d, true)),
    };
    if (key !== undefined) d.key = key;
    if (Object.keys(headers).length > 0) d.headers = headers;
    if (packet.qos > 0 && packet.messageId !== undefined) {
      held.set(d, { gen: this.#gen, packetId: packet.messageId });
      this.#unacked.set(packet.messageId, d);
    }
    this.queue.push(d);
  }

  async commit(deliveries: Delivery[]): Promise<void> {
    for (const d of deliveries) this.#puback(d);
  }

  #puback(d: Delivery): void {
    const h = held.get(d);
    if (!h || h.gen !== this.#gen || this.#unacked.get(h.packetId) !== d) return;
    this.#unacked.delete(h.packetId);
    if (this.#client?.connected) this.#writer?.({ cmd: 'puback', messageId: h.packetId, reasonCode: 0 });
  }

  /**
   * MQTT has no negative ack. Requeue hands the same message out again (still unacked, so the broker
   * resends it if this member dies first); drop acks it, as no dead-letter destination exists.
   */
  #nack(d: Delivery, requeue: boolean): void {
    const h = held.get(d);
    if (!h || h.gen !== this.#gen || this.#unacked.get(h.packetId) !== d) return;
    if (!requeue) {
      this.#puback(d);
      return;
    }
    const again: Delivery = { ...d, redelivered: true };
    again.ack = () => this.commit([again]);
    again.nack = async (opts) => this.#nack(again, opts?.requeue !== false);
    held.set(again, h);
    this.#unacked.set(h.packetId, again);
    this.queue.push(again);
  }

  #fail(error: unknown): void {
    this.fail(error, `MQTT consumer of ${this.#broker.url}`);
  }

  protected async release(): Promise<void> {
    this.#unacked.clear();
    // A normal DISCONNECT keeps the session (subscription, queued and unacked messages) for its expiry.
    await this.#client?.endAsync().catch(() => {});
  }
}
