/**
 * One producer socket per topic (`/ws/v2/producer/persistent/<tenant>/<ns>/<topic>`), opened on first use
 * and again after it closed. Each message carries a `context` the broker echoes in its answer, so a send
 * resolves when Pulsar stored that message (`result: "ok"`), and rejects on a send error or when the
 * socket goes first. The socket sends in order and the broker's producer keeps that order.
 */
import type WebSocket from 'ws';
import type { Message } from '../types.js';
import { closeSocket, openSocket, refusalError } from './socket.js';

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface ProducerAck {
  result?: string;
  errorMsg?: string;
  context?: string;
}

export class TopicProducer {
  #ws: Promise<WebSocket> | undefined;
  readonly #pending = new Map<string, Pending>();
  #seq = 0;

  constructor(
    readonly url: string,
    readonly topic: string,
  ) {}

  #socket(): Promise<WebSocket> {
    this.#ws ??= openSocket(this.url, `a producer on topic '${this.topic}'`).then(
      (ws) => {
        ws.on('message', (raw) => this.#answer(String(raw)));
        ws.once('close', (code, reason) => {
          this.#ws = undefined;
          this.#failAll(new Error(`producer socket closed (${code} ${String(reason)})`));
        });
        return ws;
      },
      (err) => {
        this.#ws = undefined;
        throw refusalError(err, `a producer on topic '${this.topic}'`);
      },
    );
    return this.#ws;
  }

  #answer(raw: string): void {
    let ack: ProducerAck;
    try {
      ack = JSON.parse(raw) as ProducerAck;
    } catch {
      return;
    }
    const p = ack.context === undefined ? undefined : this.#pending.get(ack.context);
    if (!p || ack.context === undefined) return;
    this.#pending.delete(ack.context);
    if (ack.result === 'ok') p.resolve();
    else p.reject(new Error(`Pulsar did not store a message: ${ack.result} ${ack.errorMsg ?? ''}`.trim()));
  }

  #failAll(err: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }

  /** Resolves once Pulsar stored the message. */
  async send(m: Message): Promise<void> {
    const ws = await this.#socket();
    const context = String(++this.#seq);
    const body: Record<string, unknown> = {
      payload: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength).toString('base64'),
      context,
    };
    if (m.key !== undefined) body.key = m.key;
    if (m.headers && Object.keys(m.headers).length > 0) body.properties = m.headers;
    const done = new Promise<void>((resolve, reject) => this.#pending.set(context, { resolve, reject }));
    ws.send(JSON.stringify(body), (err) => {
      if (err) this.#pending.get(context)?.reject(err);
    });
    return done;
  }

  async close(): Promise<void> {
    const ws = await this.#ws?.catch(() => undefined);
    if (ws) await closeSocket(ws);
    this.#failAll(new Error('producer closed'));
  }
}
