/** The contract suite on the real RabbitMQ (scripts/services.sh up rabbitmq). */

import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { runContractSuite } from './suite.js';

const skip = await skipUnlessService('rabbitmq');

runContractSuite(SERVICE_URLS.rabbitmq, {
  name: 'broker contract: amqp',
  skip,
  timeoutMs: 15_000,
  idleMs: 500,
  brokerOptions: { connectTimeoutMs: 5_000 },
});
