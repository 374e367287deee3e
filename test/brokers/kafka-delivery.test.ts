/**
 * KafkaDelivery.detached(): what a segment keeps of its first and last delivery until its files are
 * durable. kafkajs slices every value, key and header out of the whole fetch response, so a kept delivery
 * would keep megabytes alive; the detached one owns copies of its small parts and no value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { degradedCluster, KafkaDelivery } from '../../src/brokers/kafka/delivery.js';
import type { Delivery } from '../../src/brokers/types.js';
import { messageId } from '../../src/etl/record.js';

test('a detached Kafka delivery keeps position, key, headers and id, but no view into the fetch buffer', async () => {
  const fetched = Buffer.from('{"level":"INFO"}game-7msg-0001');
  const value = fetched.subarray(0, 16);
  const key = fetched.subarray(16, 22);
  const id = fetched.subarray(22);
  const committed: Delivery[][] = [];
  const owner = { commit: async (ds: Delivery[]) => void committed.push(ds), requeue: async () => {} };
  const d = new KafkaDelivery(owner, 'lib.server.game', 3, 1042n, value, 1_700_000_000_000, false, key, {
    'heroflow-msg-id': id,
  });
  const copy = d.detached();

  assert.equal(copy.value.byteLength, 0);
  assert.deepEqual(
    [copy.topic, copy.partition, copy.offset, copy.timestamp, copy.redelivered, copy.id],
    ['lib.server.game', 3, 1042n, 1_700_000_000_000, false, 'lib.server.game/3@1042'],
  );
  assert.equal(copy.key, 'game-7');
  assert.deepEqual(copy.headers, { 'heroflow-msg-id': 'msg-0001' });
  assert.equal(messageId(copy), messageId(d), 'files are named the same from either');
  for (const part of [copy.rawKey, copy.rawHeaders?.['heroflow-msg-id']]) {
    assert.ok(part && part.buffer !== fetched.buffer, 'a copy, not a view into the fetched bytes');
  }
  await copy.ack();
  assert.deepEqual(committed, [[copy]], 'it still acknowledges through its subscription');
});

test('degradedCluster: a leader election or a lost connection is waited out, a refusal for good is not', () => {
  // kafkajs' own error classes (CommonJS: named imports are not detected), as its admin and consumer throw them.
  const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
  const protocolError = (type: string, code: number, retriable: boolean, message: string) =>
    new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable }));
  const election = protocolError(
    'LEADER_NOT_AVAILABLE',
    5,
    true,
    'There is no leader for this topic-partition as we are in the middle of a leadership election',
  );
  assert.equal(degradedCluster(election), true, 'LEADER_NOT_AVAILABLE');
  const exhausted = new KafkaJSNumberOfRetriesExceeded(election, { retryCount: 5, retryTime: 3000 });
  assert.equal(degradedCluster(exhausted), true, "after kafkajs' own retries");
  assert.equal(
    degradedCluster(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:29093')),
    true,
    'a broker gone',
  );
  const denied = protocolError('GROUP_AUTHORIZATION_FAILED', 30, false, 'Not authorized to access group');
  assert.equal(degradedCluster(denied), false, 'an authorization failure');
  assert.equal(
    degradedCluster(new KafkaJSNumberOfRetriesExceeded(denied, { retryCount: 0, retryTime: 0 })),
    false,
  );
  assert.equal(degradedCluster(new TypeError('x is undefined')), false, 'a bug');
});
