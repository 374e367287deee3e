/**
 * Where the broker-restarted scenario runs: the URL pointed at the private server keeps the broker's
 * options but drops what belongs to the given deployment (credentials, TLS), and the brokers without a
 * private server say why. (The scenario itself runs on a real private Redis in cli.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { privateUrl, restartNotRun } from '../../src/bench/broker-restart.js';

test('the private URL keeps scheme, path and broker options; drops credentials and TLS', () => {
  assert.equal(
    privateUrl('nats://tok@10.0.0.5:4222?stream=HFBENCH&prefix=hfbench&tls=true', 4500),
    'nats://127.0.0.1:4500?stream=HFBENCH&prefix=hfbench',
  );
  assert.equal(privateUrl('rediss://u:secret@redis.example:6390/3', 7000), 'redis://127.0.0.1:7000/3');
  assert.equal(privateUrl('redis+streams://127.0.0.1:6379/0', 7001), 'redis+streams://127.0.0.1:7001/0');
  assert.equal(privateUrl('mqtts://u:p@h:8883?ca=/x.pem', 7002), 'mqtt://127.0.0.1:7002');
});

test('Kafka, RabbitMQ and memory:// say why the scenario did not run; the others have a private server', () => {
  assert.equal(restartNotRun('kafka', 'broker-restarted')?.reason, 'needs a private server');
  assert.equal(restartNotRun('amqp', 'broker-restarted')?.reason, 'needs a private server');
  assert.equal(restartNotRun('memory', 'broker-restarted')?.reason, 'no server');
  for (const kind of ['redis', 'redis+fanout', 'redis+streams', 'nats', 'mqtt'] as const)
    assert.equal(restartNotRun(kind, 'broker-restarted'), undefined, kind);
});
