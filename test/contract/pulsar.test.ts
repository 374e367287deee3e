/** The contract suite on a real Apache Pulsar 4.0.7 standalone (scripts/services.sh up pulsar). */

import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { runContractSuite } from './suite.js';

const skip = await skipUnlessService('pulsar');

// Default subscription type (Shared) and a short negative-ack delay, so nacked messages come back soon.
runContractSuite(`${SERVICE_URLS.pulsar}?nackDelayMs=100`, {
  name: 'broker contract: pulsar',
  skip,
  timeoutMs: 30_000,
  idleMs: 1_000,
  brokerOptions: { connectTimeoutMs: 10_000 },
});
