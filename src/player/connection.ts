/** A WebSocket as a queue of JSON frames: `recv()` the next one, in order (what upstream's client does). */
import WebSocket from 'ws';

export class FrameSocket {
  private readonly frames: unknown[] = [];
  private waiter?: { resolve: (f: unknown) => void; reject: (e: Error) => void };
  private failure?: Error;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        frame = data.toString();
      }
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(frame);
      } else this.frames.push(frame);
    });
    ws.on('close', (code, reason) => this.fail(new Error(`socket closed (${code} ${reason.toString()})`)));
    ws.on('error', (err) => this.fail(err));
  }

  static open(url: string, timeoutMs = 10_000): Promise<FrameSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
      ws.once('open', () => resolve(new FrameSocket(ws)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  recv(): Promise<Record<string, unknown>> {
    const next = this.frames.shift();
    if (next !== undefined) return Promise.resolve(next as Record<string, unknown>);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve: resolve as (f: unknown) => void, reject };
    });
  }

  close(): void {
    this.ws.close();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }
}
