/**
 * Pulsar restarted under a running producer and consumer: the adapter's producer rides out the outage,
 * its consumer socket is opened again, and nothing is lost (duplicates allowed: what was unacked comes
 * back).
 *
 * Opt-in (HEROFLOW_FAULT_TESTS=1): it stops and starts the Pulsar standalone with scripts/services.sh.
 *
 *   HEROFLOW_FAULT_TESTS=1 node --import tsx --test test/brokers/pulsar-fault.test.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openBroker } from '../../src/brokers/registry.js';
import type { Delivery } from '../../src/brokers/types.js';
import { collectUntil } from '../contract/collect.js';
import { messages, range, tags, uniqueName } from '../contract/fixtures.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';

const services = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
const optIn = process.env.HEROFLOW_FAULT_TESTS === '1';
const skip = optIn ? await skipUnlessService('pulsar') : 'fault tests are opt-in: set HEROFLOW_FAULT_TESTS=1';
if (!optIn) console.log(`# SKIP ${skip}`);

const pulsar = (cmd: 'up' | 'down') =>
  execFileSync(services, [cmd, 'pulsar'], { stdio: 'inherit', timeout: 240_000 });

const hasAll = (want: string[]) => (got: Delivery[]) => {
  const seen = new Set(tags(got));
  return want.every((x) => seen.has(x));
};

test('pulsar restarted mid-run: producer and consumer reconnect, every message arrives', {
  skip,
  timeout: 600_000,
}, async () => {
  const logs: string[] = [];
  const broker = await openBroker(SERVICE_URLS.pulsar, { log: (level, msg) => logs.push(`${level} ${msg}`) });
  const topic = uniqueName('fault');
  try {
    await broker.ensureTopics([{ topic, partitions: 1 }]);
    const sub = broker.subscribe({ topics: [topic], group: uniqueName('g'), from: 'earliest' });
    await sub.ready();
    await broker.publish(messages(topic, 50, { run: 'before' }));
    const before = await collectUntil(sub, hasAll(range('before', 0, 50)), {
      timeoutMs: 30_000,
      commit: true,
    });
    assert.deepEqual(new Set(tags(before)).size, 50);

    pulsar('down');
    // Published while the broker is away: publish() retries until it is back.
    const during = broker.publish(messages(topic, 50, { run: 'during' }));
    await new Promise((r) => setTimeout(r, 3_000));
    pulsar('up');
    await during;

    const after = await collectUntil(sub, hasAll(range('during', 0, 50)), {
      timeoutMs: 180_000,
      commit: true,
    });
    const seen = new Set(tags(after));
    const missing = range('during', 0, 50).filter((x) => !seen.has(x));
    assert.deepEqual(missing, [], 'every message published around the restart arrives (duplicates allowed)');
    assert.ok(
      logs.some((l) => l.includes('consumer socket open again')),
      `the consumer socket was opened again (${logs.join('; ')})`,
    );
  } finally {
    await broker.close();
  }
});
