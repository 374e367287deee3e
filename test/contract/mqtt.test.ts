/** The contract suite on the real Mosquitto 2 (scripts/services.sh up mosquitto). */

import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { runContractSuite } from './suite.js';

const skip = await skipUnlessService('mqtt');

// Sessions of the suite's throw-away groups expire after a minute instead of a day.
runContractSuite(`${SERVICE_URLS.mqtt}?sessionExpiry=60`, {
  name: 'broker contract: mqtt',
  skip,
  timeoutMs: 15_000,
  idleMs: 500,
  brokerOptions: { connectTimeoutMs: 5_000 },
});
