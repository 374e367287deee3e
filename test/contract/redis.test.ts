/**
 * The contract suite on the real Redis (scripts/services.sh up redis), for all three Redis adapters.
 * Fan-out needs its middleware: one runs in-process for every contract channel (`hfct:*`, topics have no
 * '.', worker channels do), as `heroflow fanout` would in production.
 */
import { after } from 'node:test';
import { FanoutMiddleware } from '../../src/brokers/redis/index.js';
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { runContractSuite } from './suite.js';

const skip = await skipUnlessService('redis');
const base = SERVICE_URLS.redis.replace(/^redis:/, '');

runContractSuite(`redis:${base}?prefix=hfct.`, {
  name: 'broker contract: redis (pub/sub)',
  skip,
  timeoutMs: 10_000,
  idleMs: 300,
});

let middleware: FanoutMiddleware | undefined;
if (!skip) {
  middleware = new FanoutMiddleware({
    url: `redis:${base}?prefix=hfct:`,
    patterns: ['hfct:*'],
    isTopic: (channel) => !channel.includes('.'),
  });
  await middleware.start();
  after(() => middleware?.stop());
}
runContractSuite(`redis+fanout:${base}?prefix=hfct:`, {
  name: 'broker contract: redis+fanout',
  skip,
  timeoutMs: 10_000,
  idleMs: 300,
});

// A short claim idle time so the replay cases see a dead member's entries reclaimed within the bound.
runContractSuite(`redis+streams:${base}?prefix=hfct.&claimIdleMs=300&maxlen=10000`, {
  name: 'broker contract: redis+streams',
  skip,
  timeoutMs: 10_000,
  idleMs: 300,
});
