/** heroflow_consumer_lag_messages{topic,partition} from the Kafka cluster: end offsets minus the group's commits. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openBroker } from '../../src/brokers/index.js';
import { parsePrometheusText } from '../../src/dashboard/index.js';
import { createRegistry, registerKafkaLag } from '../../src/metrics/index.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

describe('Kafka consumer lag', () => {
  it('is absent before the group commits, end − committed after a partial commit, 0 once it committed everything', async (t) => {
    const skip = await skipUnlessService('kafka');
    if (skip) return t.skip(skip);
    const url = SERVICE_URLS.kafka;
    const topic = `lag-${randomBytes(4).toString('hex')}`;
    const group = `lag-group-${randomBytes(4).toString('hex')}`;
    const broker = await openBroker(url);
    const registry = createRegistry({ processMetrics: false });
    const probe = registerKafkaLag(registry, { url, group, topics: [topic] });
    const lag = async () =>
      parsePrometheusText(await registry.metrics()).filter(
        (s) => s.name === 'heroflow_consumer_lag_messages',
      );
    try {
      await broker.ensureTopics([{ topic, partitions: 2 }]);
      await broker.publish(
        Array.from({ length: 10 }, (_, i) => ({ topic, key: `k${i}`, value: Buffer.from(String(i)) })),
      );
      assert.deepEqual(
        await lag(),
        [],
        'no lag before the group committed (kafka-consumer-groups shows "-")',
      );
      // Commit one delivery first and look, then commit everything.
      const sub = broker.subscribe({ topics: [topic], group, from: 'earliest' });
      let seen = 0;
      let partial: Awaited<ReturnType<typeof lag>> | undefined;
      for await (const batch of sub) {
        if (!partial) {
          await sub.commit(batch.slice(0, 1));
          partial = await lag();
        }
        await sub.commit(batch);
        seen += batch.length;
        if (seen >= 10) break;
      }
      await sub.close();
      assert.ok(partial && partial.length >= 1, 'lag appears on a partition once the group committed there');
      assert.ok(partial.every((s) => s.value >= 0 && s.value <= 9));
      assert.ok(partial.some((s) => s.value > 0));
      const after = await lag();
      assert.equal(after.length, 2);
      assert.ok(after.every((s) => s.value === 0));
    } finally {
      await probe.close();
      await broker.close();
    }
  });
});
