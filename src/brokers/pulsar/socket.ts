/**
 * Opening a WebSocket of Pulsar's API, and the admin REST calls, with their failures as heroflow errors.
 * The broker creates the producer or consumer during the upgrade, so an open socket is a live one, and a
 * refusal is an HTTP status: 409 = the subscription does not take this consumer (an Exclusive one already
 * has its consumer, or the subscription exists with another type), 4xx = a bad name. Connection failures
 * (the broker is restarting) are left to the caller's retry.
 */
import WebSocket from 'ws';
import { HeroflowError } from '../../errors.js';

export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}${body ? ` ${body.trim().slice(0, 300)}` : ''}`);
  }
}

/** The refusal as the error a user reads; anything else unchanged. */
export function refusalError(err: unknown, what: string): unknown {
  // 5xx: the broker is starting or moving the topic; the caller's retry may still succeed.
  if (!(err instanceof HttpRefusal) || err.status >= 500) return err;
  if (err.status === 409) {
    return new HeroflowError(
      'HF_BROKER_BUSY',
      `Pulsar refused ${what}: the subscription is Exclusive and already has a consumer, or it exists with ` +
        `another subscription type (HTTP 409 ${err.body.trim().slice(0, 200)}). Give each member of a group ` +
        'a Shared, Key_Shared or Failover subscription (pulsar+ws://…?subscription=Shared), or another group.',
    );
  }
  if (err.status === 401 || err.status === 403) {
    return new HeroflowError('HF_BROKER_AUTH', `Pulsar refused ${what}: ${err.message}`);
  }
  return new HeroflowError('HF_BROKER_UNSUPPORTED', `Pulsar refused ${what}: ${err.message}`);
}

/** Resolves with the open socket; rejects with HttpRefusal for an HTTP answer, the socket error otherwise. */
export function openSocket(url: string, what: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 10_000 });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      // Errors after the open surface as 'close'; a listener keeps them from being thrown.
      ws.on('error', () => {});
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => reject(new HttpRefusal(res.statusCode ?? 0, body, what)));
      res.on('error', () => reject(new HttpRefusal(res.statusCode ?? 0, body, what)));
      ws.on('error', () => {});
    });
    ws.once('error', reject);
  });
}

/** Close a socket and wait (bounded) until it is closed, so the broker has closed its consumer. */
export function closeSocket(ws: WebSocket, waitMs = 5000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, waitMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000);
  });
}

/** An admin REST call; `ok` lists the statuses that count as success (409 = exists, 404 = gone). */
export async function admin(
  base: string,
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  ok: number[] = [],
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${base}/admin/v2/${path}`, {
      method,
      signal: AbortSignal.timeout(15_000),
      ...(method === 'PUT' ? { headers: { 'content-type': 'application/json' } } : {}),
    });
  } catch (err) {
    // fetch hides the socket error (ECONNREFUSED) in `cause`.
    throw (err as { cause?: unknown }).cause ?? err;
  }
  const text = await res.text();
  if (!res.ok && !ok.includes(res.status)) throw new HttpRefusal(res.status, text, `${method} ${path}`);
  return text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}
