/**
 * The game server's limits (issue 14, failure 6): a 50 MB login frame took the server from 99 to 282 MB,
 * 1,000 connections and 10,000 logins in 3 s were all accepted. Each limit closes the offending socket
 * with a clear code and the server goes on serving everyone else.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Broker } from '../../src/brokers/types.js';
import { memoryBroker, startServer, type TestServer } from './helpers.js';

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The close code and reason the server sends (or 'open' if it is still open after `ms`). */
function closed(ws: WebSocket, ms = 3000): Promise<{ code: number; reason: string } | 'open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), ms);
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}

async function login(url: string, user: string): Promise<unknown> {
  const ws = await connect(`${url}/api/v1/login`);
  const reply = new Promise((resolve) => ws.on('message', (m) => resolve(JSON.parse(m.toString()))));
  ws.send(JSON.stringify({ PAYLOAD: { USER: user } }));
  const frame = await reply;
  ws.close();
  return frame;
}

describe('game server limits', () => {
  let broker: Broker;
  let t: TestServer;
  // A server per case: sockets another case left closing must not count against this one's limits.
  beforeEach(async () => {
    broker = await memoryBroker();
    t = await startServer({
      broker,
      limits: { maxPayloadBytes: 4096, maxConnections: 3, loginsPerSecond: 2 },
    });
  });
  afterEach(async () => {
    await t.close();
    await broker.close();
  });

  it('closes a socket that sends a frame over maxPayload with 1009, and still serves a login', async () => {
    const ws = await connect(`${t.url}/api/v1/login`);
    const done = closed(ws);
    ws.send(JSON.stringify({ PAYLOAD: { USER: 'x'.repeat(10_000) } }));
    const result = await done;
    assert.notEqual(result, 'open');
    assert.equal((result as { code: number }).code, 1009);
    // Upstream's first answer to a new user: {"PAYLOAD": {}, "STATUS": "USER CREATED"}.
    assert.deepEqual(await login(t.url, 'alice'), { PAYLOAD: {}, STATUS: 'USER CREATED' });
  });

  it('refuses a connection over maxConnections with 1013, and accepts again once one closes', async () => {
    const open = await Promise.all([1, 2, 3].map(() => connect(`${t.url}/api/v1/game/find`)));
    const fourth = await connect(`${t.url}/api/v1/game/find`);
    const result = await closed(fourth);
    assert.equal(result !== 'open' && result.code, 1013);
    assert.match(result !== 'open' ? result.reason : '', /server full/);
    await new Promise<void>((resolve) => {
      open[0].once('close', () => resolve());
      open[0].close();
    });
    const again = await connect(`${t.url}/api/v1/game/find`);
    assert.equal(await closed(again, 300), 'open');
    for (const ws of [...open.slice(1), again]) ws.close();
  });

  it('closes a login flood with 1008 and counts the refusals', async () => {
    const before = t.server.stats.refused;
    const ws = await connect(`${t.url}/api/v1/login`);
    const done = closed(ws);
    for (let i = 0; i < 20; i++) ws.send(JSON.stringify({ PAYLOAD: { USER: `flood-${i}` } }));
    const result = await done;
    assert.equal(result !== 'open' && result.code, 1008);
    assert.ok(t.server.stats.refused > before);
  });
});
