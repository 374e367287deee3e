/**
 * The workload manager's invariants on real servers (scripts/services.sh up kafka redis nats): the same
 * scenarios as on memory://, each broker with its own redelivery (Kafka: the adapter re-hands the message
 * while its offset stays uncommitted; Redis Streams: the entry stays pending and is XCLAIMed; JetStream:
 * the server's nak(delay); Pulsar: its negative ack, keyed workloads on a Key_Shared subscription —
 * scripts/services.sh up pulsar).
 */
import { SERVICE_URLS, skipUnlessService } from '../helpers/services.js';
import { workloadScenarios } from './scenarios.js';

const redisStreams = SERVICE_URLS.redis.replace(/^redis:/, 'redis+streams:');
const nats = `${SERVICE_URLS.nats}?stream=HFWL&prefix=wl&ackWaitMs=5000&maxAgeMs=600000`;

workloadScenarios(SERVICE_URLS.kafka, 'workload manager on Kafka', await skipUnlessService('kafka'));
workloadScenarios(redisStreams, 'workload manager on Redis Streams', await skipUnlessService('redis'));
workloadScenarios(nats, 'workload manager on NATS JetStream', await skipUnlessService('nats'));
workloadScenarios(
  `${SERVICE_URLS.pulsar}?nackDelayMs=50`,
  'workload manager on Pulsar',
  await skipUnlessService('pulsar'),
);
