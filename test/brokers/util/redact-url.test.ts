import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from '../../../src/brokers/util/redact-url.js';

describe('redactUrl', () => {
  it('hides passwords and lone tokens, keeps the rest', () => {
    assert.equal(redactUrl('amqp://guest:guest@127.0.0.1:5672/vh'), 'amqp://guest:***@127.0.0.1:5672/vh');
    assert.equal(redactUrl('redis://:s3cr3t@host:6379/0'), 'redis://:***@host:6379/0');
    assert.equal(redactUrl('nats://mytoken@host:4222'), 'nats://***@host:4222');
    assert.equal(redactUrl('kafka://u:p@h1:9092,h2:9092'), 'kafka://u:***@h1:9092,h2:9092');
    assert.equal(redactUrl('memory://'), 'memory://');
    assert.equal(redactUrl('redis://host:6379/0'), 'redis://host:6379/0');
  });

  it('hides secret query parameters', () => {
    assert.equal(
      redactUrl('kafka://h:9092?sasl_password=x&client=a&token=y'),
      'kafka://h:9092?sasl_password=***&client=a&token=***',
    );
  });
});
