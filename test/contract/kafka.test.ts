/** The contract suite on the real Apache Kafka (scripts/services.sh up kafka). */

import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { runContractSuite } from './suite.js';

const skip = await skipUnlessService('kafka');

runContractSuite(SERVICE_URLS.kafka, {
  name: 'broker contract: kafka',
  skip,
  // Group joins take a few seconds on a real broker; the bound is generous, nothing asserts time.
  timeoutMs: 45_000,
  idleMs: 1_500,
  brokerOptions: { defaultPartitions: 2, connectTimeoutMs: 10_000 },
});
