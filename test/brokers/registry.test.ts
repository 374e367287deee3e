import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerSchemes, openBroker } from '../../src/brokers/index.js';

describe('openBroker', () => {
  it('opens memory://', async () => {
    const broker = await openBroker('memory://');
    assert.equal(broker.url, 'memory://');
    assert.equal(broker.capabilities.groups, 'queue');
    await broker.close();
  });

  it('names the URL, the setting and the schemes for an unknown scheme', async () => {
    await assert.rejects(openBroker('zmq://user:pw@host:1'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'HF_BROKER_URL');
      assert.match(error.message, /zmq:\/\/user:\*\*\*@host:1/);
      assert.match(error.message, /--broker/);
      assert.match(error.message, /HEROFLOW_BROKER/);
      for (const scheme of brokerSchemes()) assert.ok(error.message.includes(`${scheme}://`));
      return true;
    });
  });

  it('rejects URLs without a scheme or malformed ones', async () => {
    await assert.rejects(openBroker('localhost:6379'), { code: 'HF_BROKER_URL' });
    await assert.rejects(openBroker(''), { code: 'HF_BROKER_URL' });
    await assert.rejects(openBroker('memory://[bad'), { code: 'HF_BROKER_URL' });
  });
});
