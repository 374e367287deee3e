/** The contract suite on the real NATS server with JetStream (scripts/services.sh up nats). */

import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { runContractSuite } from './suite.js';

const skip = await skipUnlessService('nats');

// A stream of its own with a short retention, so test runs do not pile up in the default HEROFLOW stream.
runContractSuite(`${SERVICE_URLS.nats}?stream=HFTEST&prefix=hftest&ackWaitMs=2000&maxAgeMs=600000`, {
  name: 'broker contract: nats',
  skip,
  timeoutMs: 15_000,
  idleMs: 500,
  brokerOptions: { connectTimeoutMs: 5_000 },
});
