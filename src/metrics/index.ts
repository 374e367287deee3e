/** The metrics part: registry factory, process/pipeline/producer metrics, and the /metrics endpoint. */
export { type FileTimings, registerFileTimings } from './file-timings.js';
export { type LagProbe, registerKafkaLag } from './kafka-lag.js';
export {
  type PipelineStats,
  registerPublishMetrics,
  registerServerMetrics,
  registerWorkerMetrics,
} from './pipeline.js';
export { type ProducerMetrics, registerProducerMetrics } from './producer.js';
export { createRegistry, PREFIX } from './registry.js';
export { type MetricsServer, serveMetrics } from './server.js';
