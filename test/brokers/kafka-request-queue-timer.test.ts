/**
 * kafkajs' request queue with heroflow's timer rule (src/brokers/kafka/request-queue-timer.ts): no timer
 * is left armed when nothing waits (kafkajs 2.2.4 re-armed a 1 ms one forever), and a request held back
 * by a throttle is still sent when the throttle ends. kafkajs' own class, with a stub socket.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { requestQueueTimerFixed } from '../../src/brokers/kafka/request-queue-timer.js';

interface Queue {
  throttleCheckTimeoutId: unknown;
  pending: unknown[];
  checkPendingRequests(): void;
  maybeThrottle(ms: number): void;
  push(request: { entry: object; expectResponse: boolean; sendRequest(): void }): void;
  destroy(): void;
}
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue') as new (
  o: object,
) => Queue;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const queue = (): Queue =>
  new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: '127.0.0.1:9092',
    logger: silent,
  });

function request(correlationId: number, onSend: () => void) {
  return {
    entry: { correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve() {}, reject() {} },
    expectResponse: false,
    sendRequest: onSend,
  };
}

test('the adapter puts the timer rule into kafkajs', async () => {
  await import('../../src/brokers/kafka/broker.js');
  assert.equal(requestQueueTimerFixed(), true);
});

test('a response with nothing pending leaves no timer armed', () => {
  const q = queue();
  q.checkPendingRequests(); // what every response does (fulfillRequest)
  assert.equal(q.throttleCheckTimeoutId, null);
  q.destroy();
});

test('a request held back by a throttle is sent when it ends, and then the timer stops', async () => {
  const q = queue();
  q.maybeThrottle(40);
  let sent = false;
  q.push(request(1, () => (sent = true)));
  assert.equal(sent, false, 'sent during the throttle');
  assert.equal(q.pending.length, 1);
  assert.notEqual(q.throttleCheckTimeoutId, null, 'no timer to send it when the throttle ends');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(sent, true, 'never sent after the throttle');
  assert.equal(q.pending.length, 0);
  assert.equal(q.throttleCheckTimeoutId, null, 'a timer still armed with nothing pending');
  q.destroy();
});
