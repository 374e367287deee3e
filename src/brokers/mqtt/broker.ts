/**
 * MQTT 5 through mqtt.js (Mosquitto 2 on this machine): QoS 1 both ways, topic names kept as they are
 * (dots are ordinary characters in MQTT), keys/headers/timestamps as MQTT 5 user properties.
 * The publisher is a clean-session client; each subscription has its own persistent session
 * (see subscription.ts). mqtt.js reconnects by itself; this file reports each outage once.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
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
import { errorText } from '../util/connection-log.js';
import { connectWithRetry } from '../util/retry.js';
import { checkSubscribeOptions } from '../util/subscribe-options.js';
import { MqttSubscription } from './subscription.js';
import type { MqttSettings } from './url.js';

export const MQTT_CAPABILITIES: Capabilities = {
  delivery: 'at-least-once',
  groups: 'queue',
  // Groups are MQTT 5 shared subscriptions ($share/<group>/<topic>); broadcast is a plain subscription.
  modes: ['shared', 'broadcast'],
  ordering: 'none',
  // Only for groups whose session exists: a group that never subscribed gets nothing of the past.
  persistence: true,
  // Unacked messages come back to the same consumerId (its session), not to another member.
  replay: true,
  redeliveryFlag: true,
  positions: false,
  rewind: false,
  headers: true,
};

export const PROP_KEY = 'heroflow-key';
export const PROP_TS = 'heroflow-ts';
const PUBLISH_WINDOW = 500;

/** Publish topics must not hold wildcards and must not be empty. */
export function checkTopic(topic: string): void {
  if (topic.length === 0 || /[+#\0]/.test(topic) || topic.startsWith('$')) {
    throw new HeroflowError(
      'HF_BROKER_UNSUPPORTED',
      `Topic '${topic}' is not a valid MQTT topic name (no '+', '#', leading '$' or empty name).`,
    );
  }
}

/**
 * Connect once (no retries inside mqtt.js until the first CONNACK, so a missing broker fails fast into
 * connectWithRetry), then let mqtt.js reconnect every `reconnectMs` for the life of the client.
 */
export function connectClient(
  url: string,
  options: IClientOptions,
  prepare?: (client: MqttClient) => void,
  reconnectMs = 1000,
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { ...options, reconnectPeriod: 0, connectTimeout: 3000 });
    // Before the CONNACK: a resumed session's messages may follow it in the same read.
    prepare?.(client);
    const fail = (err: unknown) => {
      client.removeListener('connect', ok);
      client.end(true);
      reject(err instanceof Error ? err : new Error(String(err ?? 'connection closed')));
    };
    const closed = () => fail(new Error('connection closed before CONNACK'));
    const ok = () => {
      client.removeListener('error', fail);
      client.removeListener('close', closed);
      client.options.reconnectPeriod = reconnectMs;
      resolve(client);
    };
    client.once('connect', ok);
    client.once('error', fail);
    client.once('close', closed);
  });
}

/** One warn when a client loses its connection, one info when it is back. */
export function reportConnection(client: MqttClient, url: string, who: string, options: BrokerOptions): void {
  let down = false;
  client.on('error', () => {}); // reconnects follow; errors are reported through 'offline'
  client.on('offline', () => {
    if (down || client.disconnecting) return;
    down = true;
    options.log?.('warn', 'mqtt connection lost, reconnecting', { url, client: who });
  });
  client.on('connect', () => {
    if (!down) return;
    down = false;
    options.log?.('info', 'mqtt reconnected', { url, client: who });
  });
}

export class MqttBroker implements Broker {
  readonly kind = 'mqtt' as const;
  readonly capabilities = MQTT_CAPABILITIES;
  #pub: MqttClient | undefined;
  #subs = new Set<MqttSubscription>();
  #closed = false;

  constructor(
    readonly url: string,
    readonly settings: MqttSettings,
    readonly options: BrokerOptions,
  ) {}

  /** Connect within the bounded retry; HF_BROKER_UNREACHABLE names the URL and the cause. */
  connectSession(extra: IClientOptions, prepare?: (client: MqttClient) => void): Promise<MqttClient> {
    return connectWithRetry(
      () =>
        connectClient(
          this.settings.connectUrl,
          { protocolVersion: 5, ...this.settings.tls, ...extra },
          prepare,
        ),
      {
        url: this.url,
        timeoutMs: this.options.connectTimeoutMs ?? 10_000,
        log: this.options.log,
        isFatal: (e) => /not authori|bad user name|banned/i.test(errorText(e)),
        endpoint: { host: this.settings.host, port: this.settings.port, tls: !!this.settings.tls },
      },
    );
  }

  async connect(): Promise<void> {
    const clientId = `${this.options.clientId ?? 'heroflow'}-pub-${Math.random().toString(16).slice(2, 10)}`;
    this.#pub = await this.connectSession({ clientId, clean: true });
    reportConnection(this.#pub, this.url, 'publisher', this.options);
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.#check();
    for (const s of specs) checkTopic(s.topic);
  }

  /**
   * QoS 1: each publish resolves on its PUBACK. While disconnected mqtt.js keeps QoS 1 packets in its
   * outgoing store and sends them after the reconnect, so a publish rides out a broker restart.
   */
  async publish(messages: Message[]): Promise<void> {
    this.#check();
    for (const m of messages) checkTopic(m.topic);
    const client = this.#pub!;
    const now = Date.now();
    for (let i = 0; i < messages.length; i += PUBLISH_WINDOW) {
      const window = messages.slice(i, i + PUBLISH_WINDOW);
      try {
        await Promise.all(
          window.map((m) => {
            const userProperties: Record<string, string> = {
              ...m.headers,
              [PROP_TS]: String(m.timestamp ?? now),
            };
            if (m.key !== undefined) userProperties[PROP_KEY] = m.key;
            const payload = Buffer.isBuffer(m.value)
              ? m.value
              : Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength);
            return client.publishAsync(m.topic, payload, { qos: 1, properties: { userProperties } });
          }),
        );
      } catch (err) {
        throw new HeroflowError(
          this.#closed ? 'HF_BROKER_CLOSED' : 'HF_BROKER_UNREACHABLE',
          `MQTT broker at ${this.url} did not accept the messages: ${errorText(err)}`,
          { cause: err },
        );
      }
    }
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#check();
    checkSubscribeOptions('MQTT', this.capabilities, options);
    for (const t of options.topics) checkTopic(t);
    if (/[+#/]/.test(options.group)) {
      throw new HeroflowError(
        'HF_BROKER_UNSUPPORTED',
        `MQTT share names cannot hold '+', '#' or '/': '${options.group}'`,
      );
    }
    const sub = new MqttSubscription(this, options, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
    await this.#pub?.endAsync().catch(() => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  #check(): void {
    if (this.#closed) throw new HeroflowError('HF_BROKER_CLOSED', `broker ${this.url} is closed`);
  }
}
