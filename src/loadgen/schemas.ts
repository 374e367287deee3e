/**
 * The experiment producer's Avro schemas, as upstream's `experiment-producer/schemas/*.avsc` declare them
 * (upstream.md §4.4). Each event value is a one-record Avro Object Container File whose header embeds the
 * schema it was written with.
 */
import avro from 'avsc';

const temperatureRange = {
  type: 'record',
  name: 'temperature_range',
  // Upstream lists upper before lower; the field order is the order readers print.
  fields: [
    { name: 'upper_threshold', type: 'float' },
    { name: 'lower_threshold', type: 'float' },
  ],
} as const;

const stamped = (name: string) =>
  ({
    type: 'record',
    name,
    fields: [
      { name: 'experiment', type: 'string' },
      { name: 'timestamp', type: 'double' },
    ],
  }) as const;

export const SCHEMAS = {
  experiment_configured: {
    type: 'record',
    name: 'ExperimentConfig',
    fields: [
      { name: 'experiment', type: 'string' },
      { name: 'researcher', type: 'string' },
      { name: 'sensors', type: { type: 'array', items: 'string' } },
      { name: 'temperature_range', type: temperatureRange },
    ],
  },
  stabilization_started: stamped('stabilization_started'),
  experiment_started: stamped('experiment_started'),
  experiment_terminated: stamped('experiment_terminated'),
  sensor_temperature_measured: {
    type: 'record',
    name: 'sensor_temperature_measured',
    fields: [
      { name: 'experiment', type: 'string' },
      { name: 'sensor', type: 'string' },
      { name: 'measurement_id', type: 'string' },
      { name: 'timestamp', type: 'double' },
      { name: 'temperature', type: 'float' },
      { name: 'measurement_hash', type: 'string' },
    ],
  },
  experiment_document: {
    type: 'record',
    name: 'experiment_document',
    fields: [
      { name: 'experiment', type: 'string' },
      {
        name: 'measurements',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'measurement',
            fields: [
              { name: 'timestamp', type: 'double' },
              { name: 'temperature', type: 'float' },
            ],
          },
        },
      },
      { name: 'temperature_range', type: temperatureRange },
    ],
  },
} as const;

/** The `record_name` header values, in the order an experiment emits them. */
export type RecordName = keyof typeof SCHEMAS;

/**
 * Which schema upstream writes each event with. Since 2024-08 upstream writes `experiment_terminated`
 * with the experiment_started schema (embedded name `experiment_started`, same fields); the header
 * still says `experiment_terminated`. Kept, so that consumers written against upstream see what it sends.
 */
export const WRITER_SCHEMA: Record<RecordName, RecordName> = {
  experiment_configured: 'experiment_configured',
  stabilization_started: 'stabilization_started',
  experiment_started: 'experiment_started',
  experiment_terminated: 'experiment_started',
  sensor_temperature_measured: 'sensor_temperature_measured',
  experiment_document: 'experiment_document',
};

const types = new Map<RecordName, avro.Type>();

export function avroType(name: RecordName): avro.Type {
  let t = types.get(name);
  if (!t) {
    t = avro.Type.forSchema(SCHEMAS[name] as unknown as avro.Schema);
    types.set(name, t);
  }
  return t;
}
