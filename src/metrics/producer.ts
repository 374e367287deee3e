/**
 * The experiment producer's metrics under upstream's names (upstream.md §4.7), so that upstream's
 * production-rate visualiser and dashboards read heroflow's producer unchanged:
 * `experiment_producer_event_count_total{key,topic}` (key = experiment id, as upstream labels it) and
 * `experiment_producer_num_experiments`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ProducerMetrics {
  event(topic: string, key: string): void;
  experimentStarted(): void;
  experimentEnded(): void;
}

export function registerProducerMetrics(registry: Registry): ProducerMetrics {
  const events = new Counter({
    name: 'experiment_producer_event_count_total',
    help: 'Events produced, per experiment (key) and topic.',
    labelNames: ['key', 'topic'],
    registers: [registry],
  });
  const experiments = new Gauge({
    name: 'experiment_producer_num_experiments',
    help: 'Experiments running now.',
    registers: [registry],
  });
  return {
    event: (topic, key) => events.inc({ key, topic }),
    experimentStarted: () => experiments.inc(),
    experimentEnded: () => experiments.dec(),
  };
}
